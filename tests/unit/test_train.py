"""lstm_lab.model.train: real Keras training on tiny data, in this process."""

import io
import zipfile

import numpy as np
import pytest

from lstm_lab import LabSpec, LstmLabError
from lstm_lab.data.generate import sine_table
from lstm_lab.model.task import check_targets
from lstm_lab.model.train import ProgressTracker, train

TINY = {"data": {"rows": 160, "timesteps": 8}, "model": {"layers": [{"units": 4}]}, "train": {"epochs": 2}}


def _lab(**overrides):
    d = {k: dict(v) for k, v in TINY.items()}
    for path, value in overrides.items():
        section, key = path.split(".")
        d[section][key] = value
    return LabSpec.from_dict(d)


def test_two_epochs_give_history_predictions_and_a_model_file():
    lab = _lab()
    result = train(lab, sine_table(160, 1, 0.1, 0))
    assert result.state == "done"
    assert [h["epoch"] for h in result.history] == [1, 2]
    assert all(np.isfinite(h["loss"]) and np.isfinite(h["val_loss"]) for h in result.history)
    pred = result.predictions
    assert len(pred.rows) == len(pred.actual) == len(pred.predicted) > 0
    assert pred.metrics["rmse"] >= pred.metrics["mae"] > 0
    assert zipfile.is_zipfile(io.BytesIO(result.model_bytes))


def test_each_target_has_metrics_in_its_own_units():
    data = sine_table(160, 2, 0.1, 0)
    data.table["sine_2"] *= 1000
    lab = _lab(**{"data.targets": ["sine_1", "sine_2"], "model.head": {"units": 2, "activation": "linear"}})
    pred = train(lab, data).predictions
    actual, predicted = np.asarray(pred.actual), np.asarray(pred.predicted)
    small, big = pred.target_metrics
    assert small["mae"] == pytest.approx(np.mean(np.abs(predicted[:, 0] - actual[:, 0])))
    assert big["mae"] == pytest.approx(np.mean(np.abs(predicted[:, 1] - actual[:, 1])))
    assert big["mae"] > 50 * small["mae"]


def test_same_seed_same_loss_curve():
    a = train(_lab(), sine_table(160, 1, 0.1, 0)).history
    b = train(_lab(), sine_table(160, 1, 0.1, 0)).history
    assert [h["loss"] for h in a] == [h["loss"] for h in b]


def test_stop_keeps_the_partly_trained_model():
    progress = ProgressTracker()
    progress.stop()
    result = train(_lab(**{"train.epochs": 50}), sine_table(160, 1, 0.1, 0), progress)
    assert result.state == "stopped"
    assert len(result.history) <= 1
    assert "Stopped by you" in result.message
    assert result.model_bytes


def test_exploding_loss_stops_with_advice_and_keeps_good_weights():
    ds = sine_table(160, 1, 0.0, 0)
    ds.table["sine_1"] *= 1e25  # unscaled values this large overflow the squared error
    result = train(_lab(**{"data.scaling": "none"}), ds)
    assert result.state == "failed"
    assert "learning rate" in result.message and "scale the data" in result.message
    assert result.model_bytes


@pytest.mark.parametrize(
    "out, y, fragment",
    [
        ((None, 8, 1), (100, 1), "one prediction per timestep"),
        ((None, 1), (100, 8, 1), "Turn `return_sequences` on"),
        ((None, 3), (100, 1), "Set the head's `units` to 1"),
    ],
)
def test_output_and_target_shapes_must_agree(out, y, fragment):
    with pytest.raises(LstmLabError, match=fragment):
        check_targets(out, y)
    check_targets((None, *y[1:]), y)  # matching shapes pass


def test_classification_heads_must_fit_the_classes():
    with pytest.raises(LstmLabError, match="3 classes need.*Set the head's `units` to 3"):
        check_targets((None, 1), (10,), "multiclass", 3)
    check_targets((None, 3), (10,), "multiclass", 3)
    with pytest.raises(LstmLabError, match="one prediction per timestep"):
        check_targets((None, 4, 1), (10,), "binary")


