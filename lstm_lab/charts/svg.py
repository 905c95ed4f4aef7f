"""Draw the model diagram as one SVG image: cheap to send and to show on every settings change.

The diagram (:mod:`lstm_lab.charts.diagram`) is a list of shapes and annotations in plotly's schema, in
pixels with y upward from the bottom of the drawing, x from the left edge of its timestep columns. This
module turns the subset the diagram uses (rectangles, circles, lines, paths, arrows, text with ``<b>`` and
``<br>``) into SVG markup. The page shows it with ``st.image``: the browser draws a picture, with no
script and no layout work, instead of relaying out a chart of a few hundred annotations.

Nothing here imports Keras, plotly or Streamlit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"
LINE_HEIGHT = 1.3  # of the font size, between the lines of one text
ANCHORS = {"left": "start", "center": "middle", "right": "end"}


@dataclass(frozen=True)
class Frame:
    """Where the drawing sits in the image: its size, the title, and the left margin before the columns."""

    width: int
    height: int
    left: float
    title: str

    def x(self, x: float) -> float:
        return self.left + x

    def y(self, y: float) -> float:
        return self.height - y


def render(frame: Frame, shapes: list[dict], annotations: list[dict]) -> str:
    """The SVG document: shapes first (those on the ``below`` layer before the others), then annotations.

    >>> frame = Frame(width=200, height=100, left=50, title="A <b>box</b>")
    >>> box = dict(type="rect", x0=0, x1=20, y0=10, y1=30, name="cell", fillcolor="#fff", line=dict(color="#000"))
    >>> svg = render(frame, [box], [])
    >>> '<rect x="50.0" y="70.0" width="20.0" height="20.0"' in svg
    True
    """
    colours = sorted({a["arrowcolor"] for a in annotations if a.get("showarrow")})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{frame.width}" height="{frame.height}" '
        f'viewBox="0 0 {frame.width} {frame.height}" font-family="{FONT}" font-size="12" fill="#222222">',
        "<defs>" + "".join(_marker(c) for c in colours) + "</defs>",
        f'<rect width="{frame.width}" height="{frame.height}" fill="white"/>',
        _text(8, 22, frame.title, "start", 16, "#222222"),
    ]
    ordered = [s for s in shapes if s.get("layer") == "below"] + [s for s in shapes if s.get("layer") != "below"]
    parts += [_shape(frame, s) for s in ordered]
    parts += [_arrow(frame, a) if a.get("showarrow") else _annotation_text(frame, a) for a in annotations]
    parts.append("</svg>")
    return "\n".join(parts)


def _marker(colour: str) -> str:
    head = f'<path d="M0,1 L10,5 L0,9 z" fill="{colour}"/>'
    return (f'<marker id="{_marker_id(colour)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse">{head}</marker>')  # fmt: skip


def _marker_id(colour: str) -> str:
    return "head-" + colour.lstrip("#")


def _stroke(shape: dict) -> str:
    line = shape.get("line", {})
    dash = ' stroke-dasharray="2,3"' if line.get("dash") == "dot" else ""
    return f'stroke="{line.get("color", "#444444")}" stroke-width="{line.get("width", 1.5)}"{dash}'


def _shape(frame: Frame, s: dict) -> str:
    kind, stroke = s["type"], _stroke(s)
    if kind == "rect":
        x, y = frame.x(min(s["x0"], s["x1"])), frame.y(max(s["y0"], s["y1"]))
        w, h = abs(s["x1"] - s["x0"]), abs(s["y1"] - s["y0"])
        return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{s["fillcolor"]}" {stroke}/>'
    if kind == "circle":  # xsizemode "pixel": x0 and x1 are pixels around xanchor
        cx, cy, r = frame.x(s["xanchor"]), frame.y((s["y0"] + s["y1"]) / 2), (s["x1"] - s["x0"]) / 2
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{s["fillcolor"]}" {stroke}/>'
    if kind == "line":
        (x0, y0), (x1, y1) = _point(frame, s["x0"], s["y0"]), _point(frame, s["x1"], s["y1"])
        return f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" {stroke}/>'
    if kind == "path":
        points = [_point(frame, float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", s["path"])]
        d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)
        return f'<path d="{d}" fill="none" {stroke}/>'
    raise ValueError(f"Received a shape of type {kind!r}; the SVG diagram draws rect, circle, line and path.")


def _point(frame: Frame, x: float, y: float) -> tuple[float, float]:
    return frame.x(x), frame.y(y)


def _arrow(frame: Frame, a: dict) -> str:
    """An annotation arrow: from its tail (``ax, ay``: drawing coordinates, or pixels from the head) to its
    head at ``x, y`` (moved by ``xshift, yshift`` pixels), ``standoff`` pixels short of it."""
    hx, hy = frame.x(a["x"]) + a.get("xshift", 0), frame.y(a["y"]) - a.get("yshift", 0)
    if a.get("axref") == "x":
        tx, ty = frame.x(a["ax"]), frame.y(a["ay"])
    else:
        tx, ty = hx + a["ax"], hy + a["ay"]
    length = ((hx - tx) ** 2 + (hy - ty) ** 2) ** 0.5
    standoff = a.get("standoff", 0)
    if length > standoff > 0:
        hx, hy = hx - (hx - tx) * standoff / length, hy - (hy - ty) * standoff / length
    colour = a["arrowcolor"]
    return (f'<line x1="{tx:.1f}" y1="{ty:.1f}" x2="{hx:.1f}" y2="{hy:.1f}" stroke="{colour}" '
            f'stroke-width="{a.get("arrowwidth", 1.5)}" marker-end="url(#{_marker_id(colour)})"/>')  # fmt: skip


def _annotation_text(frame: Frame, a: dict) -> str:
    x = frame.left if a.get("xref") == "paper" else frame.x(a["x"])  # paper x 0: where the columns start
    font = a.get("font", {})
    return _text(x + a.get("xshift", 0), frame.y(a["y"]), a["text"], ANCHORS[a.get("xanchor", "center")],
                 font.get("size", 12), font.get("color", "#222222"), centred=True)  # fmt: skip


def _text(x: float, y: float, markup: str, anchor: str, size: int, colour: str, centred: bool = False) -> str:
    """Text whose lines are split at ``<br>`` and whose ``<b>`` runs are bold; ``centred``: the lines'
    middle is at ``y``, else the first line's baseline is."""
    lines = markup.split("<br>")
    step = size * LINE_HEIGHT
    first = y - step * (len(lines) - 1) / 2 if centred else y
    spans = []
    for i, line in enumerate(lines):
        runs = re.split(r"(</?b>)", line)
        bold, body = False, []
        for run in runs:
            if run in ("<b>", "</b>"):
                bold = run == "<b>"
            elif run:
                body.append(f'<tspan font-weight="bold">{run}</tspan>' if bold else run)
        spans.append(f'<tspan x="{x:.1f}" y="{first + i * step:.1f}">{"".join(body)}</tspan>')
    baseline = ' dominant-baseline="central"' if centred else ""
    return (f'<text text-anchor="{anchor}" font-size="{size}" fill="{colour}"{baseline} '
            f'xml:space="preserve">{"".join(spans)}</text>')  # fmt: skip
