"""Presets build what they promise; a lab survives the trip through the URL."""

import pytest

from lstm_lab import LabSpec, LstmLabError
from lstm_lab.data.columns import input_shape
from lstm_lab.data.generate import generated
from lstm_lab.data.window import window_summary
from lstm_lab.model.shapes import shape_table
from lstm_lab.model.task import check_targets
from lstm_lab.presets import PRESETS, preset_lab
from lstm_lab.share import from_query, to_query


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_each_preset_builds_and_fits_its_data(name):
    lab = LabSpec.from_dict(preset_lab(name))
    data = generated(lab.data, lab.seed)
    timesteps, features = input_shape(data, lab.data)
    spec = lab.model_spec(features, timesteps)
    if name == "broken-stack":
        with pytest.raises(LstmLabError, match="return_sequences|ndim"):
            shape_table(spec)
        return
    rows = shape_table(spec)
    summary = window_summary(data, lab.data)
    classes = len(data.class_names) if data.class_names else 2
    check_targets(rows[-1].output_shapes[0], summary.y, lab.data.task, classes)


def test_seed_examples_are_presets():
    lab = LabSpec.from_dict(preset_lab("single-lstm"))
    rows = shape_table(lab.model_spec(features=lab.data.channels))
    assert rows[1].output_shapes == ((None, 64),) and rows[1].params == 49_408
    lab = LabSpec.from_dict(preset_lab("stacked"))
    rows = shape_table(lab.model_spec(features=lab.data.channels))
    assert [r.output_shapes[0] for r in rows[1:3]] == [(None, 30, 64), (None, 32)]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_round_trips_through_the_url(name):
    lab = LabSpec.from_dict(preset_lab(name, seed=7))
    back, problems = from_query(to_query(lab))
    assert problems == []
    assert LabSpec.from_dict(back) == lab


def test_defaults_make_an_empty_query():
    assert to_query(LabSpec()) == {}


def test_bad_parameters_are_ignored_with_a_message():
    lab, problems = from_query({"timesteps": "abc", "layers": "64+wat", "epochs": "3", "units": "9"})
    assert lab["train"]["epochs"] == 3
    assert lab["data"]["timesteps"] == 20 and lab["model"]["layers"][0]["units"] == 32
    assert len(problems) == 3
    assert any("unknown layer flag 'wat'" in p for p in problems)
    assert "Ignored `timesteps=abc` from the link: expected a whole number." in problems
    assert not any("invalid literal" in p for p in problems)  # Python's wording never reaches the user


def test_out_of_range_values_are_ignored_not_raised():
    lab, problems = from_query({"learning_rate": "-1", "seed": "1e99", "masking": "maybe"})
    assert LabSpec.from_dict(lab) == LabSpec()
    assert len(problems) == 3


def test_parsed_labs_are_complete_dicts():
    lab, problems = from_query({"layers": "64+seq+bi,32+state", "head": "none"})
    assert problems == []
    assert lab["model"]["layers"][1] == {**LabSpec().model.layers[0].to_dict(), "units": 32, "return_state": True}
    assert to_query(LabSpec.from_dict(lab)) == {"layers": "64+seq+bi,32+state", "head": "none"}
