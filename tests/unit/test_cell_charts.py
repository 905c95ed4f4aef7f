"""lstm_lab.charts.cell: long traces are thinned for drawing only, axes are named, the picked cell is marked."""

import numpy as np

from lstm_lab.charts.cell import MAX_STEPS, MAX_UNITS, gate_heatmap, input_figure, shown, unit_lines_figure
from lstm_lab.records import TRACED, CellTrace


def _trace(steps, units, masked=0):
    rng = np.random.default_rng(0)
    values = {k: rng.uniform(0, 1, (steps, units)).astype("float32") for k in TRACED}
    mask = np.arange(steps) >= masked
    return CellTrace(values, mask, np.zeros((steps, 4, units)), np.zeros((steps, 4, units)), np.zeros((4, units)))


def test_a_long_wide_trace_is_drawn_thinned_but_keeps_the_picked_cell():
    traced = _trace(500, 512)
    fig = gate_heatmap(traced, "f", t=333, unit=301)
    heat = fig.data[0]
    assert len(heat.x) <= MAX_STEPS + 1 and len(heat.y) <= MAX_UNITS + 1
    assert 333 in heat.x and 301 in heat.y
    col, row = list(heat.x).index(333), list(heat.y).index(301)
    assert heat.z[row][col] == traced.values["f"][333, 301]  # a drawn cell is a real value, not an average
    assert "showing" in fig.layout.title.text
    assert fig.layout.xaxis.title.text == "timesteps (t)" and fig.layout.yaxis.title.text == "units"
    box = [s for s in fig.layout.shapes if s.type == "rect" and s.y0 is not None and s.y0 == 300.5]
    assert box and box[0].x0 == 332.5


def test_a_short_trace_is_drawn_whole_with_masked_steps_shaded():
    traced = _trace(10, 4, masked=3)
    fig = gate_heatmap(traced, "c", t=5, unit=2)
    assert len(fig.data[0].x) == 10 and len(fig.data[0].y) == 4
    assert fig.layout.title.text == "c: cell state"
    shaded = [s for s in fig.layout.shapes if s.fillcolor and "120" in s.fillcolor]
    assert [(s.x0, s.x1) for s in shaded] == [(-0.5, 2.5)]


def test_every_figure_shares_the_time_axis():
    traced = _trace(30, 8)
    figs = [input_figure(np.zeros((30, 2)), ["a", "<b>"], 3, traced.mask), gate_heatmap(traced, "i", 3, 0),
            unit_lines_figure(traced, [1, 2], 3)]  # fmt: skip
    assert {tuple(f.layout.xaxis.range) for f in figs} == {(-0.5, 29.5)}
    assert {(f.layout.margin.l, f.layout.margin.r) for f in figs} == {(70, 120)}
    assert figs[0].data[1].name == "&lt;b&gt;"  # user column names are never markup
    assert shown(500, 250).size == 250 and shown(10, 250).tolist() == list(range(10))
