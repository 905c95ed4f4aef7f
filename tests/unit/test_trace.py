"""lstm_lab.model.trace: NumPy gate traces must reproduce Keras's own LSTM outputs and states exactly."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_strategies import model_specs

from lstm_lab import LstmLabError, ModelSpec
from lstm_lab.model.build import build_model
from lstm_lab.model.trace import cell_trace, layer_choices

keras = pytest.importorskip("keras")

TOL = {"atol": 1e-5, "rtol": 1e-5}
MERGES = ("concat", "sum", "mul", "ave", None)
MERGE = {
    "concat": lambda f, b: np.concatenate([f, b], axis=-1),
    "sum": lambda f, b: f + b,
    "ave": lambda f, b: (f + b) / 2,
    "mul": lambda f, b: f * b,
}


def _model(spec: dict, seed: int = 0, scale: float = 0.5):
    """Build ``spec`` with random normal(0, ``scale``) weights, so gates spread well away from 0.5."""
    spec = ModelSpec.from_dict(spec)
    model = build_model(spec)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, scale, w.shape).astype("float32") for w in model.get_weights()])
    return spec, model


def _sample(spec, seed: int = 1, pad: str | None = None, length: int | None = None) -> np.ndarray:
    x = np.random.default_rng(seed).normal(0.0, 1.0, (spec.timesteps, spec.features)).astype("float32")
    if pad == "post":
        x[length:] = 0.0
    elif pad == "pre":
        x[: spec.timesteps - length] = 0.0
    return x


def _keras_outputs(spec, model, index: int, x: np.ndarray) -> list[np.ndarray]:
    """Keras's own output sequence(s) and states of LSTM layer ``index``: the stack up to that layer,
    rebuilt with ``return_sequences`` and ``return_state`` on, carrying the model's weights."""
    layers = [ls.to_dict() for ls in spec.layers[: index + 1]]
    layers[-1] |= {"return_sequences": True, "return_state": True}
    probe = build_model(ModelSpec.from_dict(spec.to_dict() | {"layers": layers, "head": None}))
    for lay in probe.layers:
        if lay.weights:
            lay.set_weights(model.get_layer(lay.name).get_weights())
    xs = np.repeat(x[None], spec.batch_size or 1, axis=0)
    return [keras.ops.convert_to_numpy(o)[0] for o in probe(xs, training=False)]


def _check_layer(spec, model, index: int, x: np.ndarray) -> dict:
    """Trace every direction of layer ``index`` and compare all timesteps and final states with Keras."""
    ls = spec.layers[index]
    dirs = ("forward", "backward") if ls.bidirectional else ("forward",)
    traces = {d: cell_trace(model, x, layer=index, direction=d) for d in dirs}
    mask = traces["forward"]["mask"]
    # A Bidirectional layer that returns sequences outputs zeros at masked steps; a plain LSTM repeats h.
    seqs = [np.where(mask[:, None], t["h"], 0.0) if ls.bidirectional else t["h"] for t in traces.values()]
    states = [traces["forward"]["h"][-1], traces["forward"]["c"][-1]]  # after the last step taken
    if ls.bidirectional:
        states += [traces["backward"]["h"][0], traces["backward"]["c"][0]]
        if ls.merge_mode is not None:
            seqs = [MERGE[ls.merge_mode](*seqs)]
    got = _keras_outputs(spec, model, index, x)
    assert len(got) == len(seqs) + len(states)
    for ours, theirs in zip(seqs + states, got, strict=True):
        np.testing.assert_allclose(ours, theirs, **TOL)
    for t in traces.values():
        assert all(t[k].dtype == np.float32 and t[k].shape == (spec.timesteps, ls.units) for k in "ifgoch")
    return traces


def _one(units=4, timesteps=6, features=3, **layer):
    return {"timesteps": timesteps, "features": features, "layers": [{"units": units, **layer}], "head": None}


# ---------------------------------------------------------------- exactness


def test_seed_model_lstm64_relu_on_20x8():
    spec, model = _model(_one(64, 20, 8, activation="relu"), scale=0.15)
    x = _sample(spec)
    trace = _check_layer(spec, model, 0, x)
    out = keras.ops.convert_to_numpy(model(x[None]))[0]  # the model itself returns the last h
    np.testing.assert_allclose(trace["forward"]["h"][-1], out, **TOL)
    assert np.ptp(trace["forward"]["i"]) > 0.5  # the gates really open and close: the test can fail


@pytest.mark.parametrize(("units", "timesteps"), [(1, 7), (5, 1), (1, 1)])
def test_one_unit_and_one_timestep(units, timesteps):
    spec, model = _model(_one(units, timesteps))
    _check_layer(spec, model, 0, _sample(spec))


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "linear"])
def test_activations(activation):
    spec, model = _model(_one(activation=activation, return_sequences=True))
    _check_layer(spec, model, 0, _sample(spec))


