"""Built-in datasets: generated series and sequences, and sample data shipped with plotly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstm_lab.dataset import Dataset
from lstm_lab.spec import DataSpec


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


def generated(spec: DataSpec, seed: int) -> Dataset:
    """The built-in dataset named by ``spec.source``."""
    if spec.source == "sine":
        return sine_table(spec.rows, spec.channels, spec.noise, seed)
    if spec.source == "stocks":
        return stocks_table()
    from lstm_lab.errors import LstmLabError

    raise LstmLabError(f"No built-in dataset called {spec.source!r}.", field="data.source")
