"""Inside the cell page: every gate and state of one LSTM layer over one sample, with the arithmetic."""

import streamlit as st

from lstm_lab.errors import LstmLabError
from ui import cell, render, state

st.title("Inside the cell")
st.caption("What an LSTM layer computes at every timestep of one of your samples: the four gates, the cell state "
           "and the hidden state, replayed from the layer's weights and equal to Keras's own outputs.")  # fmt: skip

try:
    dataset = state.dataset()
except LstmLabError as e:
    render.error(e, "Load data first (Data page)")
    st.stop()
source = cell.source_section()
summary = cell.window_section(dataset, source)
if summary is None:
    st.stop()
choice = cell.pickers(source, summary)
try:
    traced, x, names = cell.trace(source, dataset, choice)
except LstmLabError as e:
    render.error(e, "This sample cannot be traced")
    st.stop()
st.caption(f"Traced: {source.label}.")
activation = source.lab.model.layers[choice.layer].activation
t, unit = cell.step_section(traced, activation)
cell.masking_note(source, traced)
cell.heatmaps_section(traced, x, names, t, unit, source, choice.layer)
cell.lines_section(traced, t)
cell.remember_picks()
