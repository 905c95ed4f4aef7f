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

from lstm_lab.data.dataset import Dataset
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
        raise LstmLabError(
            f"`timesteps`={timesteps} with `horizon`={horizon} needs at least {timesteps + horizon} rows, "
            f"but the data has {n}. Shorten `timesteps` or load more rows.",
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
    n_test = max(round(samples * test_fraction), 1 if test_fraction > 0 else 0)
    n_val = max(round(samples * val_fraction), 1 if val_fraction > 0 else 0)
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
    """Model-ready arrays, with what is needed to show results in the data's own units.

    ``rows`` holds each sample's target row in the table (series) or its index (sequences).
    ``target_scaler`` and ``scaled_targets`` exist for regression; ``class_names`` for classification.
    """

    X: np.ndarray
    y: np.ndarray
    rows: np.ndarray
    n_train: int
    n_val: int
    n_test: int
    feature_names: list[str]
    target_names: list[str]
    task: str = "regression"
    is_series: bool = True
    target_scaler: Scaler | None = None
    scaled_targets: np.ndarray | None = None
    class_names: list[str] | None = None

    def part(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``X`` and ``y`` of ``train``, ``val`` or ``test``."""
        a, b = {
            "train": (0, self.n_train),
            "val": (self.n_train, self.n_train + self.n_val),
            "test": (self.n_train + self.n_val, len(self.X)),
        }[name]
        return self.X[a:b], self.y[a:b]


def pick_columns(dataset: Dataset, spec: DataSpec) -> tuple[list[str], list[str]]:
    """Feature and target column names, with defaults: all columns in, the first one predicted.

    When classifying a series, the default label is its first text label column (else the first column),
    and the label columns are left out of the default features.

    Sequence data has its targets apart from ``X``: they are named ``label`` or ``y``.

    Raises:
        LstmLabError: a named column is not in the data.
    """
    cols = dataset.columns
    if dataset.is_series:
        labels = [c for c in cols if c in dataset.labels]
        inputs = [c for c in cols if c not in labels] or cols  # text labels are never a default input
        if spec.task == "regression":
            features = spec.features or inputs
            targets = spec.targets or [features[0]]
        else:  # nor is the label being predicted
            targets = spec.targets or [labels[0] if labels else inputs[0]]
            features = spec.features or [c for c in inputs if c not in targets] or inputs
    else:
        features = spec.features or cols
        targets = ["label"] if spec.task != "regression" else _sequence_target_names(dataset)
    checked = [(c, "data.features") for c in features] + [(c, "data.targets") for c in targets if dataset.is_series]
    for name, path in checked:
        if name not in cols:
            raise LstmLabError(f"Column {name!r} is not in the data; columns are: {', '.join(cols)}.", field=path)
    return list(features), list(targets)


def _sequence_target_names(dataset: Dataset) -> list[str]:
    if dataset.y is None or dataset.y.ndim == 1:
        return ["y"]
    return [f"y_{i + 1}" for i in range(dataset.y.shape[-1])]


def input_shape(dataset: Dataset, spec: DataSpec) -> tuple[int, int]:
    """``(timesteps, features)`` the model receives: the window for a series, the data's own for sequences."""
    features, _ = pick_columns(dataset, spec)
    timesteps = spec.timesteps if dataset.is_series else int(dataset.X.shape[1])
    return timesteps, 0 if dataset.missing_feature_axis else len(features)


MAX_CLASSES = 50


def check_classes(count: int, task: str) -> None:
    """Refuse a label column with the wrong number of distinct values for the task.

    Raises:
        LstmLabError: a binary task without exactly two labels, or too few or too many classes.
    """
    if task == "binary" and count != 2:
        raise LstmLabError(
            f"Binary classification needs exactly 2 distinct labels; the labels have {count}. "
            "Choose multi-class classification, or another label column.",
            field="data.task",
        )
    if count < 2 or count > MAX_CLASSES:
        raise LstmLabError(
            f"Classification needs 2 to {MAX_CLASSES} distinct labels; the labels have {count:,}. "
            "A column with many distinct values is a regression target: choose another label column or the "
            "regression task.",
            field="data.task",
        )


def encode_labels(values: np.ndarray, task: str, names: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Class labels as codes 0..C-1, with a name per class.

    Raises:
        LstmLabError: a binary task without exactly two labels, or too many classes.
    """
    values = np.asarray(values).ravel()
    classes = np.unique(values)
    check_classes(len(classes), task)
    codes = np.searchsorted(classes, values).astype(np.int32)
    if names is None or len(names) != len(classes):
        names = [_label_name(c) for c in classes]
    return codes, list(names)


def _label_name(value) -> str:
    return str(int(value)) if isinstance(value, (float, np.floating)) and float(value).is_integer() else str(value)


def prepare(dataset: Dataset, spec: DataSpec) -> Prepared:
    """Scale, window (for a series) and split the data as ``spec`` says.

    Scalers are fitted on the training split only, so nothing of the test period leaks in.

    Raises:
        LstmLabError: columns missing, labels unusable, or too little data for the window and splits.
    """
    if spec.task != "regression" and spec.target_mode != "next":
        raise LstmLabError(
            "Classification predicts one label per sample; set the target mode to `next`.", field="data.target_mode"
        )
    if dataset.is_series:
        return _prepare_series(dataset, spec)
    return _prepare_sequences(dataset, spec)


def _prepare_series(dataset: Dataset, spec: DataSpec) -> Prepared:
    features, targets = pick_columns(dataset, spec)
    table = dataset.table
    n = len(table)
    samples = window_count(n, spec.timesteps, spec.horizon, spec.stride)
    if samples == 0:
        make_windows(np.zeros((n, 1)), np.zeros((n, 1)), spec.timesteps, spec.horizon, spec.stride)
    n_train, n_val, n_test = split_counts(samples, spec.val_fraction, spec.test_fraction)
    last_train_row = (n_train - 1) * spec.stride + spec.timesteps + spec.horizon - 1
    fx = table[features].to_numpy(dtype=np.float64)
    x_scaler = Scaler.fit(fx[: last_train_row + 1], spec.scaling)
    common = dict(n_train=n_train, n_val=n_val, n_test=n_test, feature_names=features, target_names=targets)
    if spec.task != "regression":
        codes, names = encode_labels(table[targets[0]].to_numpy(), spec.task, dataset.labels.get(targets[0]))
        X, y, rows = make_windows(x_scaler.transform(fx), codes[:, None], spec.timesteps, spec.horizon, spec.stride)
        return Prepared(X, y[:, 0], rows, task=spec.task, class_names=names, **common)
    fy = table[targets].to_numpy(dtype=np.float64)
    y_scaler = Scaler.fit(fy[: last_train_row + 1], spec.scaling)
    scaled_y = y_scaler.transform(fy)
    X, y, rows = make_windows(
        x_scaler.transform(fx), scaled_y, spec.timesteps, spec.horizon, spec.stride, spec.target_mode
    )
    return Prepared(X, y, rows, target_scaler=y_scaler, scaled_targets=scaled_y, **common)


def _prepare_sequences(dataset: Dataset, spec: DataSpec) -> Prepared:
    if dataset.missing_feature_axis:
        raise LstmLabError(
            f"X is 2-D, {tuple(dataset.X.shape)}, but an LSTM needs (samples, timesteps, features). Add the features "
            "axis on the Model page (reshape to (samples, timesteps, 1)).",
            field="data.add_feature_axis",
        )
    features, targets = pick_columns(dataset, spec)
    if dataset.y is None:
        raise LstmLabError(
            "These sequences have no targets (y). Upload an .npz file holding both X and y.", field="data.source"
        )
    samples, timesteps, _ = dataset.X.shape
    n_train, n_val, n_test = split_counts(samples, spec.val_fraction, spec.test_fraction)
    index = [dataset.columns.index(f) for f in features]
    X = dataset.X[:, :, index].astype(np.float64)
    lengths = dataset.lengths if dataset.lengths is not None else np.full(samples, timesteps)
    real = np.arange(timesteps)[None, :] < lengths[:, None]
    x_scaler = Scaler.fit(X[:n_train][real[:n_train]], spec.scaling)
    X = np.where(real[:, :, None], x_scaler.transform(X), 0.0).astype(np.float32)
    if dataset.lengths is not None and spec.padding == "pre":
        X = _pad_before(X, lengths)
    common = dict(n_train=n_train, n_val=n_val, n_test=n_test, feature_names=features, target_names=targets,
                  is_series=False)  # fmt: skip
    rows = np.arange(samples)
    if spec.task != "regression":
        codes, names = encode_labels(dataset.y, spec.task, dataset.class_names)
        return Prepared(X, codes, rows, task=spec.task, class_names=names, **common)
    y = np.asarray(dataset.y, dtype=np.float64)
    y = y[:, None] if y.ndim == 1 else y
    flat = y.reshape(-1, y.shape[-1])
    y_scaler = Scaler.fit(flat[: n_train * (len(flat) // samples)], spec.scaling)
    return Prepared(X, y_scaler.transform(y), rows, target_scaler=y_scaler, **common)


def _pad_before(X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Move each sequence's real steps to the end, so the zeros (padding) come first."""
    timesteps = X.shape[1]
    shift = timesteps - lengths
    source = (np.arange(timesteps)[None, :] - shift[:, None]) % timesteps
    moved = np.take_along_axis(X, source[:, :, None], axis=1)
    moved[np.arange(timesteps)[None, :] < shift[:, None]] = 0.0
    return moved


def window_summary(dataset: Dataset, spec: DataSpec) -> dict:
    """Shapes and split sizes the data yields, without building any array.

    >>> from lstm_lab.data.generate import sine_table
    >>> s = window_summary(sine_table(600, 2, 0.1, 0), DataSpec(timesteps=20))
    >>> s["samples"], s["X"], s["y"]
    (580, (580, 20, 2), (580, 1))

    ``y`` is None for uploaded sequences that came without targets.

    Raises:
        LstmLabError: too little data for one window or for the splits, or a missing column.
    """
    _, targets = pick_columns(dataset, spec)
    timesteps, n_features = input_shape(dataset, spec)
    if dataset.is_series:
        if spec.task != "regression":
            check_classes(int(dataset.table[targets[0]].nunique()), spec.task)
        samples = window_count(dataset.rows, spec.timesteps, spec.horizon, spec.stride)
        if samples == 0:
            make_windows(np.zeros((dataset.rows, 1)), np.zeros((dataset.rows, 1)), spec.timesteps, spec.horizon)
    else:
        samples = dataset.rows
    n_train, n_val, n_test = split_counts(samples, spec.val_fraction, spec.test_fraction)
    x_shape = tuple(dataset.X.shape) if not dataset.is_series and dataset.missing_feature_axis else None
    if spec.task != "regression":
        y = (samples,)
    else:
        y = {
            "next": (samples, len(targets)),
            "next_k": (samples, spec.horizon * len(targets)),
            "seq2seq": (samples, timesteps, len(targets)),
        }[spec.target_mode if dataset.is_series else "next"]
        if not dataset.is_series and dataset.y is not None:
            y = tuple(dataset.y.shape) if dataset.y.ndim > 1 else (samples, 1)
    if not dataset.is_series and dataset.y is None:
        y = None  # sequences without targets: shapes can be explored, training cannot start
    return {
        "samples": samples,
        "X": x_shape or (samples, timesteps, n_features),
        "y": y,
        "train": n_train,
        "val": n_val,
        "test": n_test,
    }
