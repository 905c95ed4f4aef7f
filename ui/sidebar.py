"""The sidebar shown on every page: the state of the Keras worker and of the session's training."""

from __future__ import annotations

import streamlit as st

from lstm_lab import compute
from ui import state


def render() -> None:
    with st.sidebar:
        st.caption("LSTM Lab: see why every LSTM shape is what it is.")
        _status()


def _status() -> None:
    engine = compute.engine()
    job = state.job()
    busy = (not engine.is_ready and not engine.error) or (job is not None and not job.ended)

    @st.fragment(run_every=1.0 if busy else None)
    def status() -> None:
        if engine.error:
            st.error(engine.error)
        elif not engine.is_ready:
            st.info("Starting the Keras worker (first start only, a few seconds)…")
        else:
            st.caption(":material/check_circle: Keras worker ready")
        if job is not None:
            p = job.progress()
            st.caption(f"Training: {p['state']}, epoch {p['epoch']} of {p['epochs']}")

    status()
