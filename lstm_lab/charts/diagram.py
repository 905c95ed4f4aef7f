"""A teaching diagram of the model: the input block, then each LSTM layer unrolled over its timesteps.

Drawn from a :class:`~lstm_lab.spec.ModelSpec` and the rows of :func:`lstm_lab.model.shapes.shape_table` as
shapes and annotations in plotly's schema, shown as one SVG image (:mod:`lstm_lab.charts.svg`). Data flows
upward, from the input at the bottom to the head at the top; the state (h, c) flows from step to step along
each row. Long sequences and many features
are drawn capped, with an ellipsis, and labelled with their real sizes.

Every shape and annotation carries a ``name`` ``"<role>:<layer>[:forward|:backward]"`` so the figure can be
inspected; each arrow is one annotation (``showarrow``), each box one shape. Roles: ``output`` (arrows
leaving a layer: per timestep or from the last step), ``recurrent``, ``initial-state``, ``state-h``,
``state-c``, ``to-merge`` (a direction's output into a Bidirectional merge), ``input`` (the layer's input
forked to a backward row), ``cell``, ``merge``, ``band`` (Masking), ``label``, ``ellipsis``. Names come from
Keras layer names and are escaped wherever they are shown.

The drawing is ``WIDTH`` pixels wide and reads well down to about 800 pixels.

Nothing here imports Keras, plotly or Streamlit.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

from lstm_lab.charts import svg
from lstm_lab.records import ShapeRow, format_shape
from lstm_lab.spec import HeadSpec, LayerSpec, ModelSpec

WIDTH = 1100
STEP_CAP = 12
FEATURE_CAP = 6

# Okabe–Ito colours, distinguishable with colour-blindness; each with a light fill.
FORWARD = ("#0072B2", "#d4e6f3")
BACKWARD = ("#E69F00", "#fbecc9")
INPUT = ("#56B4E9", "#e3f2fb")
DENSE = ("#009E73", "#cdeee4")
MERGE = ("#CC79A7", "#f5e1ec")
STATE = "#D55E00"
ARROW = "#444444"
TEXT = "#222222"

# Fixed pixel margins: the layer descriptions and the state labels at the left, state labels at the right.
# Between them the timestep columns use x units that are pixels at ``WIDTH`` and stretch with the figure;
# everything beside the columns is placed in pixels, so a narrower figure (from about 800 px) stays legible.
_MARGIN = (370, 120)
_PLOT_W = WIDTH - sum(_MARGIN)
_PAD = 24  # inside the plot area, around the columns: shapes beyond the plot area are clipped
_LABEL_X = 10  # left edge of the layer descriptions, in pixels from the figure's edge
_SLOT_MAX = 90  # widest timestep column
_CELL_H = 30
_GAP = 40  # vertical room for the arrows between two bands
_LINE = 16  # height of one description line
_ROW_GAP = 26  # between the forward and backward rows of a Bidirectional layer
_MERGE_R = 13
_MERGE_SYMBOL = {"concat": "cat", "sum": "+", "mul": "×", "ave": "avg"}


def drawn(n: int, cap: int, tail: int) -> list[int | None]:
    """Indices drawn for ``n`` items: all when ``n <= cap``, else the first and last ones around ``None`` (…).

    >>> drawn(3, 12, 2)
    [0, 1, 2]
    >>> drawn(200, 12, 2)[8:]
    [8, 9, None, 198, 199]
    """
    if n <= cap:
        return list(range(n))
    return [*range(cap - tail), None, *range(n - tail, n)]


@dataclass(frozen=True)
class Diagram:
    """The drawing: its title and size, and its shapes and annotations (plotly's schema, pixels, y upward)."""

    title: str
    width: int
    height: int
    shapes: list[dict]
    annotations: list[dict]

    def svg(self) -> str:
        """The drawing as an SVG document."""
        frame = svg.Frame(self.width, self.height, _MARGIN[0], self.title)
        return svg.render(frame, self.shapes, self.annotations)


def model_diagram(spec: ModelSpec, rows: list[ShapeRow]) -> Diagram:
    """The model as an unrolled-RNN teaching diagram.

    Args:
        spec: The model settings (as Keras sees them, e.g. from ``LabSpec.model_spec``).
        rows: ``shape_table(spec)`` for the same spec (the model must be valid).

    Returns:
        A drawing ``WIDTH`` pixels wide; it reads well down to about 800 pixels.
    """
    canvas = _Canvas()
    cols = _Columns(spec.timesteps)
    by_kind = {r.kind: r for r in rows}
    lstm_rows = [r for r in rows if "LSTM" in r.kind]
    canvas.legend()
    y = cols.timestep_labels(canvas, 34)
    sources, y = _input_band(canvas, cols, spec, rows[0], y + 6)
    if "Masking" in by_kind:
        y = _masking_band(canvas, by_kind["Masking"], y + _GAP / 2)
    for ls, row in zip(spec.layers, lstm_rows, strict=True):
        sources, y = _lstm_band(canvas, cols, ls, row, spec.stateful, sources, y + _GAP)
    if "Dense" in by_kind:
        sources, y = _head_band(canvas, cols, spec.head, by_kind["Dense"], sources, y + _GAP)
    top = y + _GAP
    for src in sources:
        canvas.arrow([*src.points, (src.points[-1][0], top - 4)], src.name, src.colour)
    title = f"The model unrolled over {_plural(spec.timesteps, 'timestep')}: {_plural(len(spec.layers), 'LSTM layer')}"
    title += " and a Dense head" if "Dense" in by_kind else ""
    return Diagram(title, WIDTH, round(top) + 50, canvas.shapes, canvas.annotations)


# ---------------------------------------------------------------- drawing helpers


class _Out(NamedTuple):
    """An arrow leaving a band, finished by the band above: its column, its points so far, name and colour."""

    col: int
    points: list[tuple[float, float]]
    name: str
    colour: str = ARROW


@dataclass(frozen=True)
class _Row:
    """One direction of an LSTM layer: a row of cells ``shift`` off their columns, state flowing along it."""

    tag: str  # "lstm_1", or "bidirectional_1:forward"
    y: float  # bottom of the cells
    shift: float
    w: float
    colours: tuple[str, str]
    backward: bool = False


class _Canvas:
    """Collects plotly shapes and annotations; coordinates are pixels, y upward."""

    def __init__(self) -> None:
        self.shapes: list[dict] = []
        self.annotations: list[dict] = []

    def box(self, x: float, y0: float, w: float, h: float, name: str, colours: tuple[str, str]) -> None:
        """A rectangle centred on ``x``, from ``y0`` up."""
        line, fill = colours
        self.shapes.append(
            dict(type="rect", x0=x - w / 2, x1=x + w / 2, y0=y0, y1=y0 + h, name=name, fillcolor=fill,
                 line=dict(color=line, width=1.5))
        )  # fmt: skip

    def circle(self, x: float, y: float, r: float, name: str, colours: tuple[str, str]) -> None:
        """A circle of radius ``r`` pixels (round at any figure width)."""
        line, fill = colours
        self.shapes.append(
            dict(type="circle", xsizemode="pixel", xanchor=x, x0=-r, x1=r, y0=y - r, y1=y + r, name=name,
                 fillcolor=fill, line=dict(color=line, width=1.5))
        )  # fmt: skip

    def arrow(self, points: list[tuple[float, float]], name: str, colour: str = ARROW, standoff: float = 0) -> None:
        """A line through ``points`` with an arrowhead at the last one, ``standoff`` pixels short of it.

        Each arrow is one annotation; the bends before its last segment are a path shape.
        """
        if len(points) > 2:
            path = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points[:-1])
            self.shapes.append(dict(type="path", path=path, name=name, line=dict(color=colour, width=1.5)))
        (ax, ay), (x, y) = points[-2:]
        self.annotations.append(
            dict(x=x, y=y, ax=ax, ay=ay, xref="x", yref="y", axref="x", ayref="y", text="", showarrow=True,
                 arrowhead=2, arrowsize=1, arrowwidth=1.5, arrowcolor=colour, standoff=standoff, name=name)
        )  # fmt: skip

    def line(self, a: tuple[float, float], b: tuple[float, float], name: str, colour: str) -> None:
        self.shapes.append(
            dict(type="line", x0=a[0], y0=a[1], x1=b[0], y1=b[1], name=name, line=dict(color=colour, width=1.5))
        )

    def stub(self, x: float, y: float, dx: float, name: str, colour: str, out: bool = False, dy: float = 0) -> None:
        """A short arrow between ``(x, y)`` and the point ``dx`` pixels right and ``dy`` up from it.

        It points at ``(x, y)``, or away from it when ``out``; its length stays the same at any figure width.
        """
        head = dict(xshift=dx, yshift=dy, ax=-dx, ay=dy) if out else dict(ax=dx, ay=-dy)
        self.annotations.append(
            dict(x=x, y=y, xref="x", yref="y", text="", showarrow=True, arrowhead=2, arrowsize=1, arrowwidth=1.5,
                 arrowcolor=colour, standoff=0, name=name, **head)
        )  # fmt: skip

    def text(
        self,
        x: float,
        y: float,
        text: str,
        name: str,
        anchor: str = "center",
        colour: str = TEXT,
        size: int = 11,
        shift: float = 0,
    ) -> None:
        """Text at ``(x, y)`` moved ``shift`` pixels right, vertically centred; ``anchor``: horizontal anchor."""
        self.annotations.append(
            dict(x=x, y=y, xref="x", yref="y", xshift=shift, text=text, showarrow=False, xanchor=anchor,
                 yanchor="middle", align=anchor, font=dict(size=size, color=colour), name=name)
        )  # fmt: skip

    def margin_text(self, y: float, text: str, name: str, colour: str = TEXT, size: int = 11) -> None:
        """Left-aligned text in the left margin, ``_LABEL_X`` pixels from the figure's edge."""
        self.annotations.append(
            dict(x=0, y=y, xref="paper", yref="y", xshift=_LABEL_X - _MARGIN[0], text=text, showarrow=False,
                 xanchor="left", yanchor="middle", align="left", font=dict(size=size, color=colour), name=name)
        )  # fmt: skip

    def band(self, y0: float, graphic_h: float, lines: list[str], name: str) -> tuple[float, float]:
        """Place a band's description at the left; returns where its graphic starts and the band's top.

        The band is as tall as its graphic or its description, whichever is taller; both are centred in it.
        """
        h = max(graphic_h, len(lines) * _LINE)
        self.margin_text(y0 + h / 2, "<br>".join(lines), f"label:{name}", size=12)
        return y0 + (h - graphic_h) / 2, y0 + h

    def legend(self) -> None:
        self.margin_text(
            12, "↑ data passed up    → state h, c carried to the next timestep    "
            "each row of boxes is one layer's cell, the same weights applied at every timestep",
            "legend", colour="#555555",
        )  # fmt: skip


