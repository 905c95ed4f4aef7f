"""lstm_lab.teach.explain: real Keras errors get plain words and a fix that makes the model build."""

from dataclasses import replace

import pytest

from lstm_lab import LabSpec, LstmLabError
from lstm_lab.edits import apply_fix
from lstm_lab.model.shapes import shape_table
from lstm_lab.model.task import check_targets, fit_problems
from lstm_lab.teach.changes import describe_change
from lstm_lab.teach.explain import explain, longest_window


def _lab(layers, head=None, **data):
    d = {"data": {"timesteps": 10, **data}, "model": {"layers": layers}}
    if head is not False:
        d["model"]["head"] = head or {"units": 1, "activation": "linear"}
    else:
        d["model"]["head"] = None
    return LabSpec.from_dict(d)


def _error_and_fix(lab):
    with pytest.raises(LstmLabError) as err:
        shape_table(lab.model_spec(features=2))
    ex = explain(err.value, lab)
    assert ex.fixes, ex
    fixed = apply_fix(lab, ex.fixes[0]).lab
    return err.value, ex, fixed


def test_stacking_after_a_layer_without_sequences():
    err, ex, fixed = _error_and_fix(_lab([{"units": 8}, {"units": 4}]))
    assert "expected ndim=3, found ndim=2" in err.keras_message
    assert err.code == "no_time_axis" and err.field == "model.layers.0.return_sequences"
    assert "Layer 1 has `return_sequences` off" in ex.plain
    assert fixed.model.layers[0].return_sequences
    assert shape_table(fixed.model_spec(2))[2].output_shapes == ((None, 4),)


def test_return_state_in_the_middle():
    err, ex, fixed = _error_and_fix(_lab([{"units": 8, "return_sequences": True, "return_state": True}, {"units": 4}]))
    assert "received 3 input tensors" in err.keras_message
    assert ex.title == "`return_state` in the middle of a stack"
    assert not fixed.model.layers[0].return_state
    shape_table(fixed.model_spec(2))


def test_merge_mode_none_before_a_head():
    lab = _lab([{"units": 8, "bidirectional": True, "merge_mode": None}])
    err, ex, fixed = _error_and_fix(lab)
    assert "received 2 input tensors" in err.keras_message
    assert fixed.model.layers[0].merge_mode == "concat"
    assert shape_table(fixed.model_spec(2))[1].output_shapes == ((None, 16),)


def test_head_after_sequences_against_single_targets():
    lab = _lab([{"units": 8, "return_sequences": True}])
    out = shape_table(lab.model_spec(2))[-1].output_shapes[0]
    with pytest.raises(LstmLabError) as err:
        check_targets(out, (100, 1))
    assert err.value.code == "per_timestep_output" and err.value.field == "model.layers.0.return_sequences"
    ex = explain(err.value, lab)
    assert [f.label for f in ex.fixes] == [
        "Turn off return_sequences in the last layer",
        "Predict the whole sequence (seq2seq)",
    ]
    fixed = apply_fix(lab, ex.fixes[0]).lab
    check_targets(shape_table(fixed.model_spec(2))[-1].output_shapes[0], (100, 1))


def test_head_width_for_classes():
    lab = _lab([{"units": 8}], task="multiclass")
    with pytest.raises(LstmLabError) as err:
        check_targets((None, 1), (50,), "multiclass", 3)
    fixed = apply_fix(lab, explain(err.value, lab).fixes[0]).lab
    assert fixed.model.head.units == 3


def test_timesteps_longer_than_the_series():
    from lstm_lab.data.generate import sine_table
    from lstm_lab.data.window import window_summary

    lab = _lab([{"units": 4}], timesteps=180)
    data = sine_table(150, 1, 0.1, 0)
    with pytest.raises(LstmLabError) as err:
        window_summary(data, lab.data)
    ex = explain(err.value, lab, rows=150)
    fixed = apply_fix(lab, ex.fixes[0]).lab
    assert fixed.data.timesteps == longest_window(150, lab)
    assert f"`timesteps`={fixed.data.timesteps}." in ex.plain  # the advice and the Fix agree
    assert window_summary(data, fixed.data).test >= 1


