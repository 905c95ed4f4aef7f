"""lstm_lab.teach.gates: the teaching text says what Keras does, and the step arithmetic is the trace's."""

import numpy as np
import pytest

from lstm_lab import LabSpec
from lstm_lab.model.shapes import shape_table
from lstm_lab.model.traced import initial_model, trace_sample
from lstm_lab.records import CellTrace
from lstm_lab.teach.gates import busiest_units, layer_inputs, layer_text, step

keras = pytest.importorskip("keras")

LAB = {"data": {"timesteps": 6}, "model": {"layers": [{"units": 4, "return_sequences": True, "bidirectional": True},
       {"units": 3}], "masking": True}, "seed": 2}  # fmt: skip


def test_the_parameter_paragraph_is_the_model_pages_formula_and_keras_count():
    lab = LabSpec.from_dict(LAB)
    spec = lab.model_spec(features=5, timesteps=6)
    rows = {r.layer: r for r in shape_table(spec)}
    for i, ls in enumerate(spec.layers):
        text = layer_text(ls, layer_inputs(spec, i))["params"]
        inputs = layer_inputs(spec, i)
        one = 4 * ls.units * (inputs + ls.units + 1)
        assert f"4·{ls.units}·({inputs} + {ls.units} + 1) = {one:,} parameters" in text
        assert rows[ls.keras_name(i)].params == one * (2 if ls.bidirectional else 1)
        assert (f"{2 * one:,} parameters" in text) == ls.bidirectional
    assert layer_inputs(spec, 1) == 8  # a concat Bidirectional hands on 2·units


def test_keras_starts_the_forget_bias_at_one_as_the_text_says():
    model = initial_model('{"seed": 0}', 2, 4)
    bias = model.get_layer("lstm_1").cell.bias.numpy().reshape(4, -1)
    assert np.all(bias[1] == 1.0) and np.all(bias[[0, 2, 3]] == 0.0)
    assert "unit_forget_bias=True" in layer_text(LabSpec().model.layers[0], 2)["f"]


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_each_step_is_f_times_c_prev_plus_i_times_g(direction):
    x = np.random.default_rng(0).normal(size=(6, 5)).astype("float32")
    x[4:] = 0.0  # padding: Masking skips these steps
    traced = CellTrace.from_dict(trace_sample(x, 0, direction, LAB))
    for t in range(6):
        for unit in range(traced.units):
            s = step(traced, t, unit)
            g = {k: v.value for k, v in s.gates.items()}
            assert s.gates["i"].z == pytest.approx(sum((s.gates["i"].from_x, s.gates["i"].from_h, s.gates["i"].bias)))
            if s.real:
                assert s.c == pytest.approx(g["f"] * s.c_prev + g["i"] * g["g"], abs=1e-5)
                assert s.h == pytest.approx(g["o"] * np.tanh(s.c), abs=1e-5)
            else:
                assert (s.c, s.h) == (pytest.approx(s.c_prev), pytest.approx(s.h_prev))
    assert step(traced, 0, 0).previous == (None if direction == "forward" else 1)
    assert [step(traced, t, 0).real for t in range(6)] == [True] * 4 + [False] * 2


def test_busiest_units_are_those_whose_c_moves_most():
    traced = CellTrace.from_dict(trace_sample(np.ones((6, 5), np.float32), 1, "forward", LAB))
    spread = np.ptp(traced.values["c"], axis=0)
    assert busiest_units(traced, 3) == list(np.argsort(-spread)[:3])
