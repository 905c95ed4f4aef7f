"""Files a user takes away: the uploaded data for the script, training history and predictions as CSV."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from lstm_lab.data.dataset import Dataset
from lstm_lab.records import Predictions

DATA_FILE_CSV = "lstm_lab_data.csv"
DATA_FILE_NPZ = "lstm_lab_data.npz"


def history_csv(history: list[dict]) -> str:
    """One row per epoch: loss, validation loss, metrics and seconds since the start."""
    return pd.DataFrame(history).to_csv(index=False)


def predictions_csv(pred: Predictions, time=None) -> str:
    """One row per test sample: where it is (time or row), actual and predicted values or classes."""
    rows = np.asarray(pred.rows)
    frame = pd.DataFrame({"row" if pred.x_is_time else "sample": rows})
    if time is not None and pred.x_is_time:
        frame["time"] = np.asarray(time)[rows]
    if pred.kind == "regression":
        actual, predicted = np.asarray(pred.actual), np.asarray(pred.predicted)
        for i, name in enumerate(pred.target_names):
            frame[f"actual_{name}"] = actual[:, i]
            frame[f"predicted_{name}"] = predicted[:, i]
    else:
        names = pred.class_names
        frame["actual"] = [names[c] for c in pred.actual]
        frame["predicted"] = [names[c] for c in pred.predicted]
        probs = np.asarray(pred.probabilities)
        for i, name in enumerate(names):
            frame[f"p_{name}"] = probs[:, i]
    return frame.to_csv(index=False, float_format="%.7g")  # float32 precision: 24.92, not 24.919999773262987


def data_file(dataset: Dataset) -> tuple[str, bytes, str]:
    """An uploaded dataset as the file the exported script reads: ``(file name, bytes, MIME type)``.

    A series is a CSV (with its ``time`` column, which the script drops); sequences are an ``.npz`` of
    ``X``, ``y`` and ``lengths``, loadable with ``allow_pickle=False``.
    """
    if dataset.is_series:
        table = dataset.table.assign(time=dataset.time) if dataset.time is not None else dataset.table
        return DATA_FILE_CSV, table.to_csv(index=False).encode(), "text/csv"
    buffer = io.BytesIO()
    arrays = {k: v for k, v in {"X": dataset.X, "y": dataset.y, "lengths": dataset.lengths}.items() if v is not None}
    np.savez(buffer, **arrays)
    return DATA_FILE_NPZ, buffer.getvalue(), "application/octet-stream"