def test_four_stacked_layers_each_layer():
    layers = [{"units": u, "return_sequences": True} for u in (5, 3, 4)] + [{"units": 2}]
    spec, model = _model({"timesteps": 6, "features": 3, "layers": layers, "head": {"units": 1}})
    x = _sample(spec)
    for index in range(4):
        _check_layer(spec, model, index, x)


@pytest.mark.parametrize("merge_mode", MERGES)
def test_bidirectional_both_directions_every_merge_mode(merge_mode):
    layers = [
        {"units": 3, "return_sequences": True, "bidirectional": True},
        {"units": 4, "return_sequences": True, "bidirectional": True, "merge_mode": merge_mode},
    ]
    spec, model = _model({"timesteps": 6, "features": 2, "layers": layers, "head": None})
    _check_layer(spec, model, 1, _sample(spec))


@pytest.mark.parametrize(
    "options",
    [
        {"recurrent_activation": "hard_sigmoid"},
        {"recurrent_activation": "tanh", "activation": "sigmoid"},
        {"use_bias": False, "activation": "hard_sigmoid"},
        {"unit_forget_bias": False, "recurrent_activation": "relu"},
    ],
)
def test_keras_lstm_options_outside_the_spec(options):
    inputs = keras.Input((6, 3))
    lstm = keras.layers.LSTM(4, return_sequences=True, return_state=True, **options)
    model = keras.Model(inputs, lstm(inputs))
    rng = np.random.default_rng(3)
    model.set_weights([rng.normal(0.0, 0.8, w.shape).astype("float32") for w in model.get_weights()])
    x = rng.normal(0.0, 1.0, (6, 3)).astype("float32")
    seq, h, c = (keras.ops.convert_to_numpy(o)[0] for o in model(x[None]))
    t = cell_trace(model, x)
    for ours, theirs in [(t["h"], seq), (t["h"][-1], h), (t["c"][-1], c)]:
        np.testing.assert_allclose(ours, theirs, **TOL)


def test_backward_rows_follow_the_input_not_the_processing_order():
    spec, model = _model(_one(bidirectional=True, return_sequences=True))
    x = _sample(spec)
    back = cell_trace(model, x, direction="backward")
    # A standalone go_backwards LSTM returns its sequence in processing order: reversed in time.
    lstm = model.get_layer("bidirectional_1").backward_layer
    standalone = keras.layers.LSTM.from_config(lstm.get_config() | {"return_sequences": True})
    standalone.build((None, *x.shape))
    standalone.set_weights(lstm.get_weights())
    seq = keras.ops.convert_to_numpy(standalone(x[None]))[0]
    np.testing.assert_allclose(back["h"], seq[::-1], **TOL)
    # The recurrence runs from the end: row t's previous state is row t + 1.
    prev_c = np.vstack([back["c"][1:], np.zeros((1, 4), "float32")])
    np.testing.assert_allclose(back["c"], back["f"] * prev_c + back["i"] * back["g"], **TOL)
    np.testing.assert_allclose(back["h"], back["o"] * np.tanh(back["c"]), **TOL)


def test_gate_names_follow_keras_order_i_f_candidate_o():
    spec, model = _model(_one(2, 3, 1), scale=0.01)
    lstm = model.get_layer("lstm_1")
    kernel, recurrent, _ = lstm.get_weights()
    lstm.set_weights([kernel, recurrent, np.repeat([9.0, -9.0, 0.5, -9.0], 2).astype("float32")])
    t = cell_trace(model, np.ones((3, 1)))
    assert t["i"].min() > 0.99 and t["f"].max() < 0.01 and t["o"].max() < 0.01
    np.testing.assert_allclose(t["g"], np.tanh(0.5), atol=0.05)


