"""Session state: the lab spec (the one source of truth), the loaded dataset and the training job.

Settings live in plain ``st.session_state`` keys, never only in widgets: Streamlit deletes a
widget's state when its page is not rendered.
"""

from __future__ import annotations

import streamlit as st

from lstm_lab.dataset import Dataset
from lstm_lab.errors import LstmLabError
from lstm_lab.generate import generated
from lstm_lab.spec import DataSpec, LabSpec

LAB = "lab"
WIDGET_PREFIX = "w."


def init() -> None:
    """Create the session's state once."""
    if LAB not in st.session_state:
        st.session_state[LAB] = LabSpec().to_dict()
        st.session_state["changes"] = []


def lab() -> LabSpec:
    """The current lab settings."""
    return LabSpec.from_dict(st.session_state[LAB])


def lab_dict() -> dict:
    return st.session_state[LAB]


def set_lab(new: dict, *, reseed_widgets: bool = True) -> LabSpec:
    """Replace the lab settings after checking them; widgets re-read their values.

    Raises:
        LstmLabError: the new settings are invalid (the old ones stay).
    """
    spec = LabSpec.from_dict(new)
    st.session_state[LAB] = spec.to_dict()
    if reseed_widgets:
        for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(WIDGET_PREFIX)]:
            del st.session_state[key]
    return spec


def note_change(text: str) -> None:
    """Remember a one-line explanation of what the last change did, shown on the next render."""
    st.session_state["changes"] = [text]


def take_changes() -> list[str]:
    changes, st.session_state["changes"] = st.session_state.get("changes", []), []
    return changes


@st.cache_data(max_entries=16, show_spinner=False)
def _generated(source: str, rows: int, channels: int, noise: float, seed: int) -> Dataset:
    spec = DataSpec(source=source, rows=rows, channels=channels, noise=noise)
    return generated(spec, seed)


def dataset() -> Dataset:
    """The dataset the lab's data settings point to."""
    spec = lab()
    d = spec.data
    if d.source == "upload":
        uploaded = st.session_state.get("upload")
        if uploaded is None:
            raise LstmLabError("No file has been uploaded yet; choose one on the Data page.", field="data.source")
        return uploaded
    return _generated(d.source, d.rows, d.channels, d.noise, spec.seed)


def job():
    """The session's current training job, or None."""
    return st.session_state.get("job")


def set_job(new_job, time=None) -> None:
    """Keep the session's training job, and the x-axis of the data it was trained on."""
    st.session_state["job"] = new_job
    st.session_state["job_time"] = time


def job_time():
    """x-axis values (dates) of the data the current job trained on, or None for row numbers."""
    return st.session_state.get("job_time")