class _Columns:
    """x positions of the drawn timesteps (``None`` marks the ellipsis column), centred in the drawing region."""

    def __init__(self, timesteps: int) -> None:
        self.steps = drawn(timesteps, STEP_CAP, 2)
        n = len(self.steps)
        self.slot = min(_SLOT_MAX, (_PLOT_W - 2 * _PAD) / n)
        left = (_PLOT_W - self.slot * n) / 2
        self.x = [left + self.slot * (i + 0.5) for i in range(n)]
        self.cell_w = min(34.0, 0.7 * self.slot)

    def cells(self) -> list[tuple[int, float]]:
        """(column index, x) of every drawn timestep."""
        return [(i, x) for i, (s, x) in enumerate(zip(self.steps, self.x, strict=True)) if s is not None]

    def ellipses(self) -> list[float]:
        return [x for s, x in zip(self.steps, self.x, strict=True) if s is None]

    def timestep_labels(self, canvas: _Canvas, y: float) -> float:
        """Timestep numbers (1-based) under the columns; returns the top of the row."""
        for s, x in zip(self.steps, self.x, strict=True):
            canvas.text(x, y, "…" if s is None else str(s + 1), "timestep")
        canvas.text(self.x[0] - self.slot / 2, y, "timestep", "timestep", anchor="right", shift=-6)
        return y + 8

    def chain(self, canvas: _Canvas, row: _Row) -> None:
        """Recurrent arrows between neighbouring cells of a row; around the ellipsis, ``→ … →``."""
        colour, name, y = row.colours[0], f"recurrent:{row.tag}", row.y + _CELL_H / 2
        pts = [(s, x + row.shift) for s, x in zip(self.steps, self.x, strict=True)]
        for (s0, x0), (s1, x1) in pairwise(pts):
            a = x0 + (row.w / 2 if s0 is not None else 9)
            b = x1 - (row.w / 2 if s1 is not None else 9)
            start, end = ((b, y), (a, y)) if row.backward else ((a, y), (b, y))
            if (s0 if row.backward else s1) is None:  # into the ellipsis: no arrowhead
                canvas.line(start, end, name, colour)
            else:
                canvas.arrow([start, end], name, colour)
            if s0 is None:
                canvas.text(x0, y, "…", f"ellipsis:{row.tag}", size=14)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _short(output_name: str) -> str:
    """``"h (last hidden state)"`` → ``"h"``: the table has the long names."""
    return output_name.split(" (")[0]


