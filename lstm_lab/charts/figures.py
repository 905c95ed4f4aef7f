"""Plotly figures: the series with one window, training curves, predictions against actual values.

Figures are built from plain data; nothing here imports Keras or Streamlit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lstm_lab.records import Predictions

WINDOW_COLOUR = "rgba(59, 111, 212, 0.15)"
TARGET_COLOUR = "#d62728"


def _safe(text) -> str:
    """User text (column or class names) for plotly, which reads some HTML tags: shown literally."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


PALETTE = ["#3b6fd4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]


def _layout(fig: go.Figure, title: str, x: str, y: str, height: int = 340) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left"),
        xaxis_title=x,
        yaxis_title=y,
        height=height,
        margin=dict(l=60, r=20, t=50, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        template="plotly_white",
    )
    return fig


def series_figure(
    table,
    time,
    columns: list[str],
    window: tuple[int, int] | None = None,
    target_rows: list[int] | None = None,
    target_column: str | None = None,
    max_points: int = 5000,
) -> go.Figure:
    """The table's columns over time, one window shaded and its target rows marked.

    Args:
        table: A pandas DataFrame of numeric columns.
        time: x values (dates) or None for row numbers.
        window: First and last row (inclusive) of the highlighted window.
        target_rows: Rows the highlighted sample predicts.
        max_points: Long tables are thinned to this many points for drawing.
    """
    n = len(table)
    # A pandas index, so a date is a Timestamp that plotly draws as a date (a bare datetime64 would be
    # sent as nanoseconds, and the window's shading landed far off the chart).
    x = pd.RangeIndex(n) if time is None else pd.Index(time)
    step = max(1, n // max_points)
    fig = go.Figure()
    for i, col in enumerate(columns):
        fig.add_trace(
            go.Scatter(
                x=x[::step],
                y=table[col].to_numpy()[::step],
                mode="lines",
                name=_safe(col),
                line=dict(width=1.2, color=PALETTE[i % len(PALETTE)]),
            )
        )
    if window is not None:
        a, b = window
        fig.add_vrect(
            x0=x[a],
            x1=x[b],
            fillcolor=WINDOW_COLOUR,
            line_width=0,
            annotation_text="one window = one sample",
            annotation_position="top left",
        )
    if target_rows and target_column is not None:
        rows = [r for r in target_rows if 0 <= r < n]
        fig.add_trace(
            go.Scatter(
                x=x[rows],
                y=table[target_column].to_numpy()[rows],
                mode="markers",
                name=f"target ({_safe(target_column)})",
                marker=dict(color=TARGET_COLOUR, size=8),
            )
        )
    x_title = "time" if time is not None else "row (time step)"
    fig = _layout(fig, "Series, with one window highlighted", x_title, "value")
    if window is not None and n > 12 * (window[1] - window[0] + 1):
        span = window[1] - window[0] + 1
        lo, hi = max(0, window[0] - 2 * span), min(n - 1, window[1] + 4 * span)
        fig.update_xaxes(range=[x[lo], x[hi]])
    return fig


def loss_figure(history: list[dict], epochs: int | None = None) -> go.Figure:
    """Training and validation loss per epoch."""
    fig = go.Figure()
    epochs_done = [h["epoch"] for h in history]
    for key, name, dash in [("loss", "training loss", None), ("val_loss", "validation loss", "dash")]:
        values = [h.get(key) for h in history]
        if any(v is not None for v in values):
            fig.add_trace(go.Scatter(x=epochs_done, y=values, mode="lines+markers", name=name, line=dict(dash=dash)))
    fig = _layout(fig, "Loss per epoch", "epoch", "loss")
    if epochs:
        fig.update_xaxes(range=[0.5, max(epochs, 1) + 0.5], dtick=max(1, epochs // 10))
    return fig


def runs_loss_figure(curves: list[tuple[str, list[dict]]]) -> go.Figure:
    """The loss curves of several runs on one chart: each run one colour, validation loss dashed.

    >>> len(runs_loss_figure([("#1", [{"epoch": 1, "loss": 1.0, "val_loss": 1.2}]), ("#2", [])]).data)
    2
    """
    fig = go.Figure()
    for i, (label, history) in enumerate(curves):
        colour = PALETTE[i % len(PALETTE)]
        epochs = [h["epoch"] for h in history]
        for key, what, dash in (("loss", "training", None), ("val_loss", "validation", "dash")):
            values = [h.get(key) for h in history]
            if any(v is not None for v in values):
                fig.add_trace(go.Scatter(x=epochs, y=values, mode="lines+markers", name=f"run {label}: {what} loss",
                                         line=dict(color=colour, dash=dash), marker=dict(size=4)))  # fmt: skip
    return _layout(fig, "Loss per epoch, run by run", "epoch", "loss", height=380)


BASELINE_COLOUR = "#7f7f7f"
BAND_COLOUR = "rgba(214, 39, 40, 0.15)"


def predictions_figure(pred: Predictions, time=None, target: int = 0, baseline: bool = True) -> go.Figure:
    """Actual, predicted and the naive baseline on the test period, in the data's units, with the
    prediction band when there is one.

    Args:
        pred: The predictions (:func:`lstm_lab.model.predict.predictions_view`).
        time: x values of the whole table (dates) or None for row numbers.
        target: Which target column to draw.
        baseline: Draw the naive baseline too.
    """
    x, x_title = _test_axis(pred, time)
    name = _safe(pred.target_names[target])
    actual = np.asarray(pred.actual)[:, target]
    predicted = np.asarray(pred.predicted)[:, target]
    fig = go.Figure()
    if pred.interval is not None:
        half = pred.interval["half_width"][target]
        band = f"{pred.interval['level']:.0%} prediction band"
        fig.add_trace(go.Scatter(x=x, y=predicted + half, mode="lines", line=dict(width=0), showlegend=False,
                                 hoverinfo="skip", legendgroup="band"))  # fmt: skip
        fig.add_trace(go.Scatter(x=x, y=predicted - half, mode="lines", line=dict(width=0), fill="tonexty",
                                 fillcolor=BAND_COLOUR, name=band, legendgroup="band"))  # fmt: skip
    fig.add_trace(go.Scatter(x=x, y=actual, mode="lines", name=f"actual {name}", line=dict(color="#444", width=1.5)))
    if baseline and pred.baseline:
        how = "last value seen" if pred.x_is_time else "training mean"
        fig.add_trace(go.Scatter(x=x, y=np.asarray(pred.baseline)[:, target], mode="lines",
                                 name=f"naive baseline ({how})",
                                 line=dict(color=BASELINE_COLOUR, width=1.2, dash="dot")))  # fmt: skip
    fig.add_trace(
        go.Scatter(x=x, y=predicted, mode="lines", name=f"predicted {name}", line=dict(color=TARGET_COLOUR, width=1.5))
    )
    return _layout(fig, f"Test samples: predicted vs actual {name}", x_title, name)


def residuals_figure(pred: Predictions, time=None, target: int = 0) -> go.Figure:
    """Where the model errs: predicted − actual over the test period, with the band's half-width."""
    x, x_title = _test_axis(pred, time)
    name = _safe(pred.target_names[target])
    error = np.asarray(pred.predicted)[:, target] - np.asarray(pred.actual)[:, target]
    fig = go.Figure(go.Bar(x=x, y=error, name="predicted − actual", marker_color=TARGET_COLOUR))
    if pred.interval is not None:
        half = pred.interval["half_width"][target]
        for y in (half, -half):
            fig.add_hline(y=y, line=dict(color="#444", width=1, dash="dash"))
        fig.add_annotation(x=1, xref="paper", y=half, text=f"±{half:.3g}: the band", showarrow=False,
                           xanchor="right", yanchor="bottom")  # fmt: skip
    return _layout(fig, f"Residuals: predicted − actual {name}", x_title, f"error ({name})", height=260)


def _test_axis(pred: Predictions, time) -> tuple[np.ndarray, str]:
    rows = np.asarray(pred.rows)
    x = rows if time is None else np.asarray(time)[rows]
    return x, "time" if time is not None else ("row (time step)" if pred.x_is_time else "test sample")


def sequences_figure(dataset, sample: int) -> go.Figure:
    """One sequence of a sequence dataset, each feature a line; padding shaded when lengths vary."""
    X = dataset.X[sample]
    if X.ndim == 1:  # saved as (samples, timesteps): one value per step, no features axis yet
        X = X[:, None]
    steps = np.arange(X.shape[0])
    fig = go.Figure()
    for i, col in enumerate(dataset.columns):
        fig.add_trace(go.Scatter(x=steps, y=X[:, i], mode="lines+markers", name=_safe(col), marker=dict(size=4),
                                 line=dict(width=1.2, color=PALETTE[i % len(PALETTE)])))  # fmt: skip
    if dataset.lengths is not None and dataset.lengths[sample] < X.shape[0]:
        fig.add_vrect(x0=dataset.lengths[sample] - 0.5, x1=X.shape[0] - 0.5, fillcolor="rgba(120,120,120,0.15)",
                      line_width=0, annotation_text="padding (zeros)", annotation_position="top left")  # fmt: skip
    label = ""
    if dataset.y is not None:
        y = np.asarray(dataset.y)[sample]
        label = f": label {_safe(dataset.class_names[int(y)])}" if dataset.class_names else f": y = {np.round(y, 3)}"
    return _layout(fig, f"Sample {sample}{label}", "timestep", "value")


def confusion_figure(pred: Predictions) -> go.Figure:
    """Counts of actual (rows) against predicted (columns) classes on the test samples."""
    names = [_safe(n) for n in pred.class_names]
    z = np.asarray(pred.confusion)
    heatmap = go.Heatmap(z=z, x=names, y=names, colorscale="Blues", showscale=False, text=z, texttemplate="%{text}",
                         hovertemplate="actual %{y}, predicted %{x}: %{z}<extra></extra>")  # fmt: skip
    fig = go.Figure(heatmap)
    fig = _layout(fig, "Confusion matrix (test samples)", "predicted class", "actual class", height=360)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="bottom")
    return fig


def probabilities_figure(pred: Predictions) -> go.Figure:
    """For each actual class, the probability the model gave that class: high and tight is good."""
    names = [_safe(n) for n in pred.class_names]
    probs = np.asarray(pred.probabilities)
    actual = np.asarray(pred.actual, dtype=int)
    fig = go.Figure()
    for c, name in enumerate(names):
        mine = probs[actual == c, c]
        fig.add_trace(go.Box(y=mine, name=name, boxpoints="all", jitter=0.4, pointpos=0, marker=dict(size=4),
                             line=dict(color=PALETTE[c % len(PALETTE)]), showlegend=False))  # fmt: skip
    fig.add_hline(y=1 / max(len(names), 2), line_dash="dot", line_color="#888",
                  annotation_text="chance", annotation_position="bottom right")  # fmt: skip
    fig = _layout(fig, "Probability given to the right class, per actual class", "actual class",
                  "P(actual class)", height=360)  # fmt: skip
    fig.update_yaxes(range=[-0.05, 1.05])
    return fig
