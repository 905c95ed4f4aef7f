"""The upload box: a file becomes the lab's dataset only when it loads cleanly."""

from __future__ import annotations

import streamlit as st

from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS, check_data
from ui import render, state

NAN_POLICIES = {"refuse": "Refuse the file", "drop": "Drop those rows", "ffill": "Fill forward"}


def upload_section() -> None:
    """File uploader with its size cap; bad files are explained and change nothing."""
    from lstm_lab import ingest

    file = st.file_uploader(
        f"CSV, or NumPy `.npy`/`.npz` (samples × timesteps × features), up to {LIMITS.max_upload_mb} MB",
        type=["csv", "txt", "tsv", "npy", "npz"],
        key="upload_file",
    )
    policy = st.radio("Missing or infinite values", list(NAN_POLICIES), format_func=NAN_POLICIES.get,
                      horizontal=True, key="nan_policy")  # fmt: skip
    if file is None:
        if st.session_state.get("upload") is not None:
            st.caption(f"Loaded: {st.session_state['upload'].name}")
        return
    token = (file.file_id, policy)
    if st.session_state.get("upload_token") == token:
        return
    st.session_state["upload_token"] = token
    try:
        data = file.getvalue()
        ingest.check_size(len(data))
        dataset = ingest.load_upload(data, file.name, policy)
        check_data(dataset.rows, len(dataset.columns))
    except LstmLabError as e:
        render.error(e, f"Could not load {file.name!r}; nothing was changed")
        st.session_state["upload_token"] = None
        return
    st.session_state["upload"] = dataset
    new = state.lab_dict()
    task = "regression" if dataset.is_series else new["data"]["task"]
    new = {**new, "data": {**new["data"], "source": "upload", "features": [], "targets": [], "task": task,
                           "target_mode": "next"}}  # fmt: skip
    state.set_lab(state.refit_model(new))
    st.rerun()
