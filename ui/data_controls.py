"""The Data page's sections: source, columns, window, and what the model will see."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lstm_lab import edits
from lstm_lab.charts import figures as plots
from lstm_lab.data.dataset import Dataset
from lstm_lab.data.sources import SOURCES
from lstm_lab.records import WindowSummary, format_shape
from ui import render, state
from ui.widgets import control, setting, typed_setting

TASKS = {
    "regression": "Regression (predict values)",
    "binary": "Binary classification",
    "multiclass": "Multi-class classification",
}
TARGET_MODES = {
    "next": "Next value (horizon steps ahead)",
    "next_k": "Next k values (k = horizon)",
    "seq2seq": "Sequence to sequence (the window shifted by horizon)",
}


def source_section() -> None:
    st.subheader("Source")
    setting(st.selectbox, "Dataset", "data.source", options=list(SOURCES), format_func=lambda s: SOURCES[s].label)
    source = SOURCES[state.lab().data.source]
    if source.generated:
        label = "Sequences (samples)" if source.sequences else "Rows (time steps in the series)"
        typed_setting(label, "data.rows", min_value=100, max_value=5000, step=50)
        setting(st.slider, "Channels (each one becomes a feature)", "data.channels", min_value=1, max_value=8)
        setting(st.slider, "Noise", "data.noise", min_value=0.0, max_value=1.0, step=0.05)
        if source.sequences:
            typed_setting("Timesteps (sequence length, `timesteps`)", "data.timesteps", min_value=2, max_value=200)


def task_section(dataset: Dataset) -> None:
    st.subheader("Task")
    fixed = not dataset.is_series and dataset.class_names is not None
    setting(
        st.selectbox,
        "Task",
        "data.task",
        options=list(TASKS),
        format_func=TASKS.get,
        disabled=fixed,
        help="Generated classification sets come with their labels.",
    )
    if dataset.is_series and state.lab().data.task == "regression":
        setting(
            st.selectbox,
            "Target (what one sample predicts)",
            "data.target_mode",
            options=list(TARGET_MODES),
            format_func=TARGET_MODES.get,
        )


def columns_section(dataset: Dataset, features: list[str], targets: list[str]) -> bool:
    """Feature and target columns. False while a choice is empty: the lab keeps its last columns, and the
    page stops with the warning shown here."""
    if state.hidden("columns"):
        return True
    st.subheader("Columns")

    def set_features(lab, chosen):
        return edits.set_columns(lab, chosen, targets, state.dataset_of) if chosen else None

    def set_targets(lab, picked):
        return edits.set_columns(lab, features, picked, state.dataset_of) if picked else None

    chosen = control(
        st.multiselect,
        "Feature columns (their count is `features`)",
        "data.features",
        features,
        set_features,
        options=dataset.columns,
    )
    if not chosen:
        st.warning("Choose at least one feature column: the LSTM needs `features` ≥ 1.")
        return False
    if dataset.is_series and state.lab().data.task == "regression":
        if not control(
            st.multiselect,
            "Target columns (what the model predicts)",
            "data.targets",
            targets,
            set_targets,
            options=dataset.columns,
        ):
            st.warning("Choose at least one target column.")
            return False
    elif dataset.is_series:
        control(
            st.selectbox,
            "Label column (the class of each window)",
            "data.label",
            targets[0],
            lambda lab, label: set_targets(lab, [label]),
            options=dataset.columns,
        )
    if dataset.notes:
        st.caption(render.safe_markdown(" ".join(dataset.notes)))
    return True


def window_section(dataset: Dataset) -> None:
    d = state.lab().data
    st.subheader("Window" if dataset.is_series else "Sequences")
    if dataset.is_series:
        max_t = max(2, min(500, dataset.rows - 2))
        typed_setting("Timesteps (`timesteps`, the window length)", "data.timesteps", min_value=1, max_value=max_t)
        typed_setting("Horizon (how many steps ahead; k for next k values)", "data.horizon", min_value=1, max_value=50)
        typed_setting("Stride (rows between window starts)", "data.stride", min_value=1, max_value=50)
    elif dataset.lengths is not None:
        setting(st.radio, "Padding (where the zeros go)", "data.padding", options=["post", "pre"], horizontal=True)
        st.info(
            "These sequences have different lengths, so the shorter ones are padded with zeros up to "
            f"`timesteps` = {dataset.X.shape[1]}. Without a `Masking` layer the LSTM would read the padding "
            "as real zeros and its final state would depend on how much padding there is. `Masking(0.0)` "
            "makes the LSTM skip padded steps; the Model page turns it on for this data."
        )
    a, b = st.columns(2)
    with a:
        setting(st.slider, "Validation share", "data.val_fraction", min_value=0.0, max_value=0.4, step=0.05)
    with b:
        setting(
            st.slider, "Test share (the last samples)", "data.test_fraction", min_value=0.05, max_value=0.4, step=0.05
        )
    if d.task == "regression":
        setting(
            st.selectbox,
            "Scaling (fitted on the training split only, undone for predictions)",
            "data.scaling",
            options=["standard", "minmax", "none"],
        )
    else:
        setting(
            st.selectbox,
            "Feature scaling (fitted on the training split only)",
            "data.scaling",
            options=["standard", "minmax", "none"],
        )


def summary_section(dataset: Dataset, features: list[str], summary: WindowSummary) -> None:
    """The arrays' shapes, how the sample count follows from the window, and the split."""
    d = state.lab().data
    st.subheader("What the model sees")
    a, b = st.columns(2)
    if dataset.missing_feature_axis:
        st.warning(
            "X is 2-D, (samples, timesteps): an LSTM also needs a features axis. The Model page shows "
            "Keras's error and fixes it in one click."
        )
    a.metric("X: (samples, timesteps, features)", format_shape(summary.X))
    y_label = "y: " + ("(samples,) labels" if d.task != "regression" else "targets")
    if summary.y is None:
        b.metric(y_label, "none")
        st.warning(
            "These sequences came without targets (y): the Model page shows their shapes, but training needs "
            "targets. Upload an `.npz` holding `X` and `y`: `np.savez(path, X=X, y=y)`."
        )
    else:
        b.metric(y_label, format_shape(summary.y))
    if dataset.is_series:
        st.markdown(
            f"**samples** = ⌊(N − timesteps − horizon) / stride⌋ + 1 = "
            f"⌊({dataset.rows:,} − {d.timesteps} − {d.horizon}) / {d.stride}⌋ + 1 = **{summary.samples:,}**"
        )
    else:
        st.markdown(f"**samples** = {summary.samples:,} sequences, each already `(timesteps, features)`.")
    st.markdown(
        f"**features** = {len(features)} input column{'s' * (len(features) != 1)}; "
        f"**timesteps** = {summary.X[1]} steps per sample."
    )
    st.markdown(
        f"Split in order: **{summary.train:,}** training, **{summary.val:,}** validation, "
        f"**{summary.test:,}** test samples (the test samples are the last ones)."
    )


def sample_section(dataset: Dataset, features: list[str], targets: list[str], summary: WindowSummary) -> None:
    """One sample drawn on the data, and its X as a small table: how a window becomes a sample."""
    d = state.lab().data
    sample = st.slider("Show sample #", 0, summary.samples - 1, 0, key="show_sample")
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
    with st.expander(f"Sample {sample} as numbers: X[{sample}] has shape {format_shape(x.shape)}"):
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
