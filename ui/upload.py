"""The upload box: a file becomes the lab's dataset only when it loads cleanly; otherwise nothing changes."""

from __future__ import annotations

import streamlit as st

from lstm_lab import edits
from lstm_lab.data.dataset import Dataset
from lstm_lab.data.table import ParsedTable
from lstm_lab.data.upload import read_upload
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS
from ui import render, state
from ui.widgets import setting

NAN_POLICIES = {"refuse": "Refuse the file", "drop": "Drop those rows", "ffill": "Fill forward"}


def upload_section() -> None:
    """File uploader with its size cap; missing values are counted before the user chooses what to do."""
    file = st.file_uploader(
        f"CSV, or NumPy `.npy`/`.npz` (samples × timesteps × features), up to {LIMITS.max_upload_mb} MB",
        type=["csv", "txt", "tsv", "npy", "npz"],
        key=state.UPLOAD_FILE,
    )
    loaded = state.upload()
    if file is None:
        if loaded is not None:
            st.caption(f"Loaded: {render.plain(loaded.name)}")
        return
    parsed = _read(file)
    if isinstance(parsed, LstmLabError):
        _refused(parsed, file.name, loaded)
        return
    if isinstance(parsed, ParsedTable) and parsed.missing:
        counts = ", ".join(f"{render.plain(c)}: {n:,}" for c, n in parsed.missing.items())
        st.warning(f"{parsed.missing_rows:,} rows have missing or infinite values ({counts}). Choose what to do:")
        setting(st.radio, "Missing or infinite values", "data.nan_policy", options=list(NAN_POLICIES),
                format_func=NAN_POLICIES.get, horizontal=True)  # fmt: skip
    policy = state.lab().data.nan_policy
    token = st.session_state.get(state.UPLOAD_IN_USE)
    if token == (file.file_id, policy):
        return
    try:
        dataset = parsed.to_dataset(policy) if isinstance(parsed, ParsedTable) else parsed
    except LstmLabError as e:
        same_file = token is not None and token[0] == file.file_id and loaded is not None
        if same_file:  # only the missing-values choice changed: the file stays as it was loaded
            render.error(e, f"{file.name!r} stays loaded as before ({NAN_POLICIES[token[1]].lower()})")
        else:
            _refused(e, file.name, loaded)
        return
    st.session_state[state.UPLOAD] = dataset
    st.session_state[state.UPLOAD_IN_USE] = (file.file_id, policy)
    state.apply(edits.after_upload(state.lab(), state.dataset_of))
    st.rerun()


def _refused(error: LstmLabError, name: str, loaded: Dataset | None) -> None:
    render.error(error, f"Could not load {name!r}; nothing was changed")
    if loaded is not None:
        st.caption(f"Still using: {render.plain(loaded.name)}")


def _read(file) -> ParsedTable | Dataset | LstmLabError:
    """Read the file once per upload (reruns reuse the result); errors are kept as values."""
    cached = st.session_state.get(state.UPLOAD_PARSED)
    if cached is not None and cached[0] == file.file_id:
        return cached[1]
    try:
        result = read_upload(file.getvalue(), file.name)
    except LstmLabError as e:
        result = e
    st.session_state[state.UPLOAD_PARSED] = (file.file_id, result)
    return result
