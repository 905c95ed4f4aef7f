"""Data page: choose or generate a series, window it, and see the arrays' shapes."""

import streamlit as st

from lstm_lab import plots
from lstm_lab.errors import LstmLabError
from lstm_lab.window import pick_columns, window_summary
from ui import navigation, render, state
from ui.widgets import bound, setting_error

navigation.ensure()

SOURCES = {
    "sine": "Noisy sine waves (generated)",
    "stocks": "Tech stock prices (plotly sample data)",
}


def reset_columns(old: dict, new: dict) -> dict:
    """A new source or channel count has other columns: fall back to the defaults."""
    new["data"]["features"], new["data"]["targets"] = [], []
    return new


st.title("Data")
st.caption("Where the sequences come from, and how a table becomes `(samples, timesteps, features)`.")
setting_error()

left, right = st.columns([1, 1], gap="large")
with left:
    st.subheader("Source")
    bound(st.selectbox, "Dataset", "data.source", options=list(SOURCES), format_func=SOURCES.get, after=reset_columns)
    if state.lab().data.source == "sine":
        bound(st.slider, "Rows (time steps in the series)", "data.rows", min_value=100, max_value=5000, step=50)
        bound(
            st.slider,
            "Channels (each one becomes a feature)",
            "data.channels",
            min_value=1,
            max_value=8,
            after=reset_columns,
        )
        bound(st.slider, "Noise", "data.noise", min_value=0.0, max_value=1.0, step=0.05)

dataset = state.dataset()
lab = state.lab()
try:
    features, targets = pick_columns(dataset, lab.data)
except LstmLabError as e:
    render.error(e)
    st.stop()

with left:
    st.subheader("Columns")
    chosen = st.multiselect(
        "Feature columns (their count is `features`)", dataset.columns, default=features, key=f"features.{dataset.name}"
    )
    target = st.selectbox(
        "Target column (what the model predicts)",
        dataset.columns,
        index=dataset.columns.index(targets[0]),
        key=f"target.{dataset.name}",
    )
    if not chosen:
        st.warning("Choose at least one feature column: the LSTM needs `features` ≥ 1.")
        st.stop()
    if chosen != features or [target] != targets:
        new = dict(state.lab_dict())
        new["data"] = {**new["data"], "features": chosen, "targets": [target]}
        state.set_lab(new, reseed_widgets=False)
        st.rerun()
    if dataset.notes:
        st.caption(" ".join(dataset.notes))

    st.subheader("Window")
    max_t = max(2, min(500, dataset.rows - 2))
    bound(st.slider, "Timesteps (`timesteps`, the window length)", "data.timesteps", min_value=1, max_value=max_t)
    bound(st.slider, "Horizon (how many steps ahead the target lies)", "data.horizon", min_value=1, max_value=50)
    bound(st.slider, "Stride (rows between window starts)", "data.stride", min_value=1, max_value=50)
    bound(
        st.selectbox,
        "Scaling (fitted on the training split only)",
        "data.scaling",
        options=["standard", "minmax", "none"],
    )

lab = state.lab()
d = lab.data
with right:
    st.subheader("What the model sees")
    try:
        summary = window_summary(dataset.rows, len(features), len(targets), d)
    except LstmLabError as e:
        render.error(e, "This window does not fit the data")
        st.stop()
    a, b = st.columns(2)
    a.metric("X: (samples, timesteps, features)", render.shape(summary["X"]))
    b.metric("y: (samples, targets)", render.shape(summary["y"]))
    st.markdown(
        f"**samples** = ⌊(N − timesteps − horizon) / stride⌋ + 1 = "
        f"⌊({dataset.rows} − {d.timesteps} − {d.horizon}) / {d.stride}⌋ + 1 = **{summary['samples']:,}**"
    )
    st.markdown(
        f"**features** = {len(features)} input column{'s' * (len(features) != 1)}; "
        f"**timesteps** = {d.timesteps} rows per window."
    )
    st.markdown(
        f"Chronological split: **{summary['train']:,}** training, **{summary['val']:,}** validation, "
        f"**{summary['test']:,}** test samples (the test samples are the last ones)."
    )
    sample = st.slider("Show sample #", 0, summary["samples"] - 1, 0, key="show_sample")

start = sample * d.stride
window = (start, start + d.timesteps - 1)
target_row = start + d.timesteps - 1 + d.horizon
shown = features + [c for c in targets if c not in features]
fig = plots.series_figure(dataset.table, dataset.time, shown, window, [target_row], targets[0])
st.plotly_chart(fig, width="stretch", key="series")
st.caption(
    f"Sample {sample}: rows {window[0]}–{window[1]} are its X (shaded); "
    f"row {target_row} of `{targets[0]}` is its y (red)."
)
