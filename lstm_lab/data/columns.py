"""Which columns go in and which are predicted, and the classes of a label column.

>>> from lstm_lab.data.generate import sine_table
>>> from lstm_lab.spec import DataSpec
>>> pick_columns(sine_table(100, 3, 0.1, 0), DataSpec())
(['sine_1', 'sine_2', 'sine_3'], ['sine_1'])
"""

from __future__ import annotations

import numpy as np

from lstm_lab.data.dataset import Dataset
from lstm_lab.errors import LstmLabError
from lstm_lab.spec import DataSpec

MAX_CLASSES = 50


def pick_columns(dataset: Dataset, spec: DataSpec) -> tuple[list[str], list[str]]:
    """Feature and target column names, with defaults: all columns in, the first one predicted.

    When classifying a series, the default label is its first text label column (else the first column),
    and the label columns are left out of the default features.

    Sequence data has its targets apart from ``X``: they are named ``label`` or ``y``.

    Raises:
        LstmLabError: a named column is not in the data (code ``unknown_column``).
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
            raise LstmLabError(f"Column {name!r} is not in the data; columns are: {', '.join(cols)}.",
                               code="unknown_column", field=path, column=name)  # fmt: skip
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


def check_classes(count: int, task: str) -> None:
    """Refuse a label column with the wrong number of distinct values for the task.

    Raises:
        LstmLabError: a binary task without exactly two labels, or too few or too many classes
            (code ``class_count``).
    """
    if task == "binary" and count != 2:
        raise LstmLabError(
            f"Binary classification needs exactly 2 distinct labels; the labels have {count}. "
            "Choose multi-class classification, or another label column.",
            code="class_count", field="data.task", count=count,
        )  # fmt: skip
    if count < 2 or count > MAX_CLASSES:
        raise LstmLabError(
            f"Classification needs 2 to {MAX_CLASSES} distinct labels; the labels have {count:,}. "
            "A column with many distinct values is a regression target: choose another label column or the "
            "regression task.",
            code="class_count", field="data.task", count=count,
        )  # fmt: skip


def class_names(values: np.ndarray, task: str, names: list[str] | None = None) -> list[str]:
    """A name for each class of ``values`` (the given ``names`` when they fit), after checking the count.

    Raises:
        LstmLabError: a binary task without exactly two labels, or too many classes.
    """
    classes = np.unique(np.asarray(values).ravel())
    check_classes(len(classes), task)
    if names is not None and len(names) == len(classes):
        return list(names)
    return [_label_name(c) for c in classes]


def _label_name(value) -> str:
    return str(int(value)) if isinstance(value, (float, np.floating)) and float(value).is_integer() else str(value)


def class_count(dataset: Dataset, target: str) -> int:
    """How many classes the labels hold (2 when unknown)."""
    if dataset.class_names:
        return len(dataset.class_names)
    if dataset.is_series and target in dataset.table:
        return max(2, int(dataset.table[target].nunique()))
    if dataset.y is not None:
        return max(2, len(np.unique(dataset.y)))
    return 2