# ---------------------------------------------------------------- bands, bottom to top


def _input_band(canvas: _Canvas, cols: _Columns, spec: ModelSpec, row: ShapeRow, y0: float) -> tuple[list[_Out], float]:
    """The input window as a grid: one column per timestep, one cell per feature (feature 1 on top)."""
    features = drawn(spec.features, FEATURE_CAP, 1)
    pitch = 14
    batch = "batch fixed (stateful)" if spec.stateful else "None = any batch size"
    lines = [
        f"<b>input</b> ({_plural(spec.timesteps, 'timestep')} × {_plural(spec.features, 'feature')})",
        f"shape {format_shape(row.output_shapes[0])}",
        batch,
    ]
    gy, top = canvas.band(y0, pitch * len(features), lines, "input")
    w = min(36.0, cols.slot - 3)
    for r, f in enumerate(features):
        yc = gy + pitch * (len(features) - r - 0.5)
        label = "⋮" if f is None else f"f{f + 1}"
        canvas.text(cols.x[0] - w / 2, yc, label, "feature", anchor="right", shift=-5)
        if f is not None:
            for _, x in cols.cells():
                canvas.box(x, yc - 6, w, 12, "cell:input", INPUT)
    for x in cols.ellipses():
        canvas.text(x, gy + pitch * len(features) / 2, "…", "ellipsis:input", size=14)
    gtop = gy + pitch * len(features)
    return [_Out(i, [(x, gtop)], "output:input") for i, x in cols.cells()], top


