"""From a dataset to model-ready ``(samples, timesteps, features)`` arrays, checked first.

The arithmetic is :mod:`lstm_lab.data.pipeline`'s (the exported script runs the same); this module
checks the settings against the data, with messages a user can act on, and keeps what is needed to
show results in the data's own units.

>>> from lstm_lab.data.generate import sine_table
>>> s = window_summary(sine_table(600, 2, 0.1, 0), DataSpec(timesteps=20))
>>> s.samples, s.X, s.y
(580, (580, 20, 2), (580, 1))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_lab.data import pipeline
from lstm_lab.data.columns import check_classes, class_names, input_shape, pick_columns
from lstm_lab.data.dataset import Dataset
from lstm_lab.errors import LstmLabError
from lstm_lab.records import WindowSummary
from lstm_lab.spec import DataSpec


def check_window(n_rows: int, timesteps: int, horizon: int = 1) -> None:
    """Refuse a window that does not fit the table once.

    Raises:
        LstmLabError: the table is too short for one window (code ``window_too_long``).
    """
    if pipeline.window_count(n_rows, timesteps, horizon) == 0:
        raise LstmLabError(
            f"`timesteps`={timesteps} with `horizon`={horizon} needs at least {timesteps + horizon} rows, "
            f"but the data has {n_rows}. Shorten `timesteps` or load more rows.",
            code="window_too_long", field="data.timesteps", rows=n_rows, timesteps=timesteps, horizon=horizon,
        )  # fmt: skip


def split_counts(samples: int, val_fraction: float, test_fraction: float) -> tuple[int, int, int]:
    """Chronological train/validation/test sizes, checked: the last samples are the test set.

    Raises:
        LstmLabError: too few samples to leave any for training (code ``too_few_samples``).
    """
    n_train, n_val, n_test = pipeline.split_sizes(samples, val_fraction, test_fraction)
    if n_train < 1:
        raise LstmLabError(
            f"Only {samples} samples: nothing is left for training after the validation and test splits. "
            "Use a shorter `timesteps`, a smaller `stride`, or more rows.",
            code="too_few_samples", field="data.timesteps", samples=samples,
        )  # fmt: skip
    return n_train, n_val, n_test


@dataclass
class Prepared:
    """Model-ready arrays, with what is needed to show results in the data's own units.

    ``rows`` holds each sample's target row in the table (series) or its index (sequences).
    ``target_scaler`` (centre, scale) and ``scaled_targets`` exist for regression; ``class_names`` for
    classification.
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
    target_scaler: tuple[np.ndarray, np.ndarray] | None = None
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


def prepare(dataset: Dataset, spec: DataSpec) -> Prepared:
    """Scale, window (for a series) and split the data as ``spec`` says.

    Scalers are fitted on the training split only, so nothing of the test period leaks in.

    >>> from lstm_lab.data.generate import sine_table
    >>> p = prepare(sine_table(200, 2, 0.1, 0), DataSpec(timesteps=10))
    >>> p.X.shape, p.y.shape, (p.n_train, p.n_val, p.n_test)
    ((190, 10, 2), (190, 1), (134, 28, 28))

    Raises:
        LstmLabError: columns missing, labels unusable, or too little data for the window and splits.
    """
    if spec.task != "regression" and spec.target_mode != "next":
        raise LstmLabError("Classification predicts one label per sample; set the target mode to `next`.",
                           code="classification_target_mode", field="data.target_mode")  # fmt: skip
    check_trainable(dataset)
    features, targets = pick_columns(dataset, spec)
    window_summary(dataset, spec)  # every check, with its message, before any array is built
    common = dict(feature_names=features, target_names=targets, task=spec.task, is_series=dataset.is_series)
    labels = spec.task != "regression"
    if dataset.is_series:
        table = dataset.table
        fx = table[features].to_numpy(dtype=np.float64)
        if labels:
            names = class_names(table[targets[0]].to_numpy(), spec.task, dataset.labels.get(targets[0]))
            fy = pipeline.label_codes(table[targets[0]].to_numpy())[0][:, None]
        else:
            fy = table[targets].to_numpy(dtype=np.float64)
        X, y, rows, splits, y_scaler = pipeline.series_arrays(
            fx, fy, spec.timesteps, spec.horizon, spec.stride, spec.target_mode, spec.val_fraction,
            spec.test_fraction, spec.scaling, labels,
        )  # fmt: skip
        scaled = None if labels else pipeline.scale(fy, y_scaler)
    else:
        index = [dataset.columns.index(f) for f in features]
        names = class_names(dataset.y, spec.task, dataset.class_names) if labels else None
        X, y, splits, y_scaler = pipeline.sequence_arrays(
            dataset.X[:, :, index].astype(np.float64), dataset.y, dataset.lengths, spec.val_fraction,
            spec.test_fraction, spec.scaling, spec.padding, labels,
        )  # fmt: skip
        rows, scaled = np.arange(len(X)), None
    n_train, n_val, n_test = splits
    return Prepared(X, y, rows, n_train, n_val, n_test, target_scaler=y_scaler, scaled_targets=scaled,
                    class_names=names if labels else None, **common)  # fmt: skip


def window_summary(dataset: Dataset, spec: DataSpec) -> WindowSummary:
    """Shapes and split sizes the data yields, without building any array.

    Raises:
        LstmLabError: too little data for one window or for the splits, a missing column, unusable labels,
            or sequences without a features axis or without targets when training needs them.
    """
    _, targets = pick_columns(dataset, spec)
    timesteps, n_features = input_shape(dataset, spec)
    if dataset.is_series:
        if spec.task != "regression":
            check_classes(int(dataset.table[targets[0]].nunique()), spec.task)
        check_window(dataset.rows, spec.timesteps, spec.horizon)
        samples = pipeline.window_count(dataset.rows, spec.timesteps, spec.horizon, spec.stride)
    else:
        samples = dataset.rows
    n_train, n_val, n_test = split_counts(samples, spec.val_fraction, spec.test_fraction)
    x_shape = tuple(dataset.X.shape) if dataset.missing_feature_axis else (samples, timesteps, n_features)
    if spec.task != "regression":
        y = (samples,)
    elif not dataset.is_series:
        y = None if dataset.y is None else tuple(dataset.y.shape) if dataset.y.ndim > 1 else (samples, 1)
    else:
        y = {
            "next": (samples, len(targets)),
            "next_k": (samples, spec.horizon * len(targets)),
            "seq2seq": (samples, timesteps, len(targets)),
        }[spec.target_mode]
    if not dataset.is_series and dataset.y is None:
        y = None  # sequences without targets: shapes can be explored, training cannot start
    return WindowSummary(samples, x_shape, y, n_train, n_val, n_test)


def check_trainable(dataset: Dataset) -> None:
    """Refuse sequences that cannot be trained on: no features axis, or no targets.

    Raises:
        LstmLabError: code ``missing_feature_axis`` or ``no_targets``.
    """
    if dataset.missing_feature_axis:
        raise LstmLabError(
            f"X is 2-D, {tuple(dataset.X.shape)}, but an LSTM needs (samples, timesteps, features). Add the features "
            "axis on the Model page (reshape to (samples, timesteps, 1)).",
            code="missing_feature_axis", field="data.add_feature_axis",
        )  # fmt: skip
    if not dataset.is_series and dataset.y is None:
        raise LstmLabError("These sequences have no targets (y). Upload an .npz file holding both X and y.",
                           code="no_targets", field="data.source")  # fmt: skip
