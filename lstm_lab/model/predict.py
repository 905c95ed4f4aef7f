"""Predictions in the data's own units, with metrics and a naive baseline to beat."""

from __future__ import annotations

import numpy as np

from lstm_lab.data.pipeline import unscale
from lstm_lab.data.window import Prepared
from lstm_lab.records import ClassificationPredictions, Predictions, RegressionPredictions
from lstm_lab.spec import DataSpec

LEVEL = 0.9  # the prediction band's nominal coverage


def predictions_view(prep: Prepared, y_pred: np.ndarray, spec: DataSpec, y_val_pred=None) -> Predictions:
    """Compare the test samples' predictions with their actual values (see :func:`regression_view` and
    :func:`classification_view`); ``y_val_pred``, the validation samples' predictions, calibrates the
    regression band."""
    if prep.task == "regression":
        return regression_view(prep, y_pred, spec, y_val_pred)
    return classification_view(prep, y_pred)


def regression_view(prep: Prepared, y_pred: np.ndarray, spec: DataSpec, y_val_pred=None) -> RegressionPredictions:
    """Actual against predicted values, back in the data's units.

    For multi-step targets the chart line shows the first step ahead (``next_k``) or the last
    step of each predicted sequence (``seq2seq``); the metrics use every predicted value. The
    baseline repeats the last value seen (a series) or predicts the training mean (sequences).
    The band around the line is calibrated on the validation samples' errors at the same step.
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
    band = None
    _, y_val = prep.part("val")
    if y_val_pred is not None and len(y_val):
        val_actual, val_pred = (unscale(_steps(a, k), prep.target_scaler)[:, line, :]
                                for a in (y_val, np.asarray(y_val_pred).reshape(y_val.shape)))  # fmt: skip
        band = conformal_band(val_actual, val_pred, actual[:, line, :], predicted[:, line, :])
    return RegressionPredictions(
        rows=(rows + (spec.timesteps - 1 if seq2seq else 0)).tolist(),
        x_is_time=prep.is_series,
        target_names=list(prep.target_names),
        actual=actual[:, line, :].tolist(),
        predicted=predicted[:, line, :].tolist(),
        baseline=past[:, line, :].tolist(),
        interval=band,
        metrics={**_errors(actual, predicted, ""), **_errors(actual, past, "baseline_")},
        target_metrics=[
            {**_errors(actual[..., j], predicted[..., j], ""), **_errors(actual[..., j], past[..., j], "baseline_")}
            for j in range(k)
        ],
    )


def conformal_band(val_actual, val_pred, test_actual, test_pred, level: float = LEVEL) -> dict | None:
    """A split-conformal prediction band: ``predicted ± half_width``, per target.

    ``half_width`` is the ⌈(n + 1)·level⌉-th smallest absolute error on the n validation samples, which
    covers a new sample with probability at least ``level`` when errors are exchangeable; ``coverage``
    is the share of test samples inside the band. None when there are too few validation samples.

    >>> rng = np.random.default_rng(0)
    >>> noise = lambda n: rng.normal(0, 2.0, (n, 1))  # a model that is right up to noise of sd 2
    >>> b = conformal_band(noise(20000), np.zeros((20000, 1)), noise(20000), np.zeros((20000, 1)))
    >>> round(b["half_width"][0], 1), round(b["coverage"][0], 2), b["level"]  # 1.645 · 2 = 3.29
    (3.3, 0.9, 0.9)
    """
    n = len(val_actual)
    rank = int(np.ceil((n + 1) * level))
    if n == 0 or rank > n:
        return None
    errors = np.sort(np.abs(np.asarray(val_actual) - np.asarray(val_pred)), axis=0)
    half = errors[rank - 1]
    inside = np.abs(np.asarray(test_actual) - np.asarray(test_pred)) <= half
    coverage = inside.mean(axis=0) if len(inside) else np.full(half.shape, np.nan)
    return {"level": level, "half_width": half.tolist(), "coverage": coverage.tolist(), "samples": n}


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
