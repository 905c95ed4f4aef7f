"""NumPy uploads (``.npy``, ``.npz``), read without ever unpickling: headers are checked before the data.

A 3-D array is ``X`` (samples, timesteps, features), with ``y`` from the ``.npz`` if present; a 1-D or 2-D
array is a table (rows × columns).
"""

from __future__ import annotations

import io
import math
import struct
import tokenize
import zipfile
import zlib
from pathlib import PurePath

import numpy as np

from lstm_lab.data.dataset import Dataset
from lstm_lab.data.table import ParsedTable, file_error, finish_table, quote_names
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import Limits, check_data

_DTYPE_KINDS = {"U": "text", "S": "text", "c": "complex numbers", "M": "dates", "m": "time spans", "V": "records"}
_HEADER_ERRORS = (ValueError, TypeError, KeyError, EOFError, OSError, SyntaxError, RecursionError, tokenize.TokenError)
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, struct.error, EOFError, OSError, ValueError, RuntimeError, KeyError)


def parse_numpy(data: bytes, name: str, limits: Limits) -> ParsedTable | Dataset:
    if PurePath(name).suffix.lower() == ".npz":
        X, y, notes = _read_npz(data, limits)
    else:
        X, y, notes = _read_npy(io.BytesIO(data), "The array", limits), None, []
    if X.ndim == 3:
        return _sequences(name, X, y, notes, limits)
    if X.ndim == 2 and y is not None and y.ndim >= 1 and len(y) == len(X) and X.shape[1] > 1:
        notes = [*notes, "`X` is 2-D with one `y` per row: read as (samples, timesteps) sequences, still "
                         "without a features axis."]  # fmt: skip
        dataset = _sequences(name, X[:, :, None], y, notes, limits)
        dataset.X = dataset.X[:, :, 0]
        return dataset
    if X.ndim in (1, 2):
        return _array_table(name, X, y, notes, limits)
    got = "a single number" if X.ndim == 0 else f"shape {X.shape} ({X.ndim} dimensions)"
    raise file_error(
        f"The array has {got}, but an LSTM needs 3 dimensions: (samples, timesteps, features). "
        "Reshape it, for example `X.reshape(samples, timesteps, -1)`, and save it again with `np.save`.",
        "wrong_dimensions",
    )


