"""Predictions in the data's own units, with metrics and a naive baseline to beat."""

from __future__ import annotations

import numpy as np

from lstm_lab.data.pipeline import unscale
from lstm_lab.data.window import Prepared
from lstm_lab.records import ClassificationPredictions, Predictions, RegressionPredictions
from lstm_lab.spec import DataSpec


def predictions_view(prep: Prepared, y_pred: np.ndarray, spec: DataSpec) -> Predictions:
    """Compare the test samples' predictions with their actual values (see :func:`regression_view` and
    :func:`classification_view`)."""
    if prep.task == "regression":
        return regression_view(prep, y_pred, spec)
    return classification_view(prep, y_pred)


def regression_view(prep: Prepared, y_pred: np.ndarray, spec: DataSpec) -> RegressionPredictions:
    """Actual against predicted values, back in the data's units.

    For multi-step targets the chart line shows the first step ahead (``next_k``) or the last
    step of each predicted sequence (``seq2seq``); the metrics use every predicted value. The
    baseline repeats the last value seen (a series) or predicts the training mean (sequences).
    """
    k = len(prep.target_names)
    _, y_test = prep.part("test")
    start = prep.n_train + prep.n_val
    rows = prep.rows[start:]
    actual = _steps(y_test, k)
    predicted = _steps(np.asarray(y_pred).reshape(y_test.shape), k)
    if prep.is_series:
        past = _steps(prep.scaled_targets[_persistence_rows(rows, actual.shape[1], spec)], k)
    else:
        past = np.broadcast_to(_steps(prep.part("train")[1], k).mean(axis=(0, 1)), actual.shape)
    actual, predicted, past = (unscale(a, prep.target_scaler) for a in (actual, predicted, past))
    seq2seq = prep.is_series and spec.target_mode == "seq2seq"
    line = -1 if seq2seq else 0
    return RegressionPredictions(
        rows=(rows + (spec.timesteps - 1 if seq2seq else 0)).tolist(),
        x_is_time=prep.is_series,
        target_names=list(prep.target_names),
        actual=actual[:, line, :].tolist(),
        predicted=predicted[:, line, :].tolist(),
        metrics={**_errors(actual, predicted, ""), **_errors(actual, past, "baseline_")},
        target_metrics=[
            {**_errors(actual[..., j], predicted[..., j], ""), **_errors(actual[..., j], past[..., j], "baseline_")}
            for j in range(k)
        ],
    )


def classification_view(prep: Prepared, y_pred: np.ndarray) -> ClassificationPredictions:
    """Predicted classes and probabilities against the actual labels; the baseline always answers the
    most common training label."""
    _, y_test = prep.part("test")
    _, y_train = prep.part("train")
    n_classes = len(prep.class_names)
    p = np.asarray(y_pred, dtype=np.float64).reshape(len(y_test), -1)
    probabilities = np.hstack([1 - p, p]) if p.shape[1] == 1 else p
    predicted = probabilities.argmax(axis=1)
    actual = np.asarray(y_test).astype(int)
    confusion = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(confusion, (actual, predicted), 1)
    majority = np.bincount(np.asarray(y_train).astype(int), minlength=n_classes).argmax()
    return ClassificationPredictions(
        rows=prep.rows[prep.n_train + prep.n_val :].tolist(),
        x_is_time=prep.is_series,
        class_names=list(prep.class_names),
        actual=actual.tolist(),
        predicted=predicted.tolist(),
        probabilities=probabilities.round(4).tolist(),
        confusion=confusion.tolist(),
        metrics={
            "accuracy": float(np.mean(predicted == actual)) if len(actual) else 0.0,
            "baseline_accuracy": float(np.mean(actual == majority)) if len(actual) else 0.0,
        },
    )


def _steps(y: np.ndarray, k: int) -> np.ndarray:
    """Any target layout as (samples, steps, targets)."""
    return np.asarray(y, dtype=np.float64).reshape(len(y), -1, k)


def _persistence_rows(rows: np.ndarray, steps: int, spec: DataSpec) -> np.ndarray:
    """Rows whose value a persistence forecast would repeat for each predicted step."""
    if spec.target_mode == "next":
        return (rows - spec.horizon)[:, None]
    if spec.target_mode == "next_k":
        return np.repeat((rows - 1)[:, None], steps, axis=1)
    return rows[:, None] + np.arange(steps)[None, :] - spec.horizon


def _errors(actual: np.ndarray, predicted: np.ndarray, prefix: str) -> dict:
    diff = predicted - actual
    return {f"{prefix}mae": float(np.mean(np.abs(diff))), f"{prefix}rmse": float(np.sqrt(np.mean(diff**2)))}
