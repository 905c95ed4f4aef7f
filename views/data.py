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


@section
def data_lab() -> None:
    """Source and window on the left, what the model sees on the right (in view while either changes),
    task and columns below, then one sample drawn: a change reruns this section alone."""
    setting_error()
    changes()
    controls, shapes = st.columns([1, 1], gap="large")
    with controls:
        dc.source_section()
        if state.lab().data.source == "upload":
            upload.upload_section()
    try:
        dataset = state.dataset()
    except LstmLabError as e:
        with shapes:
            render.error(e, "No data yet")
        return
    task, columns = st.columns([1, 1], gap="large")
    with task:
        dc.task_section(dataset)
    try:
        features, targets = pick_columns(dataset, state.lab().data)
    except LstmLabError as e:
        with shapes:
            render.error(e, "These columns do not fit the data")
        return
    with columns:
        if not dc.columns_section(dataset, features, targets):
            return
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


data_lab()
