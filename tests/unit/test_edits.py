"""lstm_lab.edits: every rule of what else changes when a setting changes, without Streamlit."""

import numpy as np
import pandas as pd
import pytest

from lstm_lab import LabSpec, LstmLabError
from lstm_lab.data.dataset import Dataset
from lstm_lab.data.generate import generated
from lstm_lab.data.sources import dataset_for
from lstm_lab.edits import (
    after_upload,
    apply_fix,
    fit_to_task,
    load_preset,
    resize_stack,
    set_columns,
    set_head,
    set_setting,
)
from lstm_lab.presets import preset_lab
from lstm_lab.teach.explain import Fix


def builtin(lab):
    return generated(lab.data, lab.seed)


def with_upload(upload):
    return lambda lab: dataset_for(lab, upload, generated)


def test_a_plain_setting_changes_only_itself():
    lab = LabSpec()
    edit = set_setting(lab, "model.layers.0.units", 64, builtin)
    assert edit.lab.model.layers[0].units == 64 and edit.notes == ()
    assert edit.lab.to_dict() | {"model": None} == lab.to_dict() | {"model": None}


def test_an_invalid_value_raises_and_changes_nothing():
    lab = LabSpec()
    with pytest.raises(LstmLabError, match="model.layers.0.units") as err:
        set_setting(lab, "model.layers.0.units", 0, builtin)
    assert err.value.code == "invalid_value"
    assert lab == LabSpec()


def test_a_new_source_brings_its_task_head_and_default_columns():
    lab = LabSpec.from_dict({"data": {"targets": ["sine_1"], "target_mode": "next_k", "horizon": 3},
                             "train": {"loss": "mae"}})  # fmt: skip
    edit = set_setting(lab, "data.source", "frequency", builtin)
    d = edit.lab.data
    assert (d.task, d.targets, d.target_mode, edit.lab.train.loss) == ("multiclass", [], "next", "auto")
    assert edit.lab.model.head.to_dict() == {"units": 3, "activation": "softmax"}
    assert any("Head set to Dense(3" in n for n in edit.notes)


def test_variable_length_data_turns_masking_on():
    edit = set_setting(LabSpec(), "data.source", "varlen", builtin)
    assert edit.lab.model.masking and edit.lab.data.task == "binary"
    assert any("Masking turned on" in n for n in edit.notes)


def test_other_channels_reset_the_columns_but_keep_the_task_and_target_mode():
    lab = LabSpec.from_dict(preset_lab("many-to-many"))
    lab = set_columns(lab, ["sine_1"], ["sine_1"], builtin).lab
    edit = set_setting(lab, "data.channels", 3, builtin)
    assert (edit.lab.data.features, edit.lab.data.targets) == ([], [])
    assert edit.lab.data.target_mode == "seq2seq" and edit.lab.model.layers[-1].return_sequences


def test_a_new_task_resets_target_loss_and_mode_and_refits_the_head():
    lab = LabSpec.from_dict({"data": {"target_mode": "next_k", "horizon": 4}, "train": {"loss": "huber"}})
    edit = set_setting(lab, "data.task", "binary", builtin)
    assert (edit.lab.data.target_mode, edit.lab.train.loss, edit.lab.data.targets) == ("next", "auto", [])
    assert edit.lab.model.head.to_dict() == {"units": 1, "activation": "sigmoid"}


def test_seq2seq_makes_the_last_layer_return_sequences_and_back():
    lab = LabSpec.from_dict({"model": {"layers": [{"units": 8, "return_sequences": True}, {"units": 4}]}})
    on = set_setting(lab, "data.target_mode", "seq2seq", builtin)
    assert on.lab.model.layers[-1].return_sequences
    assert "return_sequences=True" in " ".join(on.notes)
    off = set_setting(on.lab, "data.target_mode", "next", builtin)
    assert not off.lab.model.layers[-1].return_sequences and off.lab.model.layers[0].return_sequences


def test_the_horizon_sizes_a_next_k_head():
    lab = LabSpec.from_dict({"data": {"target_mode": "next_k"}})
    assert set_setting(lab, "data.horizon", 7, builtin).lab.model.head.units == 7


def test_columns_size_the_head():
    lab = LabSpec.from_dict({"data": {"channels": 3}})
    edit = set_columns(lab, ["sine_1", "sine_2"], ["sine_2", "sine_3"], builtin)
    assert edit.lab.data.features == ["sine_1", "sine_2"] and edit.lab.model.head.units == 2


def test_an_uploaded_series_starts_as_a_regression_on_its_own_columns():
    table = pd.DataFrame({"temp": np.sin(np.arange(50.0)), "wind": np.cos(np.arange(50.0))})
    upload = Dataset("weather.csv", table=table)
    lab = LabSpec.from_dict({"data": {"task": "binary", "features": ["sine_1"], "target_mode": "next"}})
    edit = after_upload(lab, with_upload(upload))
    d = edit.lab.data
    assert (d.source, d.task, d.features, d.targets) == ("upload", "regression", [], [])
    assert edit.lab.model.head.to_dict() == {"units": 1, "activation": "linear"}


def test_uploaded_sequences_keep_the_task_chosen():
    upload = Dataset("seq.npz", X=np.zeros((30, 5, 2), dtype=np.float32), y=np.arange(30) % 3)
    lab = LabSpec.from_dict({"data": {"source": "upload", "task": "multiclass"}})
    edit = after_upload(lab, with_upload(upload))
    assert edit.lab.data.task == "multiclass" and edit.lab.model.head.units == 3


def test_a_lab_whose_data_cannot_be_read_is_left_as_it_is():
    lab = LabSpec.from_dict({"data": {"source": "upload"}})
    assert fit_to_task(lab, with_upload(None)).lab == lab


def test_growing_the_stack_returns_sequences_below_and_moves_the_state_up():
    lab = LabSpec.from_dict({"model": {"layers": [{"units": 8, "return_state": True}]}})
    edit = resize_stack(lab, 3)
    layers = edit.lab.model.layers
    assert [la.return_sequences for la in layers] == [True, True, False]
    assert [la.return_state for la in layers] == [False, False, True]
    assert edit.notes[0].startswith("3 LSTM layers stacked")
    assert any("`return_state` moved" in n for n in edit.notes)
    shrunk = resize_stack(edit.lab, 1).lab
    assert shrunk.model.layers[0].return_state and not shrunk.model.layers[0].return_sequences


def test_the_head_on_and_off():
    off = set_head(LabSpec(), False)
    assert off.lab.model.head is None and "head off" in off.notes[0]
    assert set_head(off.lab, True).lab.model.head.to_dict() == {"units": 1, "activation": "linear"}


def test_a_fix_is_applied_and_said():
    lab = LabSpec.from_dict({"model": {"layers": [{"units": 8}, {"units": 4}]}})
    edit = apply_fix(lab, Fix("Turn on return_sequences in layer 1", {"model.layers.0.return_sequences": True}))
    assert edit.lab.model.layers[0].return_sequences
    assert edit.notes == ("Applied: Turn on return_sequences in layer 1.",)


def test_a_preset_keeps_the_seed_and_says_what_it_is():
    edit = load_preset("stacked", seed=42)
    assert edit.lab.seed == 42 and edit.lab.model.layers[0].units == 64
    assert edit.notes[0].startswith("Preset loaded: Stacked LSTM")
    with pytest.raises(LstmLabError, match="No preset called"):
        load_preset("nope", seed=0)
