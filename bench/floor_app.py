"""The floor for shape-update latency: the Model page's layout with the shape computed arithmetically.

A units slider labelled like the app's and a ``st.table`` of output shapes and parameter counts,
with no Keras, no Ray and no multipage navigation: what any Streamlit page needs to show a change.
"""

import pandas as pd
import streamlit as st

TIMESTEPS, FEATURES = 20, 1

st.set_page_config(page_title="Floor", layout="wide")
st.title("Model")
st.caption("Floor for the shape-update benchmark: the same kind of slider and table, shapes by arithmetic.")

left, right = st.columns(2)
with left.container(border=True):
    st.markdown("**Layer 1: LSTM**")
    units = st.slider("Units (`units`)", 1, 512, 32, key="units")
    st.toggle("Return sequences (`return_sequences`)", key="return_sequences")
with right.container(border=True):
    st.markdown("**Output head: Dense**")
    head = st.slider("Units (`units`)", 1, 512, 1, key="head")

lstm_params = 4 * units * (FEATURES + units + 1)
rows = [
    ("input", "Input", f"(None, {TIMESTEPS}, {FEATURES})", 0),
    ("lstm_1", "LSTM", f"(None, {units})", lstm_params),
    ("head", "Dense", f"(None, {head})", units * head + head),
]
st.subheader("Output shapes, layer by layer")
table = pd.DataFrame(rows, columns=["Layer", "Type", "Shape", "Params"])
table["Params"] = table["Params"].map("{:,}".format)
st.table(table, hide_index=True)
st.metric("Total parameters", f"{sum(r[3] for r in rows):,}")
