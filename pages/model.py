"""Model page: stack LSTM layers, choose the head, and watch every layer's output shape."""

import streamlit as st

from lstm_lab import compute
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS
from lstm_lab.shapes import total_params
from lstm_lab.window import pick_columns
from ui import navigation, render, state
from ui.widgets import bound, setting_error

navigation.ensure()

MERGE_MODES = ["concat", "sum", "mul", "ave", None]


def resize_stack() -> None:
    """Add or remove LSTM layers; every layer that now feeds another returns sequences."""
    lab = state.lab_dict()
    layers = [dict(layer) for layer in lab["model"]["layers"]]
    n = st.session_state["n_layers"]
    while len(layers) < n:
        layers.append({**layers[-1], "return_sequences": False, "return_state": False})
    layers = layers[:n]
    for layer in layers[:-1]:
        layer["return_sequences"] = True
        layer["return_state"] = False
    state.set_lab({**lab, "model": {**lab["model"], "layers": layers}})


def toggle_head() -> None:
    lab = state.lab_dict()
    head = {"units": 1, "activation": "linear"} if st.session_state["has_head"] else None
    state.set_lab({**lab, "model": {**lab["model"], "head": head}})


st.title("Model")
st.caption("Every control is named after the Keras argument you will write in code.")
setting_error()

lab = state.lab()
dataset = state.dataset()
try:
    features, _ = pick_columns(dataset, lab.data)
except LstmLabError as e:
    render.error(e)
    st.stop()
st.markdown(
    f"**Input** from the Data page: `(batch, timesteps, features)` = `(None, {lab.data.timesteps}, {len(features)})`"
)

n = len(lab.model.layers)
st.session_state["n_layers"] = n
st.slider("LSTM layers stacked", 1, 4, key="n_layers", on_change=resize_stack)

cols = st.columns(n + 1)
for i, layer in enumerate(lab.model.layers):
    p = f"model.layers.{i}"
    with cols[i].container(border=True):
        st.markdown(f"**Layer {i + 1}: {'Bidirectional(LSTM)' if layer.bidirectional else 'LSTM'}**")
        bound(st.slider, "Units (`units`)", f"{p}.units", min_value=1, max_value=LIMITS.max_units)
        bound(st.toggle, "Return sequences (`return_sequences`)", f"{p}.return_sequences")
        bound(st.toggle, "Bidirectional", f"{p}.bidirectional")
        if layer.bidirectional:
            bound(
                st.selectbox,
                "Merge mode (`merge_mode`)",
                f"{p}.merge_mode",
                options=MERGE_MODES,
                format_func=lambda m: "None (two outputs)" if m is None else m,
            )
        if i == n - 1 or layer.return_state:
            bound(st.toggle, "Return state (`return_state`)", f"{p}.return_state")
        bound(st.slider, "Dropout (`dropout`)", f"{p}.dropout", min_value=0.0, max_value=0.9, step=0.05)

with cols[n].container(border=True):
    st.markdown("**Output head: Dense**")
    st.session_state["has_head"] = lab.model.head is not None
    st.toggle("Dense output layer", key="has_head", on_change=toggle_head)
    if lab.model.head is not None:
        bound(st.slider, "Units (`units`)", "model.head.units", min_value=1, max_value=LIMITS.max_units)
        bound(
            st.selectbox,
            "Activation (`activation`)",
            "model.head.activation",
            options=["linear", "sigmoid", "softmax", "tanh", "relu"],
        )

st.subheader("Output shapes, layer by layer")
spec = state.lab().model_spec(len(features))
try:
    with st.spinner("Starting the Keras worker (first time only)…"):
        rows = compute.shape_table(spec.to_dict())
except LstmLabError as e:
    render.error(e, "Keras rejects this model")
    st.stop()
st.table(render.shape_frame(rows), hide_index=True)
st.metric("Total parameters", f"{total_params(rows):,}")
st.caption("Shapes and parameter counts come from a real Keras model built from these settings; `None` is the batch.")
