"""The Model page's sections: the layer stack, the head, and shapes with explanations and fixes."""

from __future__ import annotations

import streamlit as st

from lstm_lab import compute
from lstm_lab.charts.diagram import diagram_figure
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS
from lstm_lab.spec import LabSpec
from lstm_lab.teach.explain import describe_change, explain
from ui import render, state
from ui.widgets import bound

MERGE_MODES = ["concat", "sum", "mul", "ave", None]
HEAD_ACTIVATIONS = ["linear", "sigmoid", "softmax", "tanh", "relu"]


def resize_stack() -> None:
    """Add or remove LSTM layers; every layer that now feeds another returns sequences."""
    lab = state.lab_dict()
    layers = [dict(layer) for layer in lab["model"]["layers"]]
    n = st.session_state["n_layers"]
    top = dict(layers[-1])  # what the stack hands to the head stays the same when layers come and go
    while len(layers) < n:
        layers.append({**layers[-1], "return_state": False})
    layers = layers[:n]
    notes = set()
    for layer in layers[:-1]:
        if not layer["return_sequences"]:
            notes.add("Layers that feed another LSTM now return sequences (`return_sequences` on).")
        if layer["return_state"]:
            notes.add("Only the last layer can return its states: `return_state` moved to the new last layer.")
        layer["return_sequences"] = True
        layer["return_state"] = False
    layers[-1]["return_sequences"], layers[-1]["return_state"] = top["return_sequences"], top["return_state"]
    stacked = f"{n} LSTM layer{'s' * (n > 1)} stacked: each one reads the sequence the layer below returns."
    state.note_change(" ".join([stacked, *sorted(notes)]))
    state.set_lab({**lab, "model": {**lab["model"], "layers": layers}})


def toggle_head() -> None:
    lab = state.lab_dict()
    head = {"units": 1, "activation": "linear"} if st.session_state["has_head"] else None
    state.set_lab({**lab, "model": {**lab["model"], "head": head}})
    state.note_change("Output head on: a Dense layer turns the last LSTM output into the prediction."
                      if head else "Output head off: the last LSTM output is the model's output.")  # fmt: skip


def stack_section(lab: LabSpec) -> None:
    """One bordered column per LSTM layer, then one for the head: the stack reads left to right."""
    n = len(lab.model.layers)
    if not state.hidden("layers"):
        st.session_state["n_layers"] = n  # a link may hold more layers than allowed: the table says so
        st.slider("LSTM layers stacked", 1, max(LIMITS.max_layers, n), key="n_layers", on_change=resize_stack)
    cols = st.columns(n + 1)
    for i, layer in enumerate(lab.model.layers):
        with cols[i].container(border=True):
            _layer_controls(i, layer, last=i == n - 1)
    with cols[n].container(border=True):
        _head_controls(lab)
    a, b = st.columns(2)
    with a:
        bound(st.toggle, "Masking layer (`Masking(mask_value=0.0)`): skip padded steps", "model.masking")
    with b:
        bound(st.toggle, "Stateful (`stateful`): fixed batch, state carried between batches", "model.stateful")


def _layer_controls(i: int, layer, last: bool) -> None:
    p = f"model.layers.{i}"
    st.markdown(f"**Layer {i + 1}: {'Bidirectional(LSTM)' if layer.bidirectional else 'LSTM'}**")
    bound(st.slider, "Units (`units`)", f"{p}.units", min_value=1, max_value=LIMITS.max_units)
    bound(st.toggle, "Return sequences (`return_sequences`)", f"{p}.return_sequences")
    bound(st.toggle, "Bidirectional", f"{p}.bidirectional")
    if layer.bidirectional:
        bound(st.selectbox, "Merge mode (`merge_mode`)", f"{p}.merge_mode", options=MERGE_MODES,
              format_func=lambda m: "None (two outputs)" if m is None else m)  # fmt: skip
    if last or layer.return_state:
        bound(st.toggle, "Return state (`return_state`)", f"{p}.return_state")
    bound(st.slider, "Dropout (`dropout`)", f"{p}.dropout", min_value=0.0, max_value=0.9, step=0.05)


def _head_controls(lab: LabSpec) -> None:
    head = lab.model.head
    st.markdown("**Output head: " + (f"Dense({head.units}, {head.activation})**" if head else "none**"))
    if state.hidden("model.head"):
        return
    st.session_state["has_head"] = head is not None
    st.toggle("Dense output layer", key="has_head", on_change=toggle_head)
    if head is not None:
        bound(st.slider, "Units (`units`)", "model.head.units", min_value=1, max_value=LIMITS.max_units)
        bound(st.selectbox, "Activation (`activation`)", "model.head.activation", options=HEAD_ACTIVATIONS)


def shape_rows(pending, lab: LabSpec, rows_in_data: int | None) -> list[dict]:
    """The shape table requested earlier (``compute.shape_table_later``); a Keras error is explained with
    its fixes, then the page stops."""
    try:
        if compute.engine().is_ready:
            return pending()
        with st.spinner("Starting the Keras worker (first time only)…"):
            return pending()
    except LstmLabError as e:
        st.session_state.pop("prev_rows", None)  # the next working model is not compared with an older one
        render.problem(explain(e, lab, rows_in_data), e)
        st.stop()


def what_changed(rows: list[dict]) -> None:
    """One line on what the last setting change did to the shapes, and why."""
    change = st.session_state.pop("last_change", None)
    before = st.session_state.get("prev_rows")
    st.session_state["prev_rows"] = rows
    if change and before:
        line = describe_change(change[0], change[1], before, rows)
        if line:
            st.info(line, icon=":material/swap_horiz:")


def diagram_section(spec, rows: list[dict]) -> None:
    """The model unrolled over its timesteps: where each output leaves, redrawn on every change."""
    st.subheader("Unrolled over time")
    only_download = ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d", "resetScale2d"]
    config = {"displaylogo": False, "modeBarButtonsToRemove": only_download}
    st.plotly_chart(diagram_figure(spec, rows), width="content", config=config, key="diagram")


def table_section(rows: list[dict]) -> None:
    st.table(render.shape_frame(rows), hide_index=True)
    total = sum(r["params"] for r in rows)
    st.markdown(f"**Total parameters: {total:,}**, all counted by Keras; each row shows its formula.")
