"""Built-in datasets: generated series and sequences for each task, and sample data from plotly.

Series (a table to window): ``sine`` (regression) and ``stocks``. Sequences (already
``(samples, timesteps, features)``, one label each): ``trend`` (binary: does it go up?),
``frequency`` (multi-class: which of three frequencies?) and ``varlen`` (binary, sequences of
different lengths padded to ``timesteps``). Each generator has a plain-NumPy core
(``*_values``) that the exported script reuses word for word.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstm_lab.data.dataset import Dataset
from lstm_lab.errors import LstmLabError
from lstm_lab.spec import DataSpec

FREQUENCY_CLASSES = ["slow", "medium", "fast"]


def sine_values(rows, channels, noise, seed):
    """Noisy multi-sine series (rows, channels): each channel sums two sines of its own periods."""
    rng = np.random.default_rng(seed)
    t = np.arange(rows, dtype=np.float64)
    columns = []
    for _ in range(channels):
        p1, p2 = rng.uniform(20, 60), rng.uniform(5, 15)
        ph1, ph2 = rng.uniform(0, 2 * np.pi, size=2)
        clean = np.sin(2 * np.pi * t / p1 + ph1) + 0.4 * np.sin(2 * np.pi * t / p2 + ph2)
        columns.append(clean + noise * rng.standard_normal(rows))
    return np.stack(columns, axis=1)


def trend_values(samples, timesteps, channels, noise, seed):
    """Sequences (samples, timesteps, channels) that wiggle; channel 1 drifts up (label 1) or down (0)."""
    rng = np.random.default_rng(seed)
    up = rng.integers(0, 2, samples)
    slope = np.where(up == 1, 1.0, -1.0)[:, None] * rng.uniform(0.5, 1.5, (samples, 1))
    t = np.arange(timesteps, dtype=np.float64)[None, :, None]
    period = rng.uniform(5, 20, (samples, 1, channels))
    X = 0.5 * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi, (samples, 1, channels)))
    X = X + noise * rng.standard_normal((samples, timesteps, channels))
    X[:, :, 0] += slope * np.linspace(0, 1, timesteps)[None, :]
    return X.astype(np.float32), up


def frequency_values(samples, timesteps, channels, noise, seed):
    """Sequences oscillating slowly (0), at a medium pace (1) or fast (2), with noise and random phase."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 3, samples)
    periods = np.array([24.0, 10.0, 4.0])[label] * rng.uniform(0.9, 1.1, samples)
    phase = rng.uniform(0, 2 * np.pi, (samples, 1, channels))
    t = np.arange(timesteps, dtype=np.float64)[None, :, None]
    X = np.sin(2 * np.pi * t / periods[:, None, None] + phase)
    X = X + noise * rng.standard_normal(X.shape)
    return X.astype(np.float32), label


def varlen_values(samples, timesteps, channels, noise, seed):
    """Slow (0) or fast (1) oscillations 1/3 to ``timesteps`` long, padded after with zeros; with lengths."""
    rng = np.random.default_rng(seed)
    fast = rng.integers(0, 2, samples)
    lengths = rng.integers(max(2, timesteps // 3), timesteps + 1, samples)
    periods = np.where(fast == 1, 4.0, 24.0) * rng.uniform(0.9, 1.1, samples)
    t = np.arange(timesteps, dtype=np.float64)[None, :, None]
    X = np.sin(2 * np.pi * t / periods[:, None, None] + rng.uniform(0, 2 * np.pi, (samples, 1, channels)))
    X = X + noise * rng.standard_normal(X.shape)
    X[np.arange(timesteps)[None, :] >= lengths[:, None]] = 0.0
    return X.astype(np.float32), fast, lengths


def sine_table(rows: int, channels: int, noise: float, seed: int) -> Dataset:
    """Noisy multi-sine series as a dataset.

    >>> sine_table(500, 2, 0.1, 0).table.shape
    (500, 2)
    """
    values = sine_values(rows, channels, noise, seed)
    table = pd.DataFrame(values, columns=[f"sine_{c + 1}" for c in range(channels)])
    return Dataset(name=f"Noisy sine waves ({channels} channel{'s' * (channels > 1)})", table=table)


def stocks_table() -> Dataset:
    """Weekly prices of six tech stocks, 2018–2019 (normalised to 1.0 at the start), from plotly."""
    import plotly.data

    df = plotly.data.stocks()
    time = pd.to_datetime(df.pop("date")).to_numpy()
    return Dataset(
        name="Tech stock prices (weekly, plotly sample data)",
        table=df.astype("float64"),
        time=time,
        notes=["`date` is the x-axis, not a feature."],
    )


def trend_sequences(samples: int, timesteps: int, channels: int, noise: float, seed: int) -> Dataset:
    """Binary task: does the first channel trend up or down over the sequence?

    >>> trend_sequences(50, 20, 2, 0.1, 0).X.shape
    (50, 20, 2)
    """
    X, y = trend_values(samples, timesteps, channels, noise, seed)
    return Dataset(name="Trend up or down (binary, generated)", X=X, y=y, class_names=["down", "up"])


def frequency_sequences(samples: int, timesteps: int, channels: int, noise: float, seed: int) -> Dataset:
    """Multi-class task: which of three frequencies does each sequence oscillate at?

    >>> d = frequency_sequences(30, 40, 1, 0.1, 0)
    >>> d.X.shape, d.class_names
    ((30, 40, 1), ['slow', 'medium', 'fast'])
    """
    X, y = frequency_values(samples, timesteps, channels, noise, seed)
    return Dataset(name="Which frequency? (3 classes, generated)", X=X, y=y, class_names=list(FREQUENCY_CLASSES))


def varlen_sequences(samples: int, timesteps: int, channels: int, noise: float, seed: int) -> Dataset:
    """Binary task on sequences of different lengths, padded to ``timesteps`` (``lengths`` keeps the truth)."""
    X, y, lengths = varlen_values(samples, timesteps, channels, noise, seed)
    return Dataset(name="Variable-length sequences: slow or fast? (binary, generated)", X=X, y=y, lengths=lengths,
                   class_names=["slow", "fast"])  # fmt: skip


GENERATORS = {"trend": trend_sequences, "frequency": frequency_sequences, "varlen": varlen_sequences}
VALUES = {"sine": sine_values, "trend": trend_values, "frequency": frequency_values, "varlen": varlen_values}


def generated(spec: DataSpec, seed: int) -> Dataset:
    """The built-in dataset named by ``spec.source`` (``rows`` is the number of sequences for sequence tasks)."""
    if spec.source == "sine":
        return sine_table(spec.rows, spec.channels, spec.noise, seed)
    if spec.source == "stocks":
        return stocks_table()
    if spec.source in GENERATORS:
        return GENERATORS[spec.source](spec.rows, spec.timesteps, spec.channels, spec.noise, seed)
    raise LstmLabError(f"No built-in dataset called {spec.source!r}.", code="unknown_source", field="data.source")
