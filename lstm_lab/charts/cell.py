"""Plotly figures of one LSTM layer's trace: the input on top, a heatmap per gate and state, unit lines.

All figures share fixed left and right margins, so stacked in one column their time axes line up.
Long traces are thinned for drawing only (:func:`shown`); every drawn cell is a real value at the
timestep and unit its axis labels say.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lstm_lab.charts.figures import PALETTE, _safe
from lstm_lab.records import CellTrace
from lstm_lab.teach.gates import GATE_NAMES

MAX_STEPS = 250  # heatmap columns drawn
MAX_UNITS = 64  # heatmap rows drawn
MAX_INPUT_LINES = 8
MARGIN = dict(l=70, r=120, t=36, b=44)
PICK = "#d62728"
MASKED = "rgba(120, 120, 120, 0.25)"
BOUNDED = {"i": (0, 1), "f": (0, 1), "o": (0, 1)}


def shown(n: int, most: int, keep: int | None = None) -> np.ndarray:
    """Indices of ``n`` rows to draw: all of them, or ``most`` evenly spread (always including ``keep``).

    >>> shown(5, 10).tolist(), shown(500, 5, keep=3).tolist()
    ([0, 1, 2, 3, 4], [0, 3, 125, 250, 374, 499])
    """
    if n <= most:
        return np.arange(n)
    picks = np.unique(np.linspace(0, n - 1, most).round().astype(int))
    return picks if keep is None else np.union1d(picks, [keep])


def input_figure(x: np.ndarray, names: list[str], t: int, mask: np.ndarray) -> go.Figure:
    """The sample the model receives, ``(timesteps, features)``, on the heatmaps' time axis; step ``t`` marked.

    Up to 8 features are drawn as lines, more as a heatmap of features × timesteps.
    """
    steps = np.arange(len(x))
    fig = go.Figure()
    if x.shape[1] <= MAX_INPUT_LINES:
        for j in range(x.shape[1]):
            fig.add_scatter(x=steps, y=x[:, j], name=_safe(names[j]), mode="lines",
                            line=dict(color=PALETTE[j % len(PALETTE)]))  # fmt: skip
        y_title = "value (scaled)"
    else:
        rows = shown(x.shape[1], MAX_UNITS)
        fig.add_heatmap(z=x[:, rows].T, x=steps, y=rows, colorscale="RdBu_r", zmid=0, colorbar=_colorbar("x"),
                        hovertemplate="t=%{x}, feature %{y}: %{z:.4g}<extra></extra>")  # fmt: skip
        y_title = "features"
    _marks(fig, t, mask, len(x))
    return _layout(fig, "Input x: the sample, as the model receives it (scaled)", y_title, 190)


def gate_heatmap(trace: CellTrace, key: str, t: int, unit: int, activation: str = "tanh") -> go.Figure:
    """Heatmap of ``trace.values[key]`` over timesteps × units, step ``t`` and cell ``(t, unit)`` outlined."""
    values = trace.values[key]
    steps, units = shown(trace.timesteps, MAX_STEPS, t), shown(trace.units, MAX_UNITS, unit)
    z = values[np.ix_(steps, units)].T
    zmin, zmax = _range(key, values, activation)
    diverging = zmin < 0
    fig = go.Figure(go.Heatmap(
        z=z, x=steps, y=units, zmin=zmin, zmax=zmax, zmid=0 if diverging else None,
        colorscale="RdBu_r" if diverging else "Viridis", colorbar=_colorbar(key),
        hovertemplate=f"{key}[t=%{{x}}, unit %{{y}}] = %{{z:.4f}}<extra></extra>",
    ))  # fmt: skip
    _marks(fig, t, trace.mask, trace.timesteps)
    fig.add_shape(type="rect", x0=t - 0.5, x1=t + 0.5, y0=unit - 0.5, y1=unit + 0.5, line=dict(color=PICK, width=3))
    thinned = len(steps) < trace.timesteps or len(units) < trace.units
    note = f" (showing {len(steps)} of {trace.timesteps} timesteps, {len(units)} of {trace.units} units)" * thinned
    return _layout(fig, f"{key}: {GATE_NAMES[key]}{note}", "units", 230, reversed_y=True)


def unit_lines_figure(trace: CellTrace, units: list[int], t: int) -> go.Figure:
    """``c`` (solid) and ``h`` (dotted) of the chosen units over time, step ``t`` marked."""
    steps = np.arange(trace.timesteps)
    fig = go.Figure()
    for n, u in enumerate(units):
        colour = PALETTE[n % len(PALETTE)]
        fig.add_scatter(x=steps, y=trace.values["c"][:, u], name=f"c, unit {u}", mode="lines",
                        line=dict(color=colour))  # fmt: skip
        fig.add_scatter(x=steps, y=trace.values["h"][:, u], name=f"h, unit {u}", mode="lines",
                        line=dict(color=colour, dash="dot"))  # fmt: skip
    _marks(fig, t, trace.mask, trace.timesteps)
    fig = _layout(fig, "c (solid) and h (dotted) of the chosen units", "value", 330)
    return fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.25, xanchor="left", x=0),
                             margin=dict(MARGIN, b=90))  # fmt: skip


def _range(key: str, values: np.ndarray, activation: str) -> tuple[float, float]:
    if key in BOUNDED:
        return BOUNDED[key]
    if key in ("g", "h") and activation == "tanh":
        return -1.0, 1.0
    top = float(np.abs(values).max()) or 1.0
    return (-top, top) if values.min() < 0 or key == "c" else (0.0, top)


def _colorbar(key: str) -> dict:
    return dict(title=dict(text=key, side="right"), thickness=12, len=1.0, x=1.01, xpad=4)


def _marks(fig: go.Figure, t: int, mask, timesteps: int) -> None:
    """Masked steps shaded grey; step ``t`` as a red outlined column."""
    if mask is not None and not np.all(mask):
        for start, stop in _runs(~np.asarray(mask, bool)):
            fig.add_vrect(x0=start - 0.5, x1=stop - 0.5, fillcolor=MASKED, line_width=0, layer="above")
    fig.add_vrect(x0=t - 0.5, x1=t + 0.5, line=dict(color=PICK, width=1.5), fillcolor="rgba(0,0,0,0)",
                  layer="above")  # fmt: skip
    fig.update_xaxes(range=[-0.5, timesteps - 0.5])


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` of each run of True.

    >>> _runs(np.array([True, True, False, True]))
    [(0, 2), (3, 4)]
    """
    edges = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def _layout(fig: go.Figure, title: str, y_title: str, height: int, reversed_y: bool = False) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=14)),
        height=height,
        margin=MARGIN,
        template="plotly_white",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
    )
    fig.update_xaxes(title_text="timesteps (t)", title_standoff=4)
    fig.update_yaxes(title_text=y_title, autorange="reversed" if reversed_y else True)
    return fig
