"""Predictions in the data's own units, with error metrics and a naive baseline to beat."""

from __future__ import annotations

import numpy as np

from lstm_lab.spec import DataSpec
from lstm_lab.window import Prepared


def predictions_view(prep: Prepared, y_pred: np.ndarray, spec: DataSpec) -> dict:
    """Compare test-set predictions with actual values, back in the data's units.

    For multi-step targets the chart line shows the first step ahead (``next_k``) or the last
    step of each predicted sequence (``seq2seq``); the metrics use every predicted value.

    Returns:
        ``rows`` (table row of each plotted target), ``target_names``, ``actual`` and
        ``predicted`` (rows × targets, for the chart), and ``metrics``: MAE and RMSE of the model
        and of the naive "last value persists" baseline.
    """
    k = len(prep.target_names)
    _, y_test = prep.part("test")
    start = prep.n_train + prep.n_val
    rows = prep.rows[start:]
    actual = _steps(y_test, k)
    predicted = _steps(np.asarray(y_pred).reshape(y_test.shape), k)
    past = _steps(prep.scaled_targets[_baseline_rows(rows, actual.shape[1], spec)], k)

    inv = prep.target_scaler.inverse
    actual, predicted, past = inv(actual), inv(predicted), inv(past)
    line = -1 if spec.target_mode == "seq2seq" else 0
    line_rows = rows + (spec.timesteps - 1 if spec.target_mode == "seq2seq" else 0)
    return {
        "rows": line_rows.tolist(),
        "target_names": list(prep.target_names),
        "actual": actual[:, line, :].tolist(),
        "predicted": predicted[:, line, :].tolist(),
        "metrics": {**_errors(actual, predicted, ""), **_errors(actual, past, "baseline_")},
    }


def _steps(y: np.ndarray, k: int) -> np.ndarray:
    """Any target layout as (samples, steps, targets)."""
    return np.asarray(y, dtype=np.float64).reshape(len(y), -1, k)


def _baseline_rows(rows: np.ndarray, steps: int, spec: DataSpec) -> np.ndarray:
    """Rows whose value a persistence forecast would repeat for each predicted step."""
    if spec.target_mode == "next":
        last_seen = rows - spec.horizon
        return last_seen[:, None]
    if spec.target_mode == "next_k":
        return np.repeat((rows - 1)[:, None], steps, axis=1)
    return rows[:, None] + np.arange(steps)[None, :] - spec.horizon


def _errors(actual: np.ndarray, predicted: np.ndarray, prefix: str) -> dict:
    diff = predicted - actual
    return {f"{prefix}mae": float(np.mean(np.abs(diff))), f"{prefix}rmse": float(np.sqrt(np.mean(diff**2)))}
