"""The Data page's sections: source, columns, window, and what the model will see."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lstm_lab.charts import figures as plots
from lstm_lab.data.dataset import Dataset
from lstm_lab.errors import LstmLabError
from ui import render, state
from ui.widgets import bound

SOURCES = {
    "sine": "Noisy sine waves (regression, generated)",
    "stocks": "Tech stock prices (regression, plotly sample data)",
    "trend": "Trend up or down? (binary classification, generated)",
    "frequency": "Which frequency? (3-class classification, generated)",
    "varlen": "Variable-length sequences (binary, padded, generated)",
    "upload": "Your file (CSV or NumPy)",
}
TASK_OF_SOURCE = {"trend": "binary", "frequency": "multiclass", "varlen": "binary"}
TASKS = {"regression": "Regression (predict values)", "binary": "Binary classification",
         "multiclass": "Multi-class classification"}  # fmt: skip
TARGET_MODES = {
    "next": "Next value (horizon steps ahead)",
    "next_k": "Next k values (k = horizon)",
    "seq2seq": "Sequence to sequence (the window shifted by horizon)",
}


def on_source_change(old: dict, new: dict) -> dict:
    """A new source has other columns and maybe another task: reset them, refit the head."""
    data = new["data"]
    data["features"], data["targets"] = [], []
    data["task"] = TASK_OF_SOURCE.get(data["source"], "regression")
    data["target_mode"] = "next"
    new["train"] = {**new["train"], "loss": "auto"}
    if data["source"] == "upload" and st.session_state.get("upload") is not None:
        data["task"] = "regression" if st.session_state["upload"].is_series else data["task"]
    return state.refit_model(new)


def on_task_change(old: dict, new: dict) -> dict:
    new["data"]["targets"] = []
    new["train"] = {**new["train"], "loss": "auto"}
    if new["data"]["task"] != "regression":
        new["data"]["target_mode"] = "next"
    return state.refit_model(new)


def source_section() -> None:
    st.subheader("Source")
    bound(st.selectbox, "Dataset", "data.source", options=list(SOURCES), format_func=SOURCES.get,
          after=on_source_change)  # fmt: skip
    d = state.lab().data
    if d.source in ("sine", "trend", "frequency", "varlen"):
        series = d.source == "sine"
        label = "Rows (time steps in the series)" if series else "Sequences (samples)"
        bound(st.slider, label, "data.rows", min_value=100, max_value=5000, step=50)
        bound(st.slider, "Channels (each one becomes a feature)", "data.channels", min_value=1, max_value=8,
              after=on_source_change)  # fmt: skip
        bound(st.slider, "Noise", "data.noise", min_value=0.0, max_value=1.0, step=0.05)
        if not series:
            bound(st.slider, "Timesteps (sequence length, `timesteps`)", "data.timesteps", min_value=2,
                  max_value=200)  # fmt: skip


def task_section(dataset: Dataset) -> None:
    st.subheader("Task")
    fixed = not dataset.is_series and dataset.class_names is not None
    bound(st.selectbox, "Task", "data.task", options=list(TASKS), format_func=TASKS.get, after=on_task_change,
          disabled=fixed, help="Generated classification sets come with their labels.")  # fmt: skip
    d = state.lab().data
    if dataset.is_series and d.task == "regression":
        bound(st.selectbox, "Target (what one sample predicts)", "data.target_mode", options=list(TARGET_MODES),
              format_func=TARGET_MODES.get, after=lambda old, new: state.refit_model(new))  # fmt: skip


def columns_section(dataset: Dataset, features: list[str], targets: list[str]) -> None:
    """Feature and target columns; an empty choice is refused, not silently replaced."""
    if state.hidden("columns"):
        return
    st.subheader("Columns")
    d = state.lab().data
    chosen = st.multiselect("Feature columns (their count is `features`)", dataset.columns, default=features,
                            key=f"features.{dataset.name}")  # fmt: skip
    if not chosen:
        st.warning("Choose at least one feature column: the LSTM needs `features` ≥ 1.")
        st.stop()
    picked = targets
    if dataset.is_series and d.task == "regression":
        picked = st.multiselect("Target columns (what the model predicts)", dataset.columns, default=targets,
                                key=f"targets.{dataset.name}")  # fmt: skip
        if not picked:
            st.warning("Choose at least one target column.")
            st.stop()
    elif dataset.is_series:
        label = st.selectbox("Label column (the class of each window)", dataset.columns,
                             index=dataset.columns.index(targets[0]), key=f"label.{dataset.name}")  # fmt: skip
        picked = [label]
    if chosen != features or picked != targets:
        new = state.lab_dict()
        new = {**new, "data": {**new["data"], "features": chosen, "targets": picked}}
        state.set_lab(state.refit_model(new), reseed_widgets=True)
        st.rerun()
    if dataset.notes:
        st.caption(render.safe_markdown(" ".join(dataset.notes)))


def window_section(dataset: Dataset) -> None:
    d = state.lab().data
    st.subheader("Window" if dataset.is_series else "Sequences")
    if dataset.is_series:
        max_t = max(2, min(500, dataset.rows - 2))
        bound(st.slider, "Timesteps (`timesteps`, the window length)", "data.timesteps", min_value=1,
              max_value=max_t)  # fmt: skip
        bound(st.slider, "Horizon (how many steps ahead; k for next k values)", "data.horizon", min_value=1,
              max_value=50, after=lambda old, new: state.refit_model(new))  # fmt: skip
        bound(st.slider, "Stride (rows between window starts)", "data.stride", min_value=1, max_value=50)
    elif dataset.lengths is not None:
        bound(st.radio, "Padding (where the zeros go)", "data.padding", options=["post", "pre"], horizontal=True)
        st.info(
            "These sequences have different lengths, so the shorter ones are padded with zeros up to "
            f"`timesteps` = {dataset.X.shape[1]}. Without a `Masking` layer the LSTM would read the padding "
            "as real zeros and its final state would depend on how much padding there is. `Masking(0.0)` "
            "makes the LSTM skip padded steps; the Model page turns it on for this data."
        )
    a, b = st.columns(2)
    with a:
        bound(st.slider, "Validation share", "data.val_fraction", min_value=0.0, max_value=0.4, step=0.05)
    with b:
        bound(st.slider, "Test share (the last samples)", "data.test_fraction", min_value=0.05, max_value=0.4,
              step=0.05)  # fmt: skip
    if d.task == "regression":
        bound(st.selectbox, "Scaling (fitted on the training split only, undone for predictions)", "data.scaling",
              options=["standard", "minmax", "none"])  # fmt: skip
    else:
        bound(st.selectbox, "Feature scaling (fitted on the training split only)", "data.scaling",
              options=["standard", "minmax", "none"])  # fmt: skip


def summary_section(dataset: Dataset, features: list[str], summary: dict) -> None:
    """The arrays' shapes, how the sample count follows from the window, and the split."""
    d = state.lab().data
    st.subheader("What the model sees")
    a, b = st.columns(2)
    if dataset.missing_feature_axis:
        st.warning("X is 2-D, (samples, timesteps): an LSTM also needs a features axis. The Model page shows "
                   "Keras's error and fixes it in one click.")  # fmt: skip
    a.metric("X: (samples, timesteps, features)", render.shape(summary["X"]))
    y_label = "y: " + ("(samples,) labels" if d.task != "regression" else "targets")
    if summary["y"] is None:
        b.metric(y_label, "none")
        st.warning(
            "These sequences came without targets (y): the Model page shows their shapes, but training needs "
            "targets. Upload an `.npz` holding `X` and `y`: `np.savez(path, X=X, y=y)`."
        )
    else:
        b.metric(y_label, render.shape(summary["y"]))
    if dataset.is_series:
        st.markdown(
            f"**samples** = ⌊(N − timesteps − horizon) / stride⌋ + 1 = "
            f"⌊({dataset.rows:,} − {d.timesteps} − {d.horizon}) / {d.stride}⌋ + 1 = **{summary['samples']:,}**"
        )
    else:
        st.markdown(f"**samples** = {summary['samples']:,} sequences, each already `(timesteps, features)`.")
    st.markdown(
        f"**features** = {len(features)} input column{'s' * (len(features) != 1)}; "
        f"**timesteps** = {summary['X'][1]} steps per sample."
    )
    st.markdown(
        f"Split in order: **{summary['train']:,}** training, **{summary['val']:,}** validation, "
        f"**{summary['test']:,}** test samples (the test samples are the last ones)."
    )


