"""lstm_lab.model.traced and ShapesWorker.cell_trace: the page's trace, from the trained bytes or the seed."""

import numpy as np
import pytest

from lstm_lab import LabSpec, LstmLabError, compute
from lstm_lab.data.generate import generated
from lstm_lab.data.window import prepare
from lstm_lab.model.build import build_model
from lstm_lab.model.trace import cell_trace
from lstm_lab.model.traced import loaded_model, trace_sample
from lstm_lab.model.train import train
from lstm_lab.records import TRACED, CellTrace

keras = pytest.importorskip("keras")

LAB = {"data": {"rows": 120, "timesteps": 7}, "model": {"layers": [{"units": 3, "return_sequences": True},
       {"units": 2, "bidirectional": True, "activation": "relu"}]}, "train": {"epochs": 1}, "seed": 5}  # fmt: skip
SIGMOID = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731


@pytest.fixture(scope="module")
def lab_and_sample():
    lab = LabSpec.from_dict(LAB)
    prep = prepare(generated(lab.data, lab.seed), lab.data)
    return lab, prep.X[prep.n_train + prep.n_val]


@pytest.fixture(scope="module")
def trained(lab_and_sample):
    lab, _ = lab_and_sample
    return train(lab, generated(lab.data, lab.seed)).model_bytes


def test_initial_weights_are_the_seeds_weights(lab_and_sample):
    lab, x = lab_and_sample
    keras.utils.set_random_seed(lab.seed)
    model = build_model(lab.model_spec(x.shape[1], x.shape[0]))
    got = CellTrace.from_dict(trace_sample(x, 1, "backward", LAB))
    want = cell_trace(model, x, layer=1, direction="backward")
    for k in TRACED:
        np.testing.assert_allclose(got.values[k], want[k], atol=1e-6)
    assert got.backwards


def test_trained_bytes_trace_the_trained_model(lab_and_sample, trained):
    lab, x = lab_and_sample
    got = CellTrace.from_dict(trace_sample(x, 0, "forward", LAB, trained))
    want = cell_trace(loaded_model(trained), x, layer=0)
    initial = CellTrace.from_dict(trace_sample(x, 0, "forward", LAB))
    np.testing.assert_allclose(got.values["c"], want["c"], atol=1e-6)
    assert not np.allclose(got.values["c"], initial.values["c"], atol=1e-6)  # training moved the weights


@pytest.mark.parametrize("layer, direction", [(0, "forward"), (1, "forward"), (1, "backward")])
def test_the_weighted_sums_give_the_gates(lab_and_sample, layer, direction):
    _, x = lab_and_sample
    t = CellTrace.from_dict(trace_sample(x, layer, direction, LAB))
    z = t.x_part + t.h_part + t.bias
    act = (lambda v: np.maximum(v, 0)) if layer == 1 else np.tanh  # layer 2 uses activation='relu'
    np.testing.assert_allclose(SIGMOID(z[:, 0]), t.values["i"], atol=1e-6)
    np.testing.assert_allclose(SIGMOID(z[:, 1]), t.values["f"], atol=1e-6)
    np.testing.assert_allclose(act(z[:, 2]), t.values["g"], atol=1e-6)
    np.testing.assert_allclose(SIGMOID(z[:, 3]), t.values["o"], atol=1e-6)
    first = t.timesteps - 1 if direction == "backward" else 0
    assert not t.h_part[first].any()  # the first step of a direction sees h = 0


def test_the_warm_worker_answers_with_the_same_trace(lab_and_sample, trained):
    _, x = lab_and_sample
    engine = compute.engine()
    engine.wait_ready()
    got = CellTrace.from_dict(engine.ask("cell_trace", x, 1, "forward", LAB, trained))
    want = CellTrace.from_dict(trace_sample(x, 1, "forward", LAB, trained))
    for k in TRACED:
        np.testing.assert_array_equal(got.values[k], want.values[k])
    with pytest.raises(LstmLabError, match="argument `layer`") as e:
        engine.ask("cell_trace", x, 2, "forward", LAB, None)
    assert e.value.field == "layer"
