"""Built-in datasets: generated series and sequences for each task, and sample data from plotly.

Series (a table to window): ``sine`` (regression) and ``stocks``. Sequences (already
``(samples, timesteps, features)``, one label each): ``trend`` (binary: does it go up?),
``frequency`` (multi-class: which of three frequencies?) and ``varlen`` (binary, sequences of
different lengths padded to ``timesteps``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstm_lab.dataset import Dataset
from lstm_lab.errors import LstmLabError
from lstm_lab.spec import DataSpec

FREQUENCY_CLASSES = ["slow", "medium", "fast"]
_PERIODS = {"slow": 24.0, "medium": 10.0, "fast": 4.0}


def sine_table(rows: int, channels: int, noise: float, seed: int) -> Dataset:
    """Noisy multi-sine series: each channel sums two sines of its own periods and phases.

    >>> sine_table(500, 2, 0.1, 0).table.shape
    (500, 2)
    """
    rng = np.random.default_rng(seed)
    t = np.arange(rows, dtype=np.float64)
    cols = {}
    for c in range(channels):
        p1, p2 = rng.uniform(20, 60), rng.uniform(5, 15)
        ph1, ph2 = rng.uniform(0, 2 * np.pi, size=2)
        clean = np.sin(2 * np.pi * t / p1 + ph1) + 0.4 * np.sin(2 * np.pi * t / p2 + ph2)
        cols[f"sine_{c + 1}"] = clean + noise * rng.standard_normal(rows)
    return Dataset(name=f"Noisy sine waves ({channels} channel{'s' * (channels > 1)})", table=pd.DataFrame(cols))


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
    """Binary task: does the first channel trend up (1) or down (0) over the sequence?

    Every channel wiggles like a sine; channel 1 also drifts up or down.

    >>> trend_sequences(50, 20, 2, 0.1, 0).X.shape
    (50, 20, 2)
    """
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, timesteps)
    up = rng.integers(0, 2, samples)
    slope = np.where(up == 1, 1.0, -1.0)[:, None] * rng.uniform(0.5, 1.5, (samples, 1))
    X = _wiggles(rng, samples, timesteps, channels) + noise * rng.standard_normal((samples, timesteps, channels))
    X[:, :, 0] += slope * t[None, :]
    return Dataset(name="Trend up or down (binary, generated)", X=X.astype(np.float32), y=up,
                   class_names=["down", "up"])  # fmt: skip


def frequency_sequences(samples: int, timesteps: int, channels: int, noise: float, seed: int) -> Dataset:
    """Multi-class task: which of three frequencies (slow, medium, fast) does each sequence oscillate at?

    >>> d = frequency_sequences(30, 40, 1, 0.1, 0)
    >>> d.X.shape, d.class_names
    ((30, 40, 1), ['slow', 'medium', 'fast'])
    """
    rng = np.random.default_rng(seed)
    label = rng.integers(0, len(FREQUENCY_CLASSES), samples)
    periods = np.array([_PERIODS[c] for c in FREQUENCY_CLASSES])[label] * rng.uniform(0.9, 1.1, samples)
    phase = rng.uniform(0, 2 * np.pi, (samples, 1, channels))
    t = np.arange(timesteps, dtype=np.float64)[None, :, None]
    X = np.sin(2 * np.pi * t / periods[:, None, None] + phase)
    X = X + noise * rng.standard_normal(X.shape)
    return Dataset(name="Which frequency? (3 classes, generated)", X=X.astype(np.float32), y=label,
                   class_names=list(FREQUENCY_CLASSES))  # fmt: skip


def varlen_sequences(samples: int, timesteps: int, channels: int, noise: float, seed: int) -> Dataset:
    """Binary task on sequences of different lengths: slow (0) or fast (1) oscillation?

    Each sequence is 1/3 to the full ``timesteps`` long; the rest is padding (zeros, after the
    data). ``lengths`` holds the true lengths, so padding can be moved before the data too.
    """
    rng = np.random.default_rng(seed)
    fast = rng.integers(0, 2, samples)
    lengths = rng.integers(max(2, timesteps // 3), timesteps + 1, samples)
    periods = np.where(fast == 1, _PERIODS["fast"], _PERIODS["slow"]) * rng.uniform(0.9, 1.1, samples)
    t = np.arange(timesteps, dtype=np.float64)[None, :, None]
    X = np.sin(2 * np.pi * t / periods[:, None, None] + rng.uniform(0, 2 * np.pi, (samples, 1, channels)))
    X = X + noise * rng.standard_normal(X.shape)
    X[np.arange(timesteps)[None, :] >= lengths[:, None]] = 0.0
    return Dataset(name="Variable-length sequences: slow or fast? (binary, generated)", X=X.astype(np.float32),
                   y=fast, lengths=lengths, class_names=["slow", "fast"])  # fmt: skip


def _wiggles(rng, samples: int, timesteps: int, channels: int) -> np.ndarray:
    t = np.arange(timesteps, dtype=np.float64)[None, :, None]
    period = rng.uniform(5, 20, (samples, 1, channels))
    return 0.5 * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi, (samples, 1, channels)))


GENERATORS = {"trend": trend_sequences, "frequency": frequency_sequences, "varlen": varlen_sequences}


def generated(spec: DataSpec, seed: int) -> Dataset:
    """The built-in dataset named by ``spec.source`` (``rows`` is the number of sequences for sequence tasks)."""
    if spec.source == "sine":
        return sine_table(spec.rows, spec.channels, spec.noise, seed)
    if spec.source == "stocks":
        return stocks_table()
    if spec.source in GENERATORS:
        return GENERATORS[spec.source](spec.rows, spec.timesteps, spec.channels, spec.noise, seed)
    raise LstmLabError(f"No built-in dataset called {spec.source!r}.", field="data.source")