def test_stateful_batch_that_does_not_divide():
    lab = LabSpec.from_dict({"model": {"stateful": True}, "train": {"batch_size": 32}})
    [problem] = fit_problems(lab, (32, 1), (100, 1), (70, 15, 15))
    ex = explain(problem, lab)
    assert "32 does not divide" in ex.plain.replace(",", "")
    assert ex.fixes[0].changes == {"train.batch_size": 5}
    assert fit_problems(replace(lab, train=replace(lab.train, batch_size=16)), (16, 1), (96, 1), (64, 16, 16)) == []


def test_explanations_follow_the_code_not_the_wording():
    lab = _lab([{"units": 8}], task="multiclass")
    reworded = LstmLabError("Entirely different words.", code="output_width", expected=3, output=(None, 1),
                            target=(None, 3))  # fmt: skip
    assert explain(reworded, lab).fixes[0].changes == {"model.head": {"units": 3, "activation": "linear"}}
    assert explain(LstmLabError("Set the head's `units` to 3."), lab).fixes == []  # no code, no fix


def test_one_line_for_each_change():
    before = shape_table(_lab([{"units": 8}], head=False).model_spec(2))
    after = shape_table(_lab([{"units": 8, "return_sequences": True}], head=False).model_spec(2))
    line = describe_change("model.layers.0.return_sequences", True, before, after)
    assert line == (
        "return_sequences on (layer 1): the output keeps the time axis (one vector per timestep), "
        "(None, 8) → (None, 10, 8)"
    )
    bidir = shape_table(_lab([{"units": 8, "bidirectional": True}], head=False).model_spec(2))
    assert describe_change("model.layers.0.bidirectional", True, before, bidir).endswith("(None, 8) → (None, 16)")
    assert "no shape changes" in describe_change("model.layers.0.dropout", 0.2, before, before)
    masked = shape_table(replace(_lab([{"units": 8}], head=False).model_spec(2), masking=True))
    line = describe_change("model.masking", True, before, masked)
    assert line.endswith("shapes stay the same")  # the added Masking row is not compared with the LSTM row


def test_stateful_bidirectional_with_states_is_explained():
    lab = LabSpec.from_dict(
        {"model": {"stateful": True, "layers": [{"units": 4, "bidirectional": True, "return_state": True}]},
         "train": {"batch_size": 8}}
    )  # fmt: skip
    with pytest.raises(LstmLabError) as err:
        shape_table(lab.model_spec(features=2))
    ex = explain(err.value, lab)
    assert ex.title == "Keras cannot return the states of a stateful Bidirectional LSTM"
    fixed = apply_fix(lab, ex.fixes[0]).lab
    shape_table(fixed.model_spec(features=2))


def test_sequences_without_a_features_axis():
    import io

    import numpy as np

    from lstm_lab.data.columns import input_shape
    from lstm_lab.data.upload import load_upload

    buffer = io.BytesIO()
    np.savez(buffer, X=np.random.default_rng(0).standard_normal((40, 12)), y=np.arange(40) % 2)
    data = load_upload(buffer.getvalue(), "waves.npz", "refuse")
    assert data.missing_feature_axis and data.X.shape == (40, 12)
    lab = LabSpec.from_dict({"data": {"source": "upload", "task": "binary"}})
    timesteps, features = input_shape(data, lab.data)
    assert (timesteps, features) == (12, 0)
    with pytest.raises(LstmLabError) as err:
        shape_table(lab.model_spec(features, timesteps))
    assert "expected ndim=3, found ndim=2. Full shape received: (None, 12)" in err.value.keras_message
    ex = explain(err.value, lab)
    assert ex.title == "The data has no features axis"
    assert ex.fixes[0].changes == {"data.add_feature_axis": True}
    assert shape_table(lab.model_spec(1, timesteps))[0].output_shapes == ((None, 12, 1),)