def _read_npz(data: bytes, limits: Limits) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """``X`` and ``y`` from an ``.npz``: keys X/x and y/Y, else the first and second arrays."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {i.filename[:-4]: i for i in archive.infolist() if i.filename.endswith(".npy")}
            if not members:
                raise file_error(
                    "The .npz file holds no arrays. Save X and y with `np.savez(path, X=X, y=y)`.", "empty_npz"
                )
            keys = list(members)
            x_key = next((k for k in ("X", "x") if k in members), keys[0])
            y_key = next((k for k in ("y", "Y") if k in members), next((k for k in keys if k != x_key), None))
            X = _read_member(archive, members[x_key], limits)
            y = None if y_key is None else _read_member(archive, members[y_key], limits)
    except LstmLabError:
        raise
    except _ZIP_ERRORS as e:
        raise file_error(
            f"This is not a readable .npz file ({e}). Save the arrays with `np.savez(path, X=X, y=y)`.",
            "unreadable_npz",
        ) from e
    unused = [k for k in keys if k not in (x_key, y_key)]
    notes = [f"Not used: {quote_names(unused)} (only X and y are read)."] if unused else []
    return X, y, notes


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> np.ndarray:
    with archive.open(info) as fp:
        return _read_npy(fp, f"Array `{info.filename[:-4]}`", limits)


def _read_npy(fp, label: str, limits: Limits) -> np.ndarray:
    """Read one ``.npy`` stream, checking its header (no objects, numeric, not too large) before the data.

    Raises:
        LstmLabError: not a .npy array, a pickled or non-numeric array, or too many values.
    """
    try:
        version = np.lib.format.read_magic(fp)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(fp)
    except _HEADER_ERRORS as e:
        raise file_error(
            f"{label} is not a NumPy .npy file ({e}). Save arrays with `np.save`; for a CSV file, name it `.csv`.",
            "not_npy",
        ) from e
    if dtype.hasobject:
        raise file_error(
            f"{label} holds Python objects (a pickled array); these are refused for safety, because loading them "
            "can run code. Save a numeric array instead: `np.save(path, X.astype('float32'))`.",
            "pickled_array",
        )
    if dtype.kind not in "biuf":
        raise file_error(
            f"{label} holds {_DTYPE_KINDS.get(dtype.kind, str(dtype))} ({dtype}), not numbers. Convert it to "
            "numbers (for example encode labels as 0, 1, 2, …) and save it with `np.save`.",
            "not_numeric",
        )
    _check_cells(label, shape, limits)
    fp.seek(0)
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except (ValueError, EOFError, OSError) as e:
        raise file_error(
            f"{label} is cut short or damaged ({e}). Save it again with `np.save`.", "damaged_array"
        ) from e


def _check_cells(label: str, shape: tuple[int, ...], limits: Limits) -> None:
    cells = math.prod(shape)
    if cells == 0:
        raise file_error(f"{label} is empty (shape {shape}). Save an array that holds values.", "empty_array")
    if cells > limits.max_cells:
        raise file_error(
            f"{label} has shape {shape}, {cells:,} values; the limit is {limits.max_cells:,}. Use fewer samples, "
            "or raise the limit with LSTM_LAB_MAX_CELLS.",
            "too_many_values",
        )


def _sequences(name: str, X: np.ndarray, y: np.ndarray | None, notes: list[str], limits: Limits) -> Dataset:
    """Ready-made windows ``(samples, timesteps, features)``, with targets ``y`` if given."""
    samples, timesteps, _ = X.shape
    if timesteps > limits.max_timesteps:
        raise file_error(
            f"The sequences have {timesteps:,} timesteps; the limit is {limits.max_timesteps:,}. Cut them into "
            "shorter windows, or raise the limit with LSTM_LAB_MAX_TIMESTEPS.",
            "too_many_timesteps",
        )
    check_data(samples, X.shape[2], limits)
    with np.errstate(over="ignore", invalid="ignore"):
        X = X.astype(np.float32)
    _refuse_nonfinite("X", X)
    if y is not None:
        if y.ndim == 0 or len(y) != samples:
            got = "a single number" if y.ndim == 0 else f"{len(y):,} entries"
            raise file_error(
                f"`y` has {got}, but `X` has {samples:,} samples: they must match one to one. "
                "Save one target (or target row) per sample.",
                "targets_mismatch",
            )
        with np.errstate(over="ignore", invalid="ignore"):
            y = y.astype(np.float32) if y.dtype.kind == "f" else y.astype(np.int64)
        _refuse_nonfinite("y", y)
    return Dataset(name=name, X=X, y=y, notes=notes)


def _refuse_nonfinite(label: str, values: np.ndarray) -> None:
    if values.dtype.kind != "f":
        return
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        raise file_error(
            f"`{label}` has {bad:,} missing or infinite values (NaN, inf, or beyond float32's ±3.4e38). "
            "Fill or remove them before saving; "
            "an LSTM cannot learn from them.",
            "nonfinite_values",
        )


def _array_table(name: str, X: np.ndarray, y: np.ndarray | None, notes: list[str], limits: Limits) -> ParsedTable:
    """A 1-D or 2-D array as a table: one row per time step, columns ``column_1..``."""
    table = X.reshape(len(X), -1)
    notes = [
        *notes,
        f"The {X.ndim}-D array is read as a table of {table.shape[0]:,} rows (time steps) × {table.shape[1]:,} "
        "columns. For ready-made windows, save a 3-D array (samples, timesteps, features), "
        "for example `X[:, :, None]`.",
    ]
    if y is not None:
        notes.append("`y` was not used: a table's targets are chosen from its own columns.")
    columns = {f"column_{i + 1}": table[:, i].astype(np.float64) for i in range(table.shape[1])}
    return finish_table(name, columns, None, notes, limits)
