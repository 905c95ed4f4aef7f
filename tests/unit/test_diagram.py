"""lstm_lab.charts.diagram: the unrolled teaching diagram, drawn from real Keras shape tables."""

import json
import re
import subprocess
import sys
from dataclasses import replace
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest

from lstm_lab import ModelSpec
from lstm_lab.charts.diagram import FEATURE_CAP, STEP_CAP, WIDTH, drawn, model_diagram
from lstm_lab.model.shapes import shape_table


@cache
def _rows_of(spec_json: str) -> tuple:
    return tuple(shape_table(ModelSpec.from_dict(json.loads(spec_json))))


def _rows(spec: ModelSpec) -> tuple:
    """``shape_table(spec)``, built once per spec (Keras builds are the slow part)."""
    return _rows_of(json.dumps(spec.to_dict(), sort_keys=True))


def figure(**spec):
    """The diagram of a spec given as keyword settings (``head`` defaults to none)."""
    spec.setdefault("head", None)
    model = ModelSpec.from_dict(spec)
    return model_diagram(model, list(_rows(model)))


def layers(*layer_specs, **spec):
    return figure(layers=list(layer_specs), **spec)


def arrows(fig, name: str) -> list:
    """Annotations drawn as arrows whose name is exactly ``name`` (their fields as attributes)."""
    return [SimpleNamespace(**a) for a in fig.annotations if a.get("showarrow") and a["name"] == name]


def shapes(fig, name: str) -> list:
    return [SimpleNamespace(**s) for s in fig.shapes if s["name"] == name]


def texts(fig) -> list[str]:
    return [a["text"] for a in fig.annotations if not a.get("showarrow")]


def plain(fig) -> str:
    """All text of the figure without its markup."""
    return "\n".join(re.sub(r"<br>", "\n", re.sub(r"</?b>", "", t)) for t in texts(fig))


def test_drawn_caps_with_an_ellipsis():
    assert drawn(5, STEP_CAP, 2) == [0, 1, 2, 3, 4]
    assert drawn(STEP_CAP, STEP_CAP, 2) == list(range(STEP_CAP))
    many = drawn(200, STEP_CAP, 2)
    assert len([i for i in many if i is not None]) == STEP_CAP
    assert many[-3:] == [None, 198, 199] and many[0] == 0


@pytest.mark.parametrize("timesteps", [1, 5, STEP_CAP, 200])
def test_return_sequences_sends_an_output_up_from_every_drawn_step(timesteps):
    fig = layers({"units": 8, "return_sequences": True}, timesteps=timesteps)
    assert len(arrows(fig, "output:lstm_1")) == min(timesteps, STEP_CAP)
    assert len(shapes(fig, "cell:lstm_1")) == min(timesteps, STEP_CAP)
    assert len(arrows(fig, "output:input")) == min(timesteps, STEP_CAP)


def test_last_step_only_sends_exactly_one_output_from_the_last_cell():
    fig = layers({"units": 32}, timesteps=20, features=1)
    (out,) = arrows(fig, "output:lstm_1")
    last_cell = max(shapes(fig, "cell:lstm_1"), key=lambda s: s.x0)
    assert last_cell.x0 <= out.ax <= last_cell.x1
    assert out.y > out.ay  # upward
    assert not arrows(fig, "state-h:lstm_1") and not arrows(fig, "state-c:lstm_1")


def test_recurrent_arrows_run_forward_in_time():
    fig = layers({"units": 4}, timesteps=6)
    chain = arrows(fig, "recurrent:lstm_1")
    assert len(chain) == 5
    assert all(a.x > a.ax for a in chain)
    assert len(arrows(fig, "initial-state:lstm_1")) == 1


def test_return_state_adds_h_and_c_with_their_shapes():
    fig = layers({"units": 8, "return_state": True}, timesteps=6, features=2)
    assert len(arrows(fig, "state-h:lstm_1")) == 1
    assert len(arrows(fig, "state-c:lstm_1")) == 1
    assert len(arrows(fig, "output:lstm_1")) == 1
    assert "h (None, 8)" in texts(fig) and "c (None, 8)" in texts(fig)


def test_stacked_layers_connect_step_by_step():
    fig = layers({"units": 64, "return_sequences": True}, {"units": 32}, timesteps=30, features=50)
    assert len(arrows(fig, "output:lstm_1")) == STEP_CAP
    assert len(arrows(fig, "output:lstm_2")) == 1
    text = plain(fig)
    assert "(None, 30, 64)" in text and "(None, 32)" in text


