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
    max_runs: int = 10  # trainings kept per browser on the Runs page
    max_trainings_per_browser: int = 1  # running plus queued, over all of a browser's tabs; 0 = no cap
    queued_unwatched_seconds: int = 120  # a queued training no page asked about for this long is cancelled


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
                f"Environment variable LSTM_LAB_{f.name.upper()} must be a non-negative integer, got {raw!r}.",
                code="bad_limit",
            )
    return Limits(**values)


LIMITS = load()


def _over(what: str, value: int, limit: int, name: str, fix: str, field: str):
    from lstm_lab.errors import LstmLabError

    return LstmLabError(
        f"{what} is {value:,}; this server allows at most {limit:,} (LSTM_LAB_{name.upper()}). {fix}",
        code="over_limit",
        field=field,
        limit=limit,
        value=value,
        name=name,
    )


def check_model(spec, limits: Limits | None = None) -> None:
    """Refuse a model over the server's limits before any Keras work starts.

    Raises:
        LstmLabError: too many layers, units, timesteps or parameters.
    """
    from lstm_lab.model.shapes import estimated_params

    limits = limits or LIMITS
    if len(spec.layers) > limits.max_layers:
        raise _over("The number of LSTM layers", len(spec.layers), limits.max_layers, "max_layers",
                    "Remove a layer.", "model.layers")  # fmt: skip
    for i, layer in enumerate(spec.layers):
        if layer.units > limits.max_units:
            raise _over(f"Layer {i + 1}'s `units`", layer.units, limits.max_units, "max_units", "Use fewer units.",
                        f"model.layers.{i}.units")  # fmt: skip
    if spec.timesteps > limits.max_timesteps:
        raise _over("`timesteps`", spec.timesteps, limits.max_timesteps, "max_timesteps", "Use a shorter window.",
                    "data.timesteps")  # fmt: skip
    params = estimated_params(spec)
    if params > limits.max_params:
        raise _over("The model's parameter count", params, limits.max_params, "max_params",
                    "Use fewer units or layers.", "model")  # fmt: skip


def check_setting(path: str, value, limits: Limits | None = None) -> None:
    """Refuse one typed setting over the server's limits, with the same message as for the whole lab.

    >>> check_setting("model.layers.0.units", 50)
    >>> check_setting("model.head.units", 10**6)
    Traceback (most recent call last):
    ...
    lstm_lab.errors.LstmLabError: The head's `units` is 1,000,000; this server allows at most 512 ... Use fewer units.
    """
    limits = limits or LIMITS
    parts = path.split(".")
    if len(parts) == 4 and parts[:2] == ["model", "layers"] and parts[3] == "units":
        what, name, fix = f"Layer {int(parts[2]) + 1}'s `units`", "max_units", "Use fewer units."
    else:
        what, name, fix = {
            "model.head.units": ("The head's `units`", "max_units", "Use fewer units."),
            "data.timesteps": ("`timesteps`", "max_timesteps", "Use a shorter window."),
            "data.rows": ("The number of rows", "max_rows", "Generate fewer rows."),
            "train.epochs": ("`epochs`", "max_epochs", "Train for fewer epochs."),
            "train.batch_size": ("`batch_size`", "max_batch_size", "Use a smaller batch."),
        }.get(path, (None, None, None))
    if name is not None and isinstance(value, int) and value > getattr(limits, name):
        raise _over(what, value, getattr(limits, name), name, fix, path)


def check_data(rows: int, features: int, limits: Limits | None = None) -> None:
    """Refuse a dataset larger than the server handles.

    Raises:
        LstmLabError: too many rows, or rows × features cells.
    """
    limits = limits or LIMITS
    if rows > limits.max_rows:
        raise _over("The number of rows", rows, limits.max_rows, "max_rows", "Load a shorter file.", "data.rows")
    if rows * features > limits.max_cells:
        raise _over("rows × features", rows * features, limits.max_cells, "max_cells",
                    "Use fewer feature columns or rows.", "data.features")  # fmt: skip


def check_training(train, limits: Limits | None = None) -> None:
    """Refuse training settings over the limits.

    Raises:
        LstmLabError: too many epochs or too large a batch.
    """
    limits = limits or LIMITS
    if train.epochs > limits.max_epochs:
        raise _over("`epochs`", train.epochs, limits.max_epochs, "max_epochs", "Train for fewer epochs.",
                    "train.epochs")  # fmt: skip
    if train.batch_size > limits.max_batch_size:
        raise _over("`batch_size`", train.batch_size, limits.max_batch_size, "max_batch_size",
                    "Use a smaller batch.", "train.batch_size")  # fmt: skip


def describe(limits: Limits | None = None) -> list[tuple[str, str, str]]:
    """(what, limit, environment variable) for every limit, to show users and workshop admins."""
    limits = limits or LIMITS
    labels = {
        "max_layers": "LSTM layers", "max_units": "units per layer", "max_timesteps": "timesteps",
        "max_params": "parameters", "max_rows": "dataset rows", "max_cells": "rows × features",
        "max_epochs": "epochs", "max_batch_size": "batch size", "max_train_seconds": "seconds per training",
        "max_upload_mb": "upload size (MB)", "max_concurrent_trainings": "trainings at once (0: one per core)",
        "cpus_per_training": "CPU cores per training", "max_runs": "runs kept per browser",
        "max_trainings_per_browser": "trainings running or queued per browser (0: no cap)",
        "queued_unwatched_seconds": "seconds a queued training waits for its closed tab",
    }  # fmt: skip
    return [(labels[f.name], f"{getattr(limits, f.name):,}", f"LSTM_LAB_{f.name.upper()}") for f in fields(Limits)]
