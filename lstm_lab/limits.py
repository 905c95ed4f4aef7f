"""Resource limits in one place: defaults, overridable by environment variables.

Every limit can be raised or lowered for a workshop server with an environment variable
named ``LSTM_LAB_<NAME>`` (for example ``LSTM_LAB_MAX_UNITS=256``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Limits:
    """Upper bounds checked before any work starts."""

    max_layers: int = 4
    max_units: int = 512
    max_timesteps: int = 500
    max_params: int = 2_000_000
    max_rows: int = 1_000_000
    max_cells: int = 10_000_000  # rows × features of a dataset
    max_epochs: int = 200
    max_batch_size: int = 4096
    max_train_seconds: int = 600
    max_upload_mb: int = 50
    max_concurrent_trainings: int = 0  # 0 = one per CPU core of the Ray cluster
    cpus_per_training: int = 1


def load(environ: dict | None = None) -> Limits:
    """Read the limits, applying ``LSTM_LAB_<NAME>`` overrides from the environment.

    Raises:
        LstmLabError: an override is not a non-negative integer.
    """
    from lstm_lab.errors import LstmLabError

    environ = os.environ if environ is None else environ
    values = {}
    for f in fields(Limits):
        raw = environ.get(f"LSTM_LAB_{f.name.upper()}")
        if raw is None:
            continue
        try:
            values[f.name] = int(raw)
        except ValueError:
            values[f.name] = -1
        if values[f.name] < 0:
            raise LstmLabError(
                f"Environment variable LSTM_LAB_{f.name.upper()} must be a non-negative integer, got {raw!r}."
            )
    return Limits(**values)


LIMITS = load()