def _masking_band(canvas: _Canvas, row: ShapeRow, y0: float) -> float:
    """A thin band across the columns; the input arrows pass through it. Returns the band's top."""
    name = html.escape(row.layer)
    lines = ["<b>Masking</b>: padded steps skipped", f"{name}: all-zero timesteps are ignored"]
    gy, top = canvas.band(y0, 20, lines, name)
    canvas.shapes.append(
        dict(type="rect", x0=0, x1=_PLOT_W, y0=gy, y1=gy + 20, name=f"band:{name}",
             fillcolor="#eeeeee", line=dict(color="#999999", width=1, dash="dot"), layer="below")
    )  # fmt: skip
    return top


def _lstm_lines(ls: LayerSpec, row: ShapeRow, stateful: bool) -> list[str]:
    name = html.escape(row.layer)
    if ls.bidirectional:
        merge = "two outputs" if ls.merge_mode is None else ls.merge_mode
        lines = [
            f"<b>{name}</b>: Bidirectional(LSTM)",
            f"{_plural(ls.units, 'unit')} per direction; merge: {merge}",
            "forward → below, ← backward above",
        ]
    else:
        lines = [f"<b>{name}</b>: LSTM, {_plural(ls.units, 'unit')}"]
    lines.append(f"return_sequences={ls.return_sequences} → {'every step' if ls.return_sequences else 'last step'}")
    lines += [f"{_short(n)} {format_shape(s)}" for n, s in zip(row.output_names, row.output_shapes, strict=True)]
    if ls.return_state and not ls.return_sequences and not ls.bidirectional:
        lines.append("(output is the last h)")
    if stateful:
        lines.append("stateful: h, c kept between batches")
    return lines