def sample_section(dataset: Dataset, features: list[str], targets: list[str], summary: dict) -> None:
    """One sample drawn on the data, and its X as a small table: how a window becomes a sample."""
    d = state.lab().data
    sample = st.slider("Show sample #", 0, summary["samples"] - 1, 0, key="show_sample")
    if dataset.is_series:
        start = sample * d.stride
        window = (start, start + d.timesteps - 1)
        target_rows = _target_rows(start, d)
        shown = features[:8] + [c for c in targets if c not in features[:8]]  # a legend of 128 names helps nobody
        fig = plots.series_figure(dataset.table, dataset.time, shown, window, target_rows, targets[0])
        st.plotly_chart(fig, width="stretch", key="series")
        st.caption(
            render.safe_markdown(
                (
                    "Zoomed around the window; double-click the chart for the whole series. "
                    if dataset.rows > 12 * d.timesteps
                    else ""
                )
                + f"Sample {sample}: rows {window[0]}–{window[1]} are its X (shaded); "
                f"row{'s' * (len(target_rows) > 1)} {_span(target_rows)} of `{targets[0]}` "
                f"{'are' if len(target_rows) > 1 else 'is'} its y (red)."
            )
        )
        x = dataset.table[features].iloc[window[0] : window[1] + 1]
    else:
        fig = plots.sequences_figure(dataset, sample)
        st.plotly_chart(fig, width="stretch", key="sequences")
        x = pd.DataFrame(dataset.X[sample], columns=dataset.columns)[features]
    with st.expander(f"Sample {sample} as numbers: X[{sample}] has shape {render.shape(x.shape)}"):
        st.dataframe(x, height=240, width="stretch")


def _target_rows(start: int, d) -> list[int]:
    if d.target_mode == "next":
        return [start + d.timesteps - 1 + d.horizon]
    if d.target_mode == "next_k":
        return list(range(start + d.timesteps, start + d.timesteps + d.horizon))
    return list(range(start + d.horizon, start + d.horizon + d.timesteps))


def _span(rows: list[int]) -> str:
    return str(rows[0]) if len(rows) == 1 else f"{rows[0]}–{rows[-1]}"


def labels_note(dataset: Dataset) -> None:
    if dataset.class_names and dataset.y is not None:
        counts = np.bincount(np.asarray(dataset.y).astype(int), minlength=len(dataset.class_names))
        parts = ", ".join(f"{n:,} {name}" for name, n in zip(dataset.class_names, counts, strict=True))
        st.caption(render.safe_markdown(f"Labels: {parts}."))


def show_error(e: LstmLabError, title: str) -> None:
    render.error(e, title)
    st.stop()
