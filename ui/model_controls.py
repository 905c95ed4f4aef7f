"""The Model page's sections: the layer stack, the head, and shapes with explanations and fixes."""

from __future__ import annotations

import streamlit as st

from lstm_lab import compute, edits
from lstm_lab.charts.diagram import model_diagram
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS
from lstm_lab.records import ShapeRow, format_shape
from lstm_lab.spec import LabSpec
from lstm_lab.teach.changes import describe_change
from lstm_lab.teach.explain import explain
from ui import render, state
from ui.widgets import control, setting, typed_setting

MERGE_MODES = ["concat", "sum", "mul", "ave", None]
HEAD_ACTIVATIONS = ["linear", "sigmoid", "softmax", "tanh", "relu"]


NBSP = "\u00a0"  # a shape stays on one line
CONTROLS_HEIGHT = 480  # px: the controls scroll in their own box, so the shapes beside them stay in view


def stack_section(lab: LabSpec) -> None:
    """The layer count, masking and stateful, then one bordered box per LSTM layer and one for the head,
    two to a row: the stack reads left to right, top to bottom."""
    n = len(lab.model.layers)
    if not state.hidden("model.layers"):  # a link may hold more layers than allowed: the table says so
        control(st.slider, "LSTM layers stacked", "n_layers", n, edits.resize_stack, min_value=1,
                max_value=max(LIMITS.max_layers, n))  # fmt: skip
    a, b = st.columns(2)
    with a:
        setting(st.toggle, "Masking layer (`Masking(mask_value=0.0)`): skip padded steps", "model.masking")
    with b:
        setting(st.toggle, "Stateful (`stateful`): fixed batch, state carried between batches", "model.stateful")
    boxes = [lambda i=i, layer=layer: _layer_controls(i, layer, last=i == n - 1)
             for i, layer in enumerate(lab.model.layers)] + [lambda: _head_controls(lab)]  # fmt: skip
    for start in range(0, len(boxes), 2):
        for col, draw in zip(st.columns(2), boxes[start : start + 2], strict=False):
            with col.container(border=True):
                draw()


def shapes_summary(rows: list[ShapeRow]) -> None:
    """Each output's shape and each layer's parameters in a few short lines, kept beside the controls."""
    lines = ["| Layer | Shape | Params |", "|---|---|---:|"]
    for r in rows:
        for i, (shape, name) in enumerate(zip(r.output_shapes, r.output_names, strict=True)):
            layer = render.plain(r.layer) if i == 0 else f"↳ {render.plain(name)}"
            params = f"{r.params:,}" if i == 0 else ""
            lines.append(f"| {layer} | `{format_shape(shape).replace(' ', NBSP)}` | {params} |")
    st.markdown("\n".join(lines))
    st.markdown(f"**Total parameters: {sum(r.params for r in rows):,}**")


def _layer_controls(i: int, layer, last: bool) -> None:
    p = f"model.layers.{i}"
    st.markdown(f"**Layer {i + 1}: {'Bidirectional(LSTM)' if layer.bidirectional else 'LSTM'}**")
    typed_setting("Units (`units`)", f"{p}.units", min_value=1, max_value=LIMITS.max_units)
    setting(st.toggle, "Return sequences (`return_sequences`)", f"{p}.return_sequences")
    setting(st.toggle, "Bidirectional", f"{p}.bidirectional")
    if layer.bidirectional:
        setting(st.selectbox, "Merge mode (`merge_mode`)", f"{p}.merge_mode", options=MERGE_MODES,
                format_func=lambda m: "None (two outputs)" if m is None else m)  # fmt: skip
    if last or layer.return_state:
        setting(st.toggle, "Return state (`return_state`)", f"{p}.return_state")
    setting(st.slider, "Dropout (`dropout`)", f"{p}.dropout", min_value=0.0, max_value=0.9, step=0.05)


def _head_controls(lab: LabSpec) -> None:
    head = lab.model.head
    st.markdown("**Output head: " + (f"Dense({head.units}, {head.activation})**" if head else "none**"))
    if state.hidden("model.head"):
        return
    control(st.toggle, "Dense output layer", "has_head", head is not None, edits.set_head)
    if head is not None:
        typed_setting("Units (`units`)", "model.head.units", min_value=1, max_value=LIMITS.max_units)
        setting(st.selectbox, "Activation (`activation`)", "model.head.activation", options=HEAD_ACTIVATIONS)


def shape_rows(pending, lab: LabSpec, rows_in_data: int | None) -> list[ShapeRow] | None:
    """The shape table requested earlier (``compute.shape_table_later``), or None after explaining why Keras
    rejected the model, with its fixes."""
    try:
        if compute.engine().status.state != "starting":
            return pending()
        with st.spinner("Starting the Keras workers (first time only)…"):
            return pending()
    except LstmLabError as e:
        if e.code.startswith("compute_"):  # the tier is restarting: one line, the sidebar says when it is back
            render.error(e)
            return None
        st.session_state.pop(state.PREV_ROWS, None)  # the next working model is not compared with an older one
        render.problem(explain(e, lab, rows_in_data), e)
        return None


def what_changed(rows: list[ShapeRow]) -> None:
    """One line on what the last setting change did to the shapes, and why."""
    change = st.session_state.pop(state.LAST_CHANGE, None)
    before = st.session_state.get(state.PREV_ROWS)
    st.session_state[state.PREV_ROWS] = rows
    if change and before:
        line = describe_change(change[0], change[1], before, rows)
        if line:
            st.info(line, icon=":material/swap_horiz:")


def diagram_section(spec, rows: list[ShapeRow]) -> None:
    """The model unrolled over its timesteps: where each output leaves, redrawn on every change (one SVG
    image: a chart of a few hundred annotations cost the browser more than the rest of the page)."""
    st.subheader("Unrolled over time")
    drawing = model_diagram(spec, rows)
    st.image(drawing.svg(), width="content")


def table_section(rows: list[ShapeRow]) -> None:
    st.table(render.shape_frame(rows), hide_index=True)
    st.markdown(f"**Total parameters: {sum(r.params for r in rows):,}**, all counted by Keras; each row shows its "
                "formula.")  # fmt: skip


def fit_section(problems: list[LstmLabError], lab: LabSpec) -> None:
    """Why this model cannot train on this data yet, each reason with its fixes."""
    for problem in problems:
        render.problem(explain(problem, lab), key="stateful" if problem.code == "stateful_batch" else "fit")