def _lstm_band(
    canvas: _Canvas, cols: _Columns, ls: LayerSpec, row: ShapeRow, stateful: bool, sources: list[_Out], y0: float
) -> tuple[list[_Out], float]:
    """One LSTM layer unrolled: a row of cells (two for Bidirectional), state arrows, outputs."""
    name = row.layer
    merged = ls.bidirectional and ls.merge_mode is not None
    graphic = _CELL_H + (_ROW_GAP + _CELL_H if ls.bidirectional else 0) + (_ROW_GAP + _MERGE_R if merged else 0)
    gy, top = canvas.band(y0, graphic, _lstm_lines(ls, row, stateful), name)
    n_main = 2 if ls.bidirectional and not merged else 1  # then the states: h, c (forward h, c, backward h, c)
    states = [format_shape(s) for s in row.output_shapes[n_main:]]
    draw = dict(initial="h, c from<br>last batch" if stateful else "h₀ = c₀ = 0", every=ls.return_sequences)
    if not ls.bidirectional:
        exits = _draw_row(canvas, cols, _Row(name, gy, 0.0, cols.cell_w, FORWARD), sources, states, **draw)
        return [_Out(i, [p], f"output:{name}") for i, p in exits], top
    w = min(30.0, 0.56 * cols.slot)
    dx = w / 4 + 4  # forward cells shift left, backward right: arrows pass between them
    fwd = _Row(f"{name}:forward", gy, -dx, w, FORWARD)
    bwd = _Row(f"{name}:backward", gy + _CELL_H + _ROW_GAP, dx, w, BACKWARD, backward=True)
    f_exits = _draw_row(canvas, cols, fwd, sources, states[:2], **draw)
    fed = [s._replace(name=f"input:{name}:backward") for s in sources]  # one input, fed to both directions
    b_exits = _draw_row(canvas, cols, bwd, fed, states[2:], **draw)
    if merged:
        return _merge(canvas, cols, ls.merge_mode, name, f_exits, b_exits, bwd.y + _CELL_H + _ROW_GAP), top
    # two outputs: the forward ones pass beside the backward cells
    up = bwd.y + _CELL_H + 6
    outs = [_Out(i, [p, (p[0], up)], f"output:{name}:forward", FORWARD[0]) for i, p in f_exits]
    return outs + [_Out(i, [p], f"output:{name}:backward", BACKWARD[0]) for i, p in b_exits], top


