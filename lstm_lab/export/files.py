"""Files a user takes away: training history and predictions as CSV text."""

from __future__ import annotations

import numpy as np
import pandas as pd


def history_csv(history: list[dict]) -> str:
    """One row per epoch: loss, validation loss, metrics and seconds since the start."""
    return pd.DataFrame(history).to_csv(index=False)


def predictions_csv(pred: dict, time=None) -> str:
    """One row per test sample: where it is (time or row), actual and predicted values or classes."""
    rows = np.asarray(pred["rows"])
    frame = pd.DataFrame({"row" if pred["x_is_time"] else "sample": rows})
    if time is not None and pred["x_is_time"]:
        frame["time"] = np.asarray(time)[rows]
    if pred["kind"] == "regression":
        actual, predicted = np.asarray(pred["actual"]), np.asarray(pred["predicted"])
        for i, name in enumerate(pred["target_names"]):
            frame[f"actual_{name}"] = actual[:, i]
            frame[f"predicted_{name}"] = predicted[:, i]
    else:
        names = pred["class_names"]
        frame["actual"] = [names[c] for c in pred["actual"]]
        frame["predicted"] = [names[c] for c in pred["predicted"]]
        probs = np.asarray(pred["probabilities"])
        for i, name in enumerate(names):
            frame[f"p_{name}"] = probs[:, i]
    return frame.to_csv(index=False, float_format="%.7g")  # float32 precision: 24.92, not 24.919999773262987
