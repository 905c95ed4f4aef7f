"""The CSV files a user downloads: one row per sample or epoch, readable numbers."""

import io

import pandas as pd

from lstm_lab.export.files import history_csv, predictions_csv
from lstm_lab.records import ClassificationPredictions, RegressionPredictions


def test_predictions_csv_has_readable_values_and_times():
    pred = RegressionPredictions(
        rows=[3, 4],
        x_is_time=True,
        target_names=["temp"],
        actual=[[24.919999773262987], [25.0]],
        predicted=[[24.5], [25.100000381469727]],
        metrics={},
        target_metrics=[],
    )
    time = pd.date_range("2024-01-01", periods=5, freq="D").to_numpy()
    text = predictions_csv(pred, time)
    assert "24.92," in text and "25.1\n" in text
    frame = pd.read_csv(io.StringIO(text))
    assert list(frame.columns) == ["row", "time", "actual_temp", "predicted_temp"]
    assert frame["time"].tolist() == ["2024-01-04", "2024-01-05"]


def test_classification_csv_names_the_classes():
    pred = ClassificationPredictions(
        rows=[0, 1],
        x_is_time=False,
        class_names=["down", "up"],
        actual=[0, 1],
        predicted=[1, 1],
        probabilities=[[0.4, 0.6], [0.1, 0.9]],
        confusion=[[0, 1], [0, 1]],
        metrics={},
    )
    frame = pd.read_csv(io.StringIO(predictions_csv(pred)))
    assert frame["actual"].tolist() == ["down", "up"] and frame["p_up"].tolist() == [0.6, 0.9]


def test_history_csv_one_row_per_epoch():
    frame = pd.read_csv(io.StringIO(history_csv([{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.25}])))
    assert frame["loss"].tolist() == [0.5, 0.25]