def _draw_row(
    canvas: _Canvas, cols: _Columns, row: _Row, sources: list[_Out], states: list[str], initial: str, every: bool
) -> list[tuple[int, tuple[float, float]]]:
    """Cells, incoming arrows, the state chain, the initial state and (``return_state``) h and c.

    Returns:
        (column, point) where outputs leave: every cell when ``every``, else the direction's last step.
    """
    cells = cols.cells()
    ym = row.y + _CELL_H / 2
    for _, x in cells:
        canvas.box(x + row.shift, row.y, row.w, _CELL_H, f"cell:{row.tag}", row.colours)
    for src in sources:
        x, fork = cols.x[src.col], src.points[-1][1] + 8
        path = [(x, fork), (x + row.shift, fork + 8)] if row.shift else []
        canvas.arrow([*src.points, *path, (x + row.shift, row.y)], src.name, src.colour)
    cols.chain(canvas, row)
    first, last = (cells[-1], cells[0]) if row.backward else (cells[0], cells[-1])
    side = 1 if row.backward else -1  # the state comes in from the left of a forward row, the right of a backward
    anchor = "left" if row.backward else "right"
    edge = first[1] + row.shift + side * row.w / 2
    canvas.stub(edge, ym, side * 24, f"initial-state:{row.tag}", row.colours[0])
    canvas.text(edge, ym, initial, f"initial-state:{row.tag}", anchor=anchor, shift=side * 27)
    edge = last[1] + row.shift - side * row.w / 2
    out_anchor = "right" if row.backward else "left"
    for label, shape, dy in zip("hc", states, (9, -9), strict=False):
        canvas.stub(edge, ym + dy / 2, -side * 30, f"state-{label}:{row.tag}", STATE, out=True, dy=dy / 2)
        canvas.text(edge, ym + dy, f"{label} {shape}", f"state-{label}:{row.tag}", out_anchor, STATE, shift=-side * 33)
    return [(i, (x + row.shift, row.y + _CELL_H)) for i, x in (cells if every else [last])]


def _merge(canvas: _Canvas, cols: _Columns, mode: str, name: str, f_exits: list, b_exits: list, y: float) -> list[_Out]:
    """Merge circles where the forward outputs leave; the backward outputs join them."""
    merge_cols = [i for i, _ in f_exits]
    for i in merge_cols:
        canvas.circle(cols.x[i], y, _MERGE_R, f"merge:{name}", MERGE)
        canvas.text(cols.x[i], y, _MERGE_SYMBOL[mode], f"merge:{name}", size=12)
    for direction, exits, colour in [("forward", f_exits, FORWARD[0]), ("backward", b_exits, BACKWARD[0])]:
        for i, (x, y0) in exits:
            if i in merge_cols:  # up beside the backward cell, then into the circle of its own column
                points = [(x, y0), (x, y - _ROW_GAP), (cols.x[i], y)]
            else:  # last step only: the backward direction ends at the first timestep, far from the merge
                points = [(x, y0), (x, y), (cols.x[merge_cols[0]], y)]
            canvas.arrow(points, f"to-merge:{name}:{direction}", colour, standoff=_MERGE_R)
    return [_Out(i, [(cols.x[i], y + _MERGE_R)], f"output:{name}") for i in merge_cols]


def _head_band(
    canvas: _Canvas, cols: _Columns, head: HeadSpec, row: ShapeRow, sources: list[_Out], y0: float
) -> tuple[list[_Out], float]:
    """The Dense head: one small box per timestep when it receives sequences, else one box."""
    shape = row.output_shapes[0]
    per_step = len(shape) == 3
    lines = [f"<b>{html.escape(row.layer)}</b>: Dense, {_plural(head.units, 'unit')}, {head.activation}"]
    if per_step:
        lines.append("Dense applied at every timestep")
    lines.append(f"output {format_shape(shape)}")
    h = 22 if per_step else _CELL_H
    gy, top = canvas.band(y0, h, lines, "head")
    if per_step:
        w = min(30.0, 0.6 * cols.slot)
        for src in sources:
            canvas.box(cols.x[src.col], gy, w, h, "cell:head", DENSE)
            canvas.arrow([*src.points, (cols.x[src.col], gy)], src.name, src.colour)
        return [_Out(s.col, [(cols.x[s.col], gy + h)], "output:head") for s in sources], top
    x = sum(s.points[-1][0] for s in sources) / len(sources)
    canvas.box(x, gy, 64, h, "cell:head", DENSE)
    canvas.text(x, gy + h / 2, "Dense", "cell:head")
    for src in sources:
        canvas.arrow([*src.points, (src.points[-1][0], gy)], src.name, src.colour)
    return [_Out(sources[-1].col, [(x, gy + h)], "output:head")], top
