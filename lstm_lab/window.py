"""From a table to ``(samples, timesteps, features)``: windows, chronological split, scaling.

Windows are strided views of the table (``sliding_window_view``), so no window is copied.

>>> import numpy as np
>>> X, y, rows = make_windows(np.zeros((100, 3)), np.zeros((100, 1)), timesteps=20)
>>> X.shape, y.shape
((80, 20, 3), (80, 1))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lstm_lab.dataset import Dataset
from lstm_lab.errors import LstmLabError
from lstm_lab.spec import DataSpec


def window_count(n_rows: int, timesteps: int, horizon: int = 1, stride: int = 1) -> int:
    """Samples a table of ``n_rows`` yields: ⌊(N − timesteps − horizon) / stride⌋ + 1 (0 if too short).

    >>> window_count(100, 20, 1, 1)
    80
    """
    room = n_rows - timesteps - horizon
    return room // stride + 1 if room >= 0 else 0


def make_windows(
    features: np.ndarray,
    targets: np.ndarray,
    timesteps: int,
    horizon: int = 1,
    stride: int = 1,
    target_mode: str = "next",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut ``features`` (N, F) into windows and pair each with its target from ``targets`` (N, K).

    Args:
        timesteps: Window length.
        horizon: ``next``: the target lies ``horizon`` steps after the window's last row.
            ``next_k``: the next ``horizon`` values. ``seq2seq``: the window shifted by ``horizon``.
        stride: Rows between the starts of consecutive windows.

    Returns:
        ``X`` (samples, timesteps, F), a view of ``features``; ``y``: (samples, K) for ``next``,
        (samples, horizon·K) for ``next_k``, (samples, timesteps, K) for ``seq2seq``;
        ``rows``: the table row of each sample's (first) target.

    Raises:
        LstmLabError: the table is too short for one window.
    """
    n = len(features)
    count = window_count(n, timesteps, horizon, stride)
    if count == 0:
        longest = max(n - horizon, 0)
        raise LstmLabError(
            f"`timesteps`={timesteps} with `horizon`={horizon} needs at least {timesteps + horizon} rows, "
            f"but the data has {n}. Use `timesteps` of at most {longest} or load more rows.",
            field="data.timesteps",
        )
    starts = np.arange(count) * stride
    picks = slice(0, (count - 1) * stride + 1, stride)  # slicing keeps views; an index array would copy
    X = sliding_window_view(features, timesteps, axis=0).transpose(0, 2, 1)[picks]
    if target_mode == "next":
        rows = starts + timesteps - 1 + horizon
        y = targets[rows]
    elif target_mode == "next_k":
        rows = starts + timesteps
        ahead = sliding_window_view(targets, horizon, axis=0).transpose(0, 2, 1)
        y = ahead[timesteps : timesteps + picks.stop : stride].reshape(count, -1)
    else:
        rows = starts + horizon
        y = sliding_window_view(targets, timesteps, axis=0).transpose(0, 2, 1)[horizon : horizon + picks.stop : stride]
    return X, y, rows


def split_counts(samples: int, val_fraction: float, test_fraction: float) -> tuple[int, int, int]:
    """Chronological train/validation/test sizes; the last samples are the test set.

    Raises:
        LstmLabError: too few samples to leave any for training.
    """
    n_test = round(samples * test_fraction)
    n_val = round(samples * val_fraction)
    if test_fraction > 0 and samples >= 3:
        n_test = max(n_test, 1)
    n_train = samples - n_val - n_test
    if n_train < 1:
        raise LstmLabError(
            f"Only {samples} samples: nothing is left for training after the validation and test splits. "
            "Use a shorter `timesteps`, a smaller `stride`, or more rows.",
            field="data.timesteps",
        )
    return n_train, n_val, n_test


@dataclass
class Scaler:
    """Per-column scaling fitted on training rows only, so the test period never leaks in."""

    kind: str
    center: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, values: np.ndarray, kind: str) -> Scaler:
        cols = values.shape[1]
        if kind == "standard":
            center, scale = values.mean(axis=0), values.std(axis=0)
        elif kind == "minmax":
            center, scale = values.min(axis=0), values.max(axis=0) - values.min(axis=0)
        else:
            center, scale = np.zeros(cols), np.ones(cols)
        scale = np.where(scale > 0, scale, 1.0)
        return cls(kind, center.astype(np.float32), scale.astype(np.float32))

    def transform(self, values: np.ndarray) -> np.ndarray:
        return ((values - self.center) / self.scale).astype(np.float32)

    def inverse(self, values: np.ndarray) -> np.ndarray:
        return values * self.scale + self.center


