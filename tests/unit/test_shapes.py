"""lstm_lab.model.shapes: per-layer shapes and params from real Keras models, checked against the seeds."""

import json
from pathlib import Path

import pytest

from lstm_lab import LstmLabError, ModelSpec
from lstm_lab.model.shapes import lstm_params, shape_table

EXPECTED = Path(__file__).parent / "expected"

# The seed articles' examples, as model specs; expected tables are stored beside this file.
SEED_MODELS = {
    "lstm64_on_20x128": {"timesteps": 20, "features": 128, "layers": [{"units": 64}], "head": None},
    "lstm128_sequences_on_25x100": {
        "timesteps": 25,
        "features": 100,
        "layers": [{"units": 128, "return_sequences": True}],
        "head": None,
    },
    "stacked_64_32_on_30x50": {
        "timesteps": 30,
        "features": 50,
        "layers": [{"units": 64, "return_sequences": True}, {"units": 32}],
        "head": None,
    },
    "bidirectional_binary_on_20x3": {
        "timesteps": 20,
        "features": 3,
        "layers": [
            {"units": 64, "return_sequences": True, "bidirectional": True},
            {"units": 32, "bidirectional": True},
        ],
        "head": {"units": 1, "activation": "sigmoid"},
    },
    "many_to_many_on_50x1": {
        "timesteps": 50,
        "features": 1,
        "layers": [{"units": 32, "return_sequences": True}],
        "head": {"units": 1, "activation": "linear"},
    },
    "states_bidirectional_none": {
        "timesteps": 10,
        "features": 4,
        "layers": [{"units": 8, "bidirectional": True, "merge_mode": None, "return_state": True}],
        "head": None,
    },
}


def _as_json(rows):
    return json.loads(json.dumps([r.to_dict() for r in rows]))


@pytest.mark.parametrize("name", sorted(SEED_MODELS))
def test_seed_models_match_stored_tables(name):
    rows = shape_table(ModelSpec.from_dict(SEED_MODELS[name]))
    expected = json.loads((EXPECTED / f"{name}.json").read_text())
    assert _as_json(rows) == expected


def test_single_lstm_64_on_20x128():
    rows = shape_table(ModelSpec.from_dict(SEED_MODELS["lstm64_on_20x128"]))
    assert rows[-1].output_shapes == ((None, 64),)
    assert rows[-1].params == 49_408


def test_return_sequences_keeps_the_time_axis():
    rows = shape_table(ModelSpec.from_dict(SEED_MODELS["lstm128_sequences_on_25x100"]))
    assert rows[-1].output_shapes == ((None, 25, 128),)


def test_stacked_64_then_32():
    rows = shape_table(ModelSpec.from_dict(SEED_MODELS["stacked_64_32_on_30x50"]))
    assert [r.output_shapes for r in rows[1:]] == [((None, 30, 64),), ((None, 32),)]
    assert [r.params for r in rows[1:]] == [lstm_params(64, 50), lstm_params(32, 64)]


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("units, features", [(1, 1), (7, 3), (64, 128), (33, 2)])
def test_params_follow_the_formula(units, features, bidirectional):
    spec = ModelSpec.from_dict(
        {"timesteps": 5, "features": features, "layers": [{"units": units, "bidirectional": bidirectional}]}
    )
    rows = shape_table(spec)
    lstm, head = rows[1], rows[2]
    assert lstm.params == 4 * units * (features + units + 1) * (2 if bidirectional else 1)
    width = 2 * units if bidirectional else units
    assert head.params == width * 1 + 1
    assert sum(r.params for r in rows) == lstm.params + head.params
    assert f"= {lstm.params:,}" in lstm.formula


@pytest.mark.parametrize("merge_mode, width", [("concat", 16), ("sum", 8), ("mul", 8), ("ave", 8)])
def test_merge_modes(merge_mode, width):
    spec = ModelSpec.from_dict(
        {"timesteps": 6, "features": 2, "layers": [{"units": 8, "bidirectional": True, "merge_mode": merge_mode}]}
    )
    assert shape_table(spec)[1].output_shapes == ((None, width),)


def test_return_state_adds_h_and_c_and_the_head_takes_the_main_output():
    spec = ModelSpec.from_dict({"timesteps": 6, "features": 2, "layers": [{"units": 8, "return_state": True}]})
    rows = shape_table(spec)
    assert rows[1].output_shapes == (
        (None, 8),
        (None, 8),
        (None, 8),
    )
    assert rows[1].output_names[1].startswith("h") and rows[1].output_names[2].startswith("c")
    assert rows[2].output_shapes == ((None, 1),)


def test_head_after_sequences_acts_per_timestep():
    rows = shape_table(ModelSpec.from_dict(SEED_MODELS["many_to_many_on_50x1"]))
    assert rows[-1].output_shapes == ((None, 50, 1),)
    assert "per timestep" in rows[-1].output_names[0]
    assert rows[-1].params == 32 + 1


def test_stacking_without_return_sequences_gives_keras_own_message():
    spec = ModelSpec.from_dict({"timesteps": 30, "features": 50, "layers": [{"units": 64}, {"units": 32}]})
    with pytest.raises(LstmLabError) as err:
        shape_table(spec)
    assert "expected ndim=3, found ndim=2" in err.value.keras_message
    assert err.value.code == "no_time_axis" and err.value.field == "model.layers.0.return_sequences"


def test_return_state_in_the_middle_gives_keras_own_message():
    spec = ModelSpec.from_dict({"layers": [{"units": 8, "return_sequences": True, "return_state": True}, {"units": 4}]})
    with pytest.raises(LstmLabError) as err:
        shape_table(spec)
    assert "expects 1 input(s), but it received 3 input tensors" in err.value.keras_message


def test_masking_layer_appears_in_the_table():
    spec = ModelSpec.from_dict({"timesteps": 9, "features": 2, "masking": True})
    rows = shape_table(spec)
    assert [r.kind for r in rows] == ["Input", "Masking", "LSTM", "Dense"]
    assert rows[1].output_shapes == ((None, 9, 2),)
