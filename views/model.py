"""Model page: stack LSTM layers, choose the head, and see why every output shape is what it is."""

import streamlit as st

from lstm_lab import compute
from lstm_lab.data.columns import class_count, input_shape, pick_columns
from lstm_lab.data.window import window_summary
from lstm_lab.errors import LstmLabError
from lstm_lab.model.task import fit_problems
from lstm_lab.teach.explain import explain
from ui import model_controls as mc
from ui import render, state
from ui.section import section
from ui.widgets import changes, setting_error

st.title("Model")
st.caption("Every control is named after the Keras argument you will write in code.")


@section
def layer_editor() -> None:
    """The controls, the shapes beside them, the table and the diagram: a change reruns this alone."""
    setting_error()
    changes()
    lab = state.lab()
    try:
        dataset = state.dataset()
    except LstmLabError as e:
        render.error(e, "Load data first (Data page)")
        return
    try:
        timesteps, features = input_shape(dataset, lab.data)
        summary = window_summary(dataset, lab.data)
        target = pick_columns(dataset, lab.data)[1][0]
    except LstmLabError as e:  # the data settings do not fit the data: the same explanation and Fix as on Data
        render.problem(explain(e, lab, dataset.rows), e, key="data")
        return
    st.markdown(
        f"**Input** from the Data page: `(batch, timesteps, features)` = `(None, {timesteps}, {features})`, "
        f"{summary.samples:,} samples."
    )

    spec = lab.model_spec(features, timesteps)
    pending = compute.shape_table_later(spec.to_dict())  # the warm worker builds while the controls are drawn

    controls, shapes = st.columns([3, 2], gap="medium")
    with controls.container(height=mc.CONTROLS_HEIGHT, border=False):
        mc.stack_section(lab)
    with shapes:
        st.subheader("Output shapes")
        rows = mc.shape_rows(pending, lab, dataset.rows)
        if rows is None:
            return
        mc.what_changed(rows)
        mc.shapes_summary(rows)

    st.subheader("Layer by layer: dimensions and parameter formulas")
    mc.table_section(rows)
    mc.diagram_section(spec, rows)
    problems = fit_problems(lab, rows[-1].output_shapes[0], summary.y, summary.splits, class_count(dataset, target))
    mc.fit_section(problems, lab)


layer_editor()