@pytest.mark.parametrize("merge_mode, symbol", [("concat", "cat"), ("sum", "+"), ("mul", "×"), ("ave", "avg")])
def test_bidirectional_draws_two_rows_in_opposite_directions_and_merges(merge_mode, symbol):
    fig = layers({"units": 8, "bidirectional": True, "merge_mode": merge_mode, "return_sequences": True}, timesteps=5)
    name = "bidirectional_1"
    assert len(shapes(fig, f"cell:{name}:forward")) == len(shapes(fig, f"cell:{name}:backward")) == 5
    assert all(a.x > a.ax for a in arrows(fig, f"recurrent:{name}:forward"))
    assert all(a.x < a.ax for a in arrows(fig, f"recurrent:{name}:backward"))
    assert len(shapes(fig, f"merge:{name}")) == 5
    assert len(arrows(fig, f"to-merge:{name}:forward")) == len(arrows(fig, f"to-merge:{name}:backward")) == 5
    assert len(arrows(fig, f"output:{name}")) == 5
    assert symbol in texts(fig) and f"merge: {merge_mode}" in plain(fig)
    assert len(arrows(fig, "output:input")) == len(arrows(fig, f"input:{name}:backward")) == 5


def test_bidirectional_last_step_merges_forward_last_and_backward_first_step():
    fig = layers({"units": 8, "bidirectional": True}, timesteps=7)
    name = "bidirectional_1"
    (merge,) = shapes(fig, f"merge:{name}")
    (fwd,) = arrows(fig, f"to-merge:{name}:forward")
    (bwd,) = arrows(fig, f"to-merge:{name}:backward")
    last_fwd = max(shapes(fig, f"cell:{name}:forward"), key=lambda s: s.x0)
    first_bwd = min(shapes(fig, f"cell:{name}:backward"), key=lambda s: s.x0)
    assert last_fwd.x0 < fwd.ax < last_fwd.x1 and fwd.y > fwd.ay  # up from the forward direction's last step
    assert first_bwd.x0 < bwd.ax < first_bwd.x1 and bwd.x == merge.xanchor  # across from the backward's last step
    assert fwd.standoff == bwd.standoff == merge.x1  # both stop at the circle's edge
    assert len(arrows(fig, f"output:{name}")) == 1


def test_bidirectional_two_outputs_and_four_states():
    spec = {"units": 8, "bidirectional": True, "merge_mode": None, "return_state": True, "return_sequences": True}
    fig = layers(spec, timesteps=10, features=4)
    name = "bidirectional_1"
    assert not shapes(fig, f"merge:{name}")
    assert len(arrows(fig, f"output:{name}:forward")) == len(arrows(fig, f"output:{name}:backward")) == 10
    for direction in ("forward", "backward"):
        assert len(arrows(fig, f"state-h:{name}:{direction}")) == 1
        assert len(arrows(fig, f"state-c:{name}:{direction}")) == 1
    assert "two outputs" in plain(fig)
    assert "forward output (None, 10, 8)" in plain(fig) and "backward c (None, 8)" in plain(fig)


def test_labels_carry_every_keras_output_shape():
    model = ModelSpec.from_dict(
        {
            "timesteps": 20,
            "features": 3,
            "layers": [
                {"units": 64, "return_sequences": True, "bidirectional": True},
                {"units": 32, "return_state": True},
            ],
            "head": {"units": 1, "activation": "sigmoid"},
            "masking": True,
        }
    )
    rows = list(_rows(model))
    text = "\n".join(re.sub(r"</?b>|<br>", " ", t) for t in texts(model_diagram(model, rows)))
    for row in rows:
        assert row.layer in text
        for shape in row.output_shapes:
            assert str(tuple(shape)) in text
    assert "(None, 20, 128)" in text and "Dense, 1 unit, sigmoid" in text


def test_large_sizes_are_capped_with_an_ellipsis_and_labelled_with_real_sizes():
    fig = layers({"units": 16, "return_sequences": True}, timesteps=200, features=128)
    assert len(shapes(fig, "cell:input")) == STEP_CAP * FEATURE_CAP
    assert "…" in texts(fig) and "⋮" in texts(fig)
    assert {"1", "199", "200", "f1", "f128"} <= set(texts(fig)) and "100" not in texts(fig)
    assert "input (200 timesteps × 128 features)" in plain(fig)
    assert len([a for a in fig.annotations if a["name"] == "ellipsis:lstm_1"]) == 1