@pytest.mark.parametrize("pad", ["post", "pre"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_masking_padded_steps(pad, bidirectional):
    layers = [
        {"units": 3, "return_sequences": True, "bidirectional": bidirectional},
        {"units": 4, "return_sequences": True, "bidirectional": bidirectional},
    ]
    spec, model = _model({"timesteps": 7, "features": 2, "layers": layers, "head": None, "masking": True})
    x = _sample(spec, pad=pad, length=4)
    real = np.arange(7) < 4 if pad == "post" else np.arange(7) >= 3
    for index in range(2):
        traces = _check_layer(spec, model, index, x)
        for t in traces.values():
            np.testing.assert_array_equal(t["mask"], real)
    fwd = traces["forward"]
    if pad == "post":  # states carry through the padding unchanged
        assert (fwd["h"][4:] == fwd["h"][3]).all() and (fwd["c"][4:] == fwd["c"][3]).all()
    else:  # nothing real seen yet: states stay zero
        assert not fwd["h"][:3].any() and not fwd["c"][:3].any()


def test_model_loaded_from_keras_bytes(tmp_path):
    layers = [{"units": 3, "return_sequences": True, "bidirectional": True, "merge_mode": "sum"}, {"units": 2}]
    spec, model = _model({"timesteps": 5, "features": 2, "layers": layers, "head": {"units": 1}, "masking": True})
    model.save(tmp_path / "saved.keras")
    data = (tmp_path / "saved.keras").read_bytes()
    (tmp_path / "loaded.keras").write_bytes(data)
    loaded = keras.saving.load_model(tmp_path / "loaded.keras")
    x = _sample(spec, pad="post", length=3)
    assert layer_choices(loaded) == [(0, "bidirectional_1", True), (1, "lstm_2", False)]
    for index, direction in [(0, "forward"), (0, "backward"), (1, "forward")]:
        ours = cell_trace(loaded, x, index, direction)
        want = cell_trace(model, x, index, direction)
        for key in want:
            np.testing.assert_array_equal(ours[key], want[key])
    _check_layer(spec, loaded, 1, x)


def test_stateful_model_is_traced_from_fresh_states_and_left_untouched():
    # The traced layer is a plain LSTM: Keras 3.15 cannot build a stateful Bidirectional with
    # return_state (Bidirectional.compute_mask multiplies a generator), so the probe could not exist.
    layers = [{"units": 3, "return_sequences": True, "bidirectional": True}, {"units": 2, "return_sequences": True}]
    spec, model = _model({"timesteps": 5, "features": 2, "layers": layers, "stateful": True, "batch_size": 3})
    states = [*model.get_layer("bidirectional_1").states, *model.get_layer("lstm_2").states]
    for var in states:
        var.assign(np.full(var.shape, 0.7, "float32"))
    _check_layer(spec, model, 1, _sample(spec))  # its input comes through the stateful Bidirectional
    for var in states:
        np.testing.assert_array_equal(var.numpy(), np.float32(0.7))


@st.composite
def small_specs(draw):
    spec = draw(model_specs(max_units=6, max_timesteps=6, max_features=4, head=False))
    pad = draw(st.sampled_from(["post", "pre"]))
    length = draw(st.integers(0, spec["timesteps"]))  # 0: every step masked
    return spec, pad, length, draw(st.integers(0, 2**16))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs())
def test_random_small_specs_match_keras(case):
    spec_dict, pad, length, seed = case
    keras.backend.clear_session()
    spec, model = _model(spec_dict, seed=seed)
    x = _sample(spec, seed=seed, pad=pad if spec.masking else None, length=length)
    for index in range(len(spec.layers)):
        _check_layer(spec, model, index, x)


# ---------------------------------------------------------------- arguments


@pytest.fixture(scope="module")
def two_layers():
    layers = [{"units": 3, "return_sequences": True, "bidirectional": True}, {"units": 2}]
    return _model({"timesteps": 4, "features": 2, "layers": layers, "head": {"units": 1}})[1]


def test_layer_choices(two_layers):
    assert layer_choices(two_layers) == [(0, "bidirectional_1", True), (1, "lstm_2", False)]


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"layer": 5}, "layer", "expected 0 to 1, got 5"),
        ({"layer": -1}, "layer", "expected 0 to 1, got -1"),
        ({"layer": "0"}, "layer", "got '0'"),
        ({"direction": "sideways"}, "direction", "got 'sideways'"),
        ({"layer": 1, "direction": "backward"}, "direction", "not bidirectional"),
        ({"x": np.zeros((1, 4, 2))}, "x", "shape (1, 4, 2)"),
        ({"x": np.zeros((5, 2))}, "x", "expected shape (4, 2)"),
        ({"x": np.zeros((4, 3))}, "x", "got shape (4, 3)"),
    ],
)
def test_wrong_arguments_name_the_argument(two_layers, kwargs, field, words):
    args = {"x": np.zeros((4, 2)), "layer": 0, "direction": "forward"} | kwargs
    with pytest.raises(LstmLabError) as info:
        cell_trace(two_layers, **args)
    assert (info.value.field, info.value.code) == (field, "invalid_trace_argument")
    assert f"argument `{field}`" in str(info.value) and words in str(info.value)


def test_model_without_lstm_layers():
    inputs = keras.Input((4, 2))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    with pytest.raises(LstmLabError, match="argument `model`") as info:
        cell_trace(model, np.zeros((4, 2)))
    assert info.value.field == "model"
    assert layer_choices(model) == []


def test_unknown_activation_is_refused():
    inputs = keras.Input((3, 2))
    model = keras.Model(inputs, keras.layers.LSTM(2, recurrent_activation="softsign")(inputs))
    with pytest.raises(LstmLabError, match="recurrent_activation is 'softsign'") as info:
        cell_trace(model, np.zeros((3, 2)))
    assert (info.value.field, info.value.values) == ("model", {"activation": "softsign"})
