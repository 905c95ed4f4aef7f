"""lstm_lab.spec: defaults, round trips, and Keras-style messages for bad settings."""

import pytest

from lstm_lab import LabSpec, LayerSpec, LstmLabError, ModelSpec
from lstm_lab.spec import get_path, set_path


def test_missing_keys_take_defaults():
    spec = ModelSpec.from_dict({"timesteps": 20, "features": 128, "layers": [{"units": 64}]})
    assert spec.layers == [LayerSpec(units=64)]
    assert spec.head.units == 1 and spec.head.activation == "linear"


def test_round_trip_through_dict():
    d = {
        "timesteps": 30,
        "features": 50,
        "layers": [
            {"units": 64, "return_sequences": True, "bidirectional": True, "merge_mode": "sum"},
            {"units": 32, "return_state": True},
        ],
        "head": None,
    }
    spec = ModelSpec.from_dict(d)
    assert ModelSpec.from_dict(spec.to_dict()) == spec
    assert spec.to_dict()["layers"][0]["merge_mode"] == "sum"


def test_lab_round_trip_and_model_takes_window():
    lab = LabSpec.from_dict({"data": {"timesteps": 12}, "seed": 7})
    assert LabSpec.from_dict(lab.to_dict()) == lab
    model = lab.model_spec(features=3)
    assert (model.timesteps, model.features) == (12, 3)


@pytest.mark.parametrize(
    "d, field, fragment",
    [
        ({"layers": [{"units": 0}]}, "model.layers.0.units", "expected an integer of at least 1, got 0"),
        ({"layers": [{"units": "64"}]}, "model.layers.0.units", "got '64'"),
        ({"layers": [{"merge_mode": "max"}]}, "model.layers.0.merge_mode", "'concat', 'sum', 'mul', 'ave', None"),
        ({"layers": [{"dropout": 1.0}]}, "model.layers.0.dropout", "below 1.0"),
        ({"layers": [{"return_sequences": "yes"}]}, "model.layers.0.return_sequences", "true or false"),
        ({"layers": []}, "model.layers", "non-empty list"),
        ({"timesteps": -1}, "model.timesteps", "at least 1"),
        ({"head": {"activation": "gelu"}}, "model.head.activation", "'softmax'"),
    ],
)
def test_bad_values_name_field_allowed_and_received(d, field, fragment):
    with pytest.raises(LstmLabError) as err:
        ModelSpec.from_dict(d)
    assert err.value.field == field and err.value.code == "invalid_value"
    assert f"`{field}`" in err.value.message
    assert fragment in err.value.message


def test_unknown_key_is_rejected_with_the_allowed_ones():
    with pytest.raises(LstmLabError, match="Unknown setting 'unit'.*allowed: .*units"):
        ModelSpec.from_dict({"layers": [{"unit": 3}]})


def test_stateful_needs_a_batch_size():
    from lstm_lab.model.build import build_model

    with pytest.raises(LstmLabError, match="batch_size"):
        build_model(ModelSpec.from_dict({"stateful": True}))
    lab = LabSpec.from_dict({"model": {"stateful": True}, "train": {"batch_size": 16}})
    assert lab.model_spec(features=2).batch_size == 16


def test_paths_read_and_write_nested_settings():
    d = LabSpec().to_dict()
    d2 = set_path(d, "model.layers.0.units", 99)
    assert get_path(d2, "model.layers.0.units") == 99
    assert get_path(d, "model.layers.0.units") == 32  # the original is untouched