def test_head_after_sequences_acts_at_every_timestep():
    fig = figure(timesteps=8, features=2, layers=[{"units": 32, "return_sequences": True}], head={"units": 1})
    assert len(shapes(fig, "cell:head")) == 8
    assert len(arrows(fig, "output:head")) == 8
    assert "Dense applied at every timestep" in plain(fig) and "(None, 8, 1)" in plain(fig)


def test_head_after_the_last_step_is_one_box():
    fig = figure(timesteps=8, features=2, layers=[{"units": 32}], head={"units": 3, "activation": "softmax"})
    assert len(shapes(fig, "cell:head")) == 1
    assert len(arrows(fig, "output:lstm_1")) == 1 and len(arrows(fig, "output:head")) == 1
    assert "Dense, 3 units, softmax" in plain(fig)


def test_masking_is_a_band_the_inputs_pass_through():
    fig = layers({"units": 4}, timesteps=6, masking=True)
    assert len(shapes(fig, "band:masking")) == 1
    assert "Masking: padded steps skipped" in plain(fig)
    assert len(arrows(fig, "output:input")) == 6


def test_stateful_layers_take_their_state_from_the_last_batch():
    fig = layers({"units": 4, "return_sequences": True}, {"units": 4}, timesteps=3, stateful=True, batch_size=16)
    assert plain(fig).count("h, c from\nlast batch") == 2
    assert "(16, 3, 1)" in plain(fig)


def test_four_layers_one_timestep_every_setting():
    stack = [{"units": 4, "return_sequences": True, "bidirectional": i % 2 == 1} for i in range(3)]
    fig = figure(timesteps=1, features=1, layers=[*stack, {"units": 2, "return_state": True}], head={"units": 1})
    assert [len(arrows(fig, f"output:{n}")) for n in ("lstm_1", "bidirectional_2", "lstm_3", "lstm_4")] == [1] * 4
    assert len(arrows(fig, "state-h:lstm_4")) == 1


def test_size_fonts_and_title():
    small = layers({"units": 4}, timesteps=3)
    tall = layers(*[{"units": 4, "return_sequences": True}] * 3, {"units": 4}, timesteps=3)
    assert small.width == tall.width == WIDTH
    assert tall.height >= small.height + 3 * 80  # each layer adds a band
    assert all(a["font"]["size"] >= 11 for a in small.annotations if not a.get("showarrow"))
    assert "unrolled over 3 timesteps" in small.title


def test_no_raw_html_reaches_the_labels():
    fig = layers({"units": 8, "return_state": True}, timesteps=4, masking=True)
    for text in texts(fig):
        assert "<" not in re.sub(r"</?b>|<br>", "", text), text
    model = ModelSpec.from_dict({"timesteps": 4, "layers": [{"units": 8}], "head": None})
    rows = list(_rows(model))
    rows[1] = replace(rows[1], layer="<img src=x onerror=alert(1)>")
    drawing = model_diagram(model, rows)
    text = "\n".join(texts(drawing))
    assert "<img" not in text and "&lt;img" in text
    svg = ElementTree.fromstring(drawing.svg())  # well-formed: the name is text in the picture, not markup
    assert not svg.findall(".//{*}img") and "<img src=x onerror=alert(1)>" in "".join(svg.itertext())


def test_the_svg_draws_every_box_arrow_and_label():
    spec = {"units": 8, "bidirectional": True, "return_state": True, "return_sequences": True}
    drawing = layers(spec, timesteps=5, features=2, masking=True)
    svg = ElementTree.fromstring(drawing.svg())
    ns = "{http://www.w3.org/2000/svg}"
    rects = [s for s in drawing.shapes if s["type"] == "rect"]
    assert len(svg.findall(f"{ns}rect")) == len(rects) + 1  # and the white background
    assert len(svg.findall(f"{ns}circle")) == len([s for s in drawing.shapes if s["type"] == "circle"])
    heads = [e for e in svg.findall(f"{ns}line") if e.get("marker-end")]
    assert len(heads) == len([a for a in drawing.annotations if a.get("showarrow")])
    assert (int(svg.get("width")), int(svg.get("height"))) == (drawing.width, drawing.height)
    words = "".join(svg.itertext())
    assert drawing.title in words and "bidirectional_1" in words and "(None, 5, 16)" in words
    bold = [t.text for t in svg.iter(f"{ns}tspan") if t.get("font-weight") == "bold"]
    assert "input" in bold and "bidirectional_1" in bold


def test_the_module_imports_neither_keras_nor_streamlit():
    heavy = "('keras', 'tensorflow', 'streamlit')"
    code = f"import sys, lstm_lab.charts.diagram; print(sorted(m for m in {heavy} if m in sys.modules))"
    root = Path(__file__).parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"
