"""The numeric data pipeline, in plain NumPy: windows, the chronological split, scaling and padding.

The app runs these functions, and the exported script carries their source word for word
(:mod:`lstm_lab.export.script`), so both cut, split and scale the data identically. That is why this
module imports nothing from lstm_lab, checks nothing and raises nothing: the callers in
:mod:`lstm_lab.data.window` check the settings first.

>>> X, y, rows = windows(np.zeros((100, 3)), np.zeros((100, 1)), timesteps=20)
>>> X.shape, y.shape
((80, 20, 3), (80, 1))
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def window_count(n_rows, timesteps, horizon=1, stride=1):
    """Samples a table of ``n_rows`` yields: ⌊(N − timesteps − horizon) / stride⌋ + 1 (0 if too short).

    >>> window_count(100, 20, 1, 1)
    80
    """
    room = n_rows - timesteps - horizon
    return room // stride + 1 if room >= 0 else 0


def windows(features, targets, timesteps, horizon=1, stride=1, target_mode="next"):
    """Cut ``features`` (N, F) into windows, each paired with its target from ``targets`` (N, K).

    ``next``: the target lies ``horizon`` steps after the window's last row; ``next_k``: the next
    ``horizon`` values; ``seq2seq``: the window shifted by ``horizon``. Windows are strided views of the
    table (``sliding_window_view``), so no window is copied.

    Returns:
        ``X`` (samples, timesteps, F); ``y``: (samples, K) for ``next``, (samples, horizon·K) for
        ``next_k``, (samples, timesteps, K) for ``seq2seq``; ``rows``: each sample's (first) target row.
    """
    count = window_count(len(features), timesteps, horizon, stride)
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


def split_sizes(samples, val_fraction, test_fraction):
    """Chronological train/validation/test sizes; the last samples are the test set.

    >>> split_sizes(100, 0.15, 0.15)
    (70, 15, 15)
    """
    n_test = max(round(samples * test_fraction), 1 if test_fraction > 0 else 0)
    n_val = max(round(samples * val_fraction), 1 if val_fraction > 0 else 0)
    return samples - n_val - n_test, n_val, n_test


def fit_scaler(values, kind):
    """Per-column centre and scale (``standard``, ``minmax`` or ``none``), for training rows only."""
    if kind == "standard":
        center, spread = values.mean(axis=0), values.std(axis=0)
    elif kind == "minmax":
        center, spread = values.min(axis=0), values.max(axis=0) - values.min(axis=0)
    else:
        center, spread = np.zeros(values.shape[-1]), np.ones(values.shape[-1])
    spread = np.where(spread > 0, spread, 1.0)
    return center.astype(np.float32), spread.astype(np.float32)


def scale(values, scaler):
    """Values in scaled units, as float32."""
    return ((values - scaler[0]) / scaler[1]).astype(np.float32)


def unscale(values, scaler):
    """Scaled values back in the data's own units."""
    return values * scaler[1] + scaler[0]


def label_codes(values):
    """Class labels as codes 0..C-1 (in sorted order of the labels), and the labels themselves.

    >>> label_codes(np.array(["up", "down", "up"]))
    (array([1, 0, 1], dtype=int32), array(['down', 'up'], dtype='<U4'))
    """
    values = np.asarray(values).ravel()
    classes = np.unique(values)
    return np.searchsorted(classes, values).astype(np.int32), classes


def pad_before(X, lengths):
    """Move each sequence's real steps to the end, so the zeros (padding) come first."""
    timesteps = X.shape[1]
    shift = timesteps - lengths
    source = (np.arange(timesteps)[None, :] - shift[:, None]) % timesteps
    moved = np.take_along_axis(X, source[:, :, None], axis=1)
    moved[np.arange(timesteps)[None, :] < shift[:, None]] = 0.0
    return moved


def series_arrays(fx, fy, timesteps, horizon, stride, target_mode, val_fraction, test_fraction, scaling, labels):
    """A series (``fx``: N × features, ``fy``: N × targets, or N × 1 label codes) as scaled windows.

    Scalers are fitted on the rows the training samples cover, so nothing of the test period leaks in.

    Returns:
        ``X``, ``y`` (labels: one code per sample), ``rows`` (each sample's target row), the split
        sizes and the targets' scaler (``None`` for labels).
    """
    samples = window_count(len(fx), timesteps, horizon, stride)
    n_train, n_val, n_test = split_sizes(samples, val_fraction, test_fraction)
    fit_rows = (n_train - 1) * stride + timesteps + horizon  # the training windows and their targets
    x_scaler = fit_scaler(fx[:fit_rows], scaling)
    y_scaler = None if labels else fit_scaler(fy[:fit_rows], scaling)
    targets = fy if labels else scale(fy, y_scaler)
    X, y, rows = windows(scale(fx, x_scaler), targets, timesteps, horizon, stride, "next" if labels else target_mode)
    return X, (y[:, 0] if labels else y), rows, (n_train, n_val, n_test), y_scaler


def sequence_arrays(X, y, lengths, val_fraction, test_fraction, scaling, padding, labels):
    """Ready-made sequences ``X`` (samples × timesteps × features) scaled, padded and split.

    ``lengths`` holds each padded sequence's true length (``None``: all full); padded steps are not
    data, so they stay 0.0 and never enter the scaler.

    Returns:
        ``X`` (float32), ``y`` (label codes, or scaled targets as samples × targets), the split sizes and
        the targets' scaler (``None`` for labels).
    """
    samples, timesteps = X.shape[:2]
    n_train, n_val, n_test = split_sizes(samples, val_fraction, test_fraction)
    steps = lengths if lengths is not None else np.full(samples, timesteps)
    real = np.arange(timesteps)[None, :] < steps[:, None]
    x_scaler = fit_scaler(X[:n_train][real[:n_train]], scaling)
    X = np.where(real[:, :, None], scale(X, x_scaler), 0.0).astype(np.float32)
    if lengths is not None and padding == "pre":
        X = pad_before(X, lengths)
    if labels:
        return X, label_codes(y)[0], (n_train, n_val, n_test), None
    y = np.asarray(y, dtype=np.float64)
    y = y[:, None] if y.ndim == 1 else y
    flat = y.reshape(-1, y.shape[-1])
    y_scaler = fit_scaler(flat[: n_train * (len(flat) // samples)], scaling)
    return X, scale(y, y_scaler), (n_train, n_val, n_test), y_scaler
