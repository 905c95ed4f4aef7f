"""Predictions page: the trained model against the held-out, last samples."""

import streamlit as st

from ui import results, state

st.title("Predictions")
st.caption("The test samples are the last part of the data, never seen in training.")

job = state.job()
running = job is not None and not job.ended


@st.fragment(run_every=1.0 if running else None)
def live_predictions() -> None:
    job = state.job()
    p = job.progress() if job is not None else None
    if p is None or p.predictions is None:
        st.info("No predictions yet: train a model on the **Train** page. They appear while it trains (refreshed "
                "as long as that costs under 5% of the training time) and when it ends.")  # fmt: skip
        return
    if not p.ended:
        st.caption(f"Refreshing while training: epoch {p.epoch} of {p.epochs}.")
    note = state.stale_results_note("These predictions")
    if note:
        st.warning(note)
    results.predictions_section(p.predictions)
    if running and job.ended:
        st.rerun()


live_predictions()