def test_binary_classification_on_generated_trends():
    from lstm_lab.data.generate import trend_sequences

    lab = LabSpec.from_dict(
        {
            "data": {"source": "trend", "task": "binary", "rows": 120, "timesteps": 10},
            "model": {"layers": [{"units": 4}], "head": {"units": 1, "activation": "sigmoid"}},
            "train": {"epochs": 2},
        }
    )
    result = train(lab, trend_sequences(120, 10, 1, 0.1, 0))
    pred = result.predictions
    assert result.state == "done" and pred.kind == "classification"
    assert pred.class_names == ["down", "up"]
    assert sum(map(sum, pred.confusion)) == len(pred.actual) == 18
    assert 0 <= pred.metrics["accuracy"] <= 1
    assert all(abs(sum(p) - 1) < 1e-3 for p in pred.probabilities)


def test_multiclass_on_variable_length_sequences_with_masking():
    from lstm_lab.data.generate import frequency_sequences

    lab = LabSpec.from_dict(
        {
            "data": {"source": "frequency", "task": "multiclass", "rows": 90, "timesteps": 12},
            "model": {"layers": [{"units": 4}], "head": {"units": 3, "activation": "softmax"}, "masking": True},
            "train": {"epochs": 1},
        }
    )
    result = train(lab, frequency_sequences(90, 12, 1, 0.1, 0))
    assert result.state == "done"
    assert len(result.predictions.confusion) == 3


def test_forward_pass_in_padded_chunks_matches_keras_predict():
    import keras

    from lstm_lab.data.window import prepare
    from lstm_lab.model.build import build_model
    from lstm_lab.model.train import Forward

    lab = _lab(**{"model.layers": [{"units": 4, "bidirectional": True}]})
    prep = prepare(sine_table(160, 1, 0.1, 0), lab.data)
    keras.utils.set_random_seed(0)
    model = build_model(lab.model_spec(features=prep.X.shape[2], timesteps=prep.X.shape[1]))
    x = np.ascontiguousarray(prep.X[:23], dtype=np.float32)
    forward = Forward(model, prep, chunk=5)  # 23 windows: four full chunks and one padded with zeros
    np.testing.assert_allclose(forward(x), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_predictions_are_refreshed_while_training_and_match_the_final_ones():
    refreshed_at = []

    class Watched(ProgressTracker):
        def update(self, **values):
            if "predictions" in values and self.state == "training":
                refreshed_at.append(self.epoch)
            super().update(**values)

    result = train(_lab(**{"train.epochs": 5}), sine_table(160, 1, 0.1, 0), Watched())
    assert result.state == "done"
    assert refreshed_at and refreshed_at[0] == 1  # the first refresh comes with the first epoch
    assert len(result.predictions.predicted) == len(result.predictions.actual) > 0


@pytest.mark.parametrize("stateful", [False, True])
def test_live_predictions_do_not_change_what_training_learns(stateful):
    import keras

    from lstm_lab.data.window import prepare
    from lstm_lab.model.build import build_model
    from lstm_lab.model.task import loss_for

    layers = [{"units": 4, "return_sequences": True}, {"units": 3, "bidirectional": True}]
    lab = _lab(**{"model.layers": layers, "model.stateful": stateful, "train.batch_size": 1 if stateful else 32,
                  "train.epochs": 3})  # fmt: skip
    data = sine_table(160, 1, 0.1, 0)
    app = [h["loss"] for h in train(lab, data).history]

    prep = prepare(data, lab.data)  # the same model, seed and data through a plain fit
    keras.utils.set_random_seed(lab.seed)
    plain = build_model(lab.model_spec(features=prep.X.shape[2], timesteps=prep.X.shape[1]))
    loss, metrics = loss_for(lab.data.task, lab.train.loss)
    plain.compile(optimizer=keras.optimizers.Adam(lab.train.learning_rate), loss=loss, metrics=metrics)
    x, y = (np.ascontiguousarray(a, dtype=np.float32) for a in prep.part("train"))
    val = tuple(np.ascontiguousarray(a, dtype=np.float32) for a in prep.part("val"))
    history = plain.fit(x, y, batch_size=lab.train.batch_size, epochs=3, shuffle=True, validation_data=val, verbose=0)
    assert app == history.history["loss"]