@dataclass
class Prepared:
    """Model-ready arrays with what is needed to show them in the data's own units."""

    X: np.ndarray
    y: np.ndarray
    rows: np.ndarray
    n_train: int
    n_val: int
    n_test: int
    feature_names: list[str]
    target_names: list[str]
    target_scaler: Scaler
    scaled_targets: np.ndarray

    def part(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``X`` and ``y`` of ``train``, ``val`` or ``test``."""
        a, b = {
            "train": (0, self.n_train),
            "val": (self.n_train, self.n_train + self.n_val),
            "test": (self.n_train + self.n_val, len(self.X)),
        }[name]
        return self.X[a:b], self.y[a:b]


def pick_columns(dataset: Dataset, spec: DataSpec) -> tuple[list[str], list[str]]:
    """Feature and target column names, with defaults: all columns in, the first one out.

    Raises:
        LstmLabError: a named column is not in the table.
    """
    cols = dataset.columns
    features = spec.features or cols
    targets = spec.targets or [features[0]]
    for name, path in [(c, "data.features") for c in features] + [(c, "data.targets") for c in targets]:
        if name not in cols:
            raise LstmLabError(f"Column {name!r} is not in the data; columns are: {', '.join(cols)}.", field=path)
    return list(features), list(targets)


def prepare(dataset: Dataset, spec: DataSpec) -> Prepared:
    """Scale, window and split a series dataset as ``spec`` says.

    Raises:
        LstmLabError: columns missing, or the table too short for the window and splits.
    """
    features, targets = pick_columns(dataset, spec)
    table = dataset.table
    n = len(table)
    samples = window_count(n, spec.timesteps, spec.horizon, spec.stride)
    if samples == 0:
        make_windows(np.zeros((n, 1)), np.zeros((n, 1)), spec.timesteps, spec.horizon, spec.stride)
    n_train, n_val, n_test = split_counts(samples, spec.val_fraction, spec.test_fraction)
    last_train_row = (n_train - 1) * spec.stride + spec.timesteps + spec.horizon - 1
    fx = table[features].to_numpy(dtype=np.float64)
    fy = table[targets].to_numpy(dtype=np.float64)
    x_scaler = Scaler.fit(fx[: last_train_row + 1], spec.scaling)
    y_scaler = Scaler.fit(fy[: last_train_row + 1], spec.scaling)
    scaled_y = y_scaler.transform(fy)
    X, y, rows = make_windows(
        x_scaler.transform(fx), scaled_y, spec.timesteps, spec.horizon, spec.stride, spec.target_mode
    )
    return Prepared(X, y, rows, n_train, n_val, n_test, features, targets, y_scaler, scaled_y)


def window_summary(n_rows: int, n_features: int, n_targets: int, spec: DataSpec) -> dict:
    """Shapes and split sizes a series of ``n_rows`` yields, without building any array.

    >>> s = window_summary(600, 2, 1, DataSpec(timesteps=20))
    >>> s["samples"], s["X"], s["y"]
    (580, (580, 20, 2), (580, 1))

    Raises:
        LstmLabError: the table is too short for one window, or for the splits.
    """
    samples = window_count(n_rows, spec.timesteps, spec.horizon, spec.stride)
    if samples == 0:
        make_windows(np.zeros((n_rows, 1)), np.zeros((n_rows, 1)), spec.timesteps, spec.horizon, spec.stride)
    n_train, n_val, n_test = split_counts(samples, spec.val_fraction, spec.test_fraction)
    y = {
        "next": (samples, n_targets),
        "next_k": (samples, spec.horizon * n_targets),
        "seq2seq": (samples, spec.timesteps, n_targets),
    }[spec.target_mode]
    return {
        "samples": samples,
        "X": (samples, spec.timesteps, n_features),
        "y": y,
        "train": n_train,
        "val": n_val,
        "test": n_test,
    }
