"""Datasets as the app holds them: a numeric table (a series to window) or ready-made sequences."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class Dataset:
    """What a user has loaded or generated.

    Series form: ``table`` holds numeric columns, one row per time step, and ``time`` the
    x-axis (dates, or ``None`` for row numbers); windowing turns it into samples.
    Sequence form: ``X`` is already ``(samples, timesteps, features)`` with optional ``y``
    and, for variable-length data, ``lengths`` (the true length of each padded sequence). An upload of
    ``(samples, timesteps)`` keeps its 2-D ``X`` until the user adds the features axis (``add_feature_axis``).
    ``notes`` tell the user what was done on loading (columns left out, rows dropped).
    ``labels`` names the classes of a series' text label columns, whose table values are the codes 0..C-1.
    """

    name: str
    table: pd.DataFrame | None = None
    time: np.ndarray | None = None
    X: np.ndarray | None = None
    y: np.ndarray | None = None
    lengths: np.ndarray | None = None
    class_names: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    labels: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_series(self) -> bool:
        return self.table is not None

    @property
    def columns(self) -> list[str]:
        """Numeric column names of a series (or ``feature_1..`` names for sequences)."""
        if self.is_series:
            return [str(c) for c in self.table.columns]
        return [f"feature_{i + 1}" for i in range(self.X.shape[2] if self.X.ndim == 3 else 1)]

    @property
    def missing_feature_axis(self) -> bool:
        """True for sequences saved as (samples, timesteps): one value per step, but no features axis."""
        return not self.is_series and self.X.ndim == 2

    @property
    def rows(self) -> int:
        return len(self.table) if self.is_series else int(self.X.shape[0])

    def to_payload(self) -> dict:
        """Plain arrays for the compute tier: the table, never the windows."""
        if self.is_series:
            return {
                "name": self.name,
                "columns": self.columns,
                "values": self.table.to_numpy(dtype=np.float32),
                "time": self.time,
                "labels": self.labels,
            }
        return {
            "name": self.name,
            "X": self.X,
            "y": self.y,
            "lengths": self.lengths,
            "class_names": self.class_names,
        }

    @classmethod
    def from_payload(cls, p: dict) -> Dataset:
        if "values" in p:
            table = pd.DataFrame(p["values"], columns=p["columns"])
            return cls(name=p["name"], table=table, time=p["time"], labels=p.get("labels", {}))
        return cls(name=p["name"], X=p["X"], y=p["y"], lengths=p["lengths"], class_names=p["class_names"])
