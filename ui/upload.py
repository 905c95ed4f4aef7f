"""The upload box: a file becomes the lab's dataset only when it loads cleanly; otherwise nothing changes."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lstm_lab.data import ingest
from lstm_lab.data.dataset import Dataset
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS, check_data
from ui import render, state
from ui.widgets import bound

NAN_POLICIES = {"refuse": "Refuse the file", "drop": "Drop those rows", "ffill": "Fill forward"}


def upload_section() -> None:
    """File uploader with its size cap; missing values are counted before the user chooses what to do."""
    file = st.file_uploader(
        f"CSV, or NumPy `.npy`/`.npz` (samples × timesteps × features), up to {LIMITS.max_upload_mb} MB",
        type=["csv", "txt", "tsv", "npy", "npz"],
        key="upload_file",
    )
    loaded = st.session_state.get("upload")
    if file is None:
        if loaded is not None:
            st.caption(f"Loaded: {render.plain(loaded.name)}")
        return
    parsed = _parse(file)
    if isinstance(parsed, LstmLabError):
        _refused(parsed, file.name, loaded)
        return
    if isinstance(parsed, ingest.ParsedTable) and parsed.missing:
        counts = ", ".join(f"{render.plain(c)}: {n:,}" for c, n in parsed.missing.items())
        st.warning(f"{parsed.missing_rows:,} rows have missing or infinite values ({counts}). Choose what to do:")
        bound(st.radio, "Missing or infinite values", "data.nan_policy", options=list(NAN_POLICIES),
              format_func=NAN_POLICIES.get, horizontal=True)  # fmt: skip
    policy = state.lab().data.nan_policy
    token = st.session_state.get("upload_token")
    if token == (file.file_id, policy):
        return
    try:
        dataset = parsed.to_dataset(policy) if isinstance(parsed, ingest.ParsedTable) else parsed
        _check(dataset)
    except LstmLabError as e:
        same_file = token is not None and token[0] == file.file_id and loaded is not None
        if same_file:  # only the missing-values choice changed: the file stays as it was loaded
            render.error(e, f"{file.name!r} stays loaded as before ({NAN_POLICIES[token[1]].lower()})")
        else:
            _refused(e, file.name, loaded)
        return
    st.session_state["upload"] = dataset
    st.session_state["upload_token"] = (file.file_id, policy)
    new = state.lab_dict()
    task = "regression" if dataset.is_series else new["data"]["task"]
    new = {**new, "data": {**new["data"], "source": "upload", "features": [], "targets": [], "task": task,
                           "target_mode": "next"}}  # fmt: skip
    state.set_lab(state.refit_model(new))
    st.rerun()


def _refused(error: LstmLabError, name: str, loaded: Dataset | None) -> None:
    render.error(error, f"Could not load {name!r}; nothing was changed")
    if loaded is not None:
        st.caption(f"Still using: {render.plain(loaded.name)}")


def _parse(file) -> ingest.ParsedTable | Dataset | LstmLabError:
    """Read the file once per upload (reruns reuse the result); errors are kept as values."""
    cached = st.session_state.get("upload_parsed")
    if cached is not None and cached[0] == file.file_id:
        return cached[1]
    try:
        data = file.getvalue()
        ingest.check_size(len(data))
        result = ingest.parse_upload(data, file.name)
    except LstmLabError as e:
        result = e
    st.session_state["upload_parsed"] = (file.file_id, result)
    return result


def _check(dataset: Dataset) -> None:
    """Refuse data the compute tier cannot hold: too large, or values beyond float32."""
    check_data(dataset.rows, len(dataset.columns))
    values = dataset.table.to_numpy() if dataset.is_series else dataset.X
    with np.errstate(over="ignore"):
        if not np.isfinite(np.asarray(values, dtype=np.float32)).all():
            raise LstmLabError("Some values are too large for 32-bit floats (beyond ±3.4e38). Rescale the data "
                               "(for example divide by 1e30) and upload it again.", field="data.source")  # fmt: skip
