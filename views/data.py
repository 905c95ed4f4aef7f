"""Data page: choose, generate or upload data, window it, and see the arrays' shapes."""

import streamlit as st

from lstm_lab.data.columns import pick_columns
from lstm_lab.data.window import window_summary
from lstm_lab.errors import LstmLabError
from lstm_lab.teach.explain import explain
from ui import data_controls as dc
from ui import render, state, upload
from ui.section import section
from ui.widgets import changes, setting_error

st.title("Data")
st.caption("Where the sequences come from, and how a table becomes `(samples, timesteps, features)`.")
setting_error()
changes()

source, columns = st.columns([1, 1], gap="large")
with source:
    dc.source_section()
    if state.lab().data.source == "upload":
        upload.upload_section()

try:
    dataset = state.dataset()
except LstmLabError as e:
    render.error(e, "No data yet")
    st.stop()

with columns:
    dc.task_section(dataset)
    try:
        features, targets = pick_columns(dataset, state.lab().data)
    except LstmLabError as e:
        render.error(e, "These columns do not fit the data")
        st.stop()
    if not dc.columns_section(dataset, features, targets):
        st.stop()


@section
def window() -> None:
    """The window and what the model sees, side by side, then one sample drawn: a change reruns this alone."""
    setting_error()
    changes()
    dataset = state.dataset()
    features, targets = pick_columns(dataset, state.lab().data)
    controls, shapes = st.columns([1, 1], gap="large")
    with controls:
        dc.window_section(dataset)
    with shapes:
        try:
            summary = window_summary(dataset, state.lab().data)
        except LstmLabError as e:
            render.problem(explain(e, state.lab(), dataset.rows), e, key="window")
            return
        dc.summary_section(dataset, features, summary)
        dc.labels_note(dataset)
    dc.sample_section(dataset, features, targets, summary)


window()
