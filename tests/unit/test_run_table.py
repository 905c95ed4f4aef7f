"""lstm_lab.run_table: which settings differ between runs, and a classification run's row."""

from lstm_lab.records import ClassificationPredictions, Progress
from lstm_lab.run_table import RunView, differing, table


def lab(units: int, bidirectional: bool = False) -> dict:
    return {"seed": 1, "model": {"layers": [{"units": units, "bidirectional": bidirectional}]},
            "dataset": ("weather.csv", 160)}  # fmt: skip


def test_only_what_differs_becomes_a_column_and_a_missing_layer_counts():
    labs = [lab(4), lab(4, True), {**lab(4), "model": {"layers": [{"units": 4}, {"units": 2}]}}]
    assert differing(labs) == ["model.layers.0.bidirectional", "model.layers.1.units"]
    assert differing([lab(4), {**lab(4), "dataset": ("other.csv", 160)}]) == ["data.file"]


def test_a_classification_run_shows_accuracy_beside_its_baseline():
    pred = ClassificationPredictions([0, 1], True, ["down", "up"], [0, 1], [0, 0], [[0.9, 0.1], [0.6, 0.4]],
                                     [[1, 0], [1, 0]], {"accuracy": 0.5, "baseline_accuracy": 0.25})  # fmt: skip
    done = Progress("done", 1, 1, history=({"epoch": 1, "loss": 0.7, "seconds": 2.25},), predictions=pred, params=99)
    row = table([RunView("r1", 1, 0.0, done, lab(4)), RunView("r2", 2, 0.0, done, lab(8, True))])[1]
    assert (row["Accuracy"], row["Baseline accuracy"], row["Params"], row["Seconds"]) == ("50.0%", "25.0%", "99", "2.2")
    assert (row["model.layers.0.units"], row["model.layers.0.bidirectional"], row["Val loss"]) == ("8", "on", "")
