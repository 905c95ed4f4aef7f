"""The one entry point for uploaded files: CSV tables and NumPy arrays, checked and explained.

:func:`read_upload` reads a file into a :class:`~lstm_lab.data.table.ParsedTable` (whose missing values
can be shown before the user chooses what to do with them) or, for 3-D arrays, a sequence
:class:`~lstm_lab.data.dataset.Dataset`; :func:`load_upload` also applies the NaN policy. Whatever the
bytes, the only exception raised is :class:`~lstm_lab.errors.LstmLabError`, saying what is wrong and what
to change.

>>> ds = load_upload(b"date,temp\\n2024-01-01,1.5\\n2024-01-02,2.5\\n", "weather.csv", "refuse")
>>> ds.columns, str(ds.time[0])[:10]
(['temp'], '2024-01-01')
"""

from __future__ import annotations

from pathlib import PurePath

from lstm_lab.data.arrays import parse_numpy
from lstm_lab.data.csv_text import read_csv
from lstm_lab.data.dataset import Dataset
from lstm_lab.data.table import MB, ParsedTable, check_policy, file_error
from lstm_lab.limits import LIMITS, Limits

CSV_TYPES = (".csv", ".txt", ".tsv")
NUMPY_TYPES = (".npy", ".npz")


def check_size(nbytes: int, limits: Limits = LIMITS) -> None:
    """Refuse an upload larger than ``limits.max_upload_mb``.

    Raises:
        LstmLabError: the file is over the cap, naming its size and the cap (code ``file_too_large``).
    """
    if nbytes > limits.max_upload_mb * MB:
        raise file_error(
            f"The file is {nbytes / MB:.2f} MB; uploads are limited to {limits.max_upload_mb} MB. "
            "Upload fewer rows or columns, or raise the limit with the environment variable LSTM_LAB_MAX_UPLOAD_MB.",
            "file_too_large",
        )


def read_upload(data: bytes, name: str, limits: Limits = LIMITS) -> ParsedTable | Dataset:
    """Read an uploaded file, choosing the reader by its extension, without handling missing values yet.

    Args:
        data: The file's bytes.
        name: The file's name; its extension picks the reader.
        limits: Size caps to enforce.

    Returns:
        A :class:`ParsedTable` for a table (its ``missing`` counts NaN/inf per column), or a
        sequence :class:`Dataset` for a 3-D array.

    Raises:
        LstmLabError: the file is too large, of an unknown type, or cannot be used; the message says why.
    """
    check_size(len(data), limits)
    suffix = PurePath(name).suffix.lower()
    if suffix in CSV_TYPES:
        return read_csv(data, name, limits)
    if suffix in NUMPY_TYPES:
        return parse_numpy(data, name, limits)
    kind = f"`{suffix}` files" if suffix else "Files without an extension"
    raise file_error(
        f"{kind} cannot be loaded. Upload a table as {', '.join(CSV_TYPES)}, "
        f"or a NumPy array as {' or '.join(NUMPY_TYPES)}.",
        "unknown_file_type",
    )


def load_upload(data: bytes, name: str, nan_policy: str, limits: Limits = LIMITS) -> Dataset:
    """Read an uploaded file (:func:`read_upload`) and apply the NaN policy: the whole way to a dataset.

    Args:
        nan_policy: What to do with missing or infinite table values: ``refuse``, ``drop`` or ``ffill``.

    Raises:
        LstmLabError: the file cannot be used, or values are missing under ``refuse``.
    """
    check_policy(nan_policy)
    parsed = read_upload(data, name, limits)
    return parsed if isinstance(parsed, Dataset) else parsed.to_dataset(nan_policy)
