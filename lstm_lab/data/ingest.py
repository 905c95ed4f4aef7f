"""Uploaded files as datasets: CSV tables and NumPy arrays, checked and explained.

A table (CSV, or a 1-D/2-D array) is read in two steps, so the missing values can be shown
before the user picks what to do with them: :func:`read_csv` returns a :class:`ParsedTable`
whose ``missing`` counts them, and :meth:`ParsedTable.to_dataset` applies the NaN policy. A
3-D array is ready-made sequences and becomes a :class:`~lstm_lab.data.dataset.Dataset` at once.
:func:`load_upload` does it all for one uploaded file. Whatever the bytes, the only exception
raised is :class:`~lstm_lab.errors.LstmLabError`, saying what is wrong and what to change.

>>> ds = load_upload(b"date,temp\\n2024-01-01,1.5\\n2024-01-02,2.5\\n", "weather.csv", "refuse")
>>> ds.columns, str(ds.time[0])[:10]
(['temp'], '2024-01-01')
"""

from __future__ import annotations

import csv
import io
import math
import re
import struct
import tokenize
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
import pandas as pd

from lstm_lab.data.dataset import Dataset
from lstm_lab.data.window import MAX_CLASSES
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS, Limits, check_data
from lstm_lab.spec import NAN_POLICIES

CSV_TYPES = (".csv", ".txt", ".tsv")
NUMPY_TYPES = (".npy", ".npz")
DELIMITERS = (",", ";", "\t", "|")

_MB = 1024 * 1024
_FIELD = "data.source"
_PREFERRED = ("\t", ";", "|", ",")  # when several delimiters split every row evenly
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe (`|`)"}
_SAMPLE_LINES = 50
_EXTRA_NA = ["?", "-", "--", "#DIV/0!", "#VALUE!", "#NUM!", "#REF!", "#NAME?", "missing"]
_NA_WORDS = {"", "na", "n/a", "nan", "null", "none", "#n/a", *(v.lower() for v in _EXTRA_NA)}
_MOSTLY = 0.9  # share of a column's values that must read as numbers (or dates) for the column to count as such

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SEP_LINE = re.compile(r'"?sep=([,;\t|])"?\r?\n')
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|[-+]?inf(inity)?", re.IGNORECASE)
_COMMA_DECIMAL = re.compile(r"[-+]?\d+,\d+([eE][-+]?\d+)?")
_POINT_DECIMAL = re.compile(r"[-+]?\d*\.\d+([eE][-+]?\d+)?")
_POINT_THOUSANDS = re.compile(r"[-+]?\d{1,3}(\.\d{3})+,\d*")
_CLOCK = r"([ T]\d{1,2}:\d{2}.*)?"
_DATE_LIKE = re.compile(
    "|".join(
        [
            r"\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?" + _CLOCK,  # 2024-01-31, 2024/1, 2024-01-31T12:00
            r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}" + _CLOCK,  # 31.01.2024, 1/31/24 12:00
            r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?",  # 12:30, 12:30:15.5
        ]
    )
)
_YEAR_FIRST = re.compile(r"\d{4}[-/.]")
_DOTTED_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}")
_TIME_NAME = re.compile(r"(^|[^a-z])(date|time|timestamp|datetime|datum|zeit|ds|dt|step|t)s?([^a-z]|$)", re.IGNORECASE)
_YEAR_NAME = re.compile(r"(^|[^a-z])(year|yr)s?([^a-z]|$)", re.IGNORECASE)
_EPOCHS = (("s", 1e8, 4.2e9), ("ms", 1e11, 4.2e12))  # plausible Unix times (1973–2103) in seconds, milliseconds
_SIGNATURES = {
    b"\x93NUMPY": "a NumPy .npy array; name it `.npy`",
    b"PK\x03\x04": "a ZIP archive (an Excel workbook, or a NumPy .npz); export the sheet as CSV, or name it `.npz`",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls); export the sheet as CSV",
}
_DTYPE_KINDS = {"U": "text", "S": "text", "c": "complex numbers", "M": "dates", "m": "time spans", "V": "records"}
_HEADER_ERRORS = (ValueError, TypeError, KeyError, EOFError, OSError, SyntaxError, RecursionError, tokenize.TokenError)
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, struct.error, EOFError, OSError, ValueError, RuntimeError, KeyError)
_LEFT_OUT = {
    "text": ("text", "an LSTM needs numbers"),
    "date": ("extra date", "only one column can be the x-axis"),
    "row number": ("row-number", "it only counts the rows 0, 1, 2, …"),
    "empty": ("empty", "no values"),
    "constant": ("constant", "the same value in every row carries no information and breaks scaling"),
}


# ---------------------------------------------------------------- entry points


def check_size(nbytes: int, limits: Limits = LIMITS) -> None:
    """Refuse an upload larger than ``limits.max_upload_mb``.

    Raises:
        LstmLabError: the file is over the cap, naming its size and the cap.
    """
    if nbytes > limits.max_upload_mb * _MB:
        raise LstmLabError(
            f"The file is {nbytes / _MB:.2f} MB; uploads are limited to {limits.max_upload_mb} MB. "
            "Upload fewer rows or columns, or raise the limit with the environment variable LSTM_LAB_MAX_UPLOAD_MB.",
            field=_FIELD,
        )


def load_upload(data: bytes, name: str, nan_policy: str, limits: Limits = LIMITS) -> Dataset:
    """Turn an uploaded file into a dataset, choosing the reader by the file's extension.

    Args:
        data: The file's bytes.
        name: The file's name; its extension picks the reader.
        nan_policy: What to do with missing or infinite table values: ``refuse``, ``drop`` or ``ffill``.
        limits: Size caps to enforce.

    Raises:
        LstmLabError: the file is too large, of an unknown type, or cannot be used; the message says why.
    """
    _check_policy(nan_policy)
    check_size(len(data), limits)
    parsed = parse_upload(data, name, limits)
    return parsed if isinstance(parsed, Dataset) else parsed.to_dataset(nan_policy)


def parse_upload(data: bytes, name: str, limits: Limits = LIMITS) -> ParsedTable | Dataset:
    """Read an uploaded file without handling missing values yet.

    Returns:
        A :class:`ParsedTable` for a table (its ``missing`` counts NaN/inf per column), or a
        sequence :class:`Dataset` for a 3-D array.

    Raises:
        LstmLabError: an unknown file type, or a file that cannot be used.
    """
    suffix = PurePath(name).suffix.lower()
    if suffix in CSV_TYPES:
        return read_csv(data, name, limits)
    if suffix in NUMPY_TYPES:
        return _parse_numpy(data, name, limits)
    kind = f"`{suffix}` files" if suffix else "Files without an extension"
    raise LstmLabError(
        f"{kind} cannot be loaded. Upload a table as {', '.join(CSV_TYPES)}, "
        f"or a NumPy array as {' or '.join(NUMPY_TYPES)}.",
        field=_FIELD,
    )


# ---------------------------------------------------------------- a table before its NaN policy


@dataclass
class ParsedTable:
    """A numeric table read from a file, before missing values are dealt with.

    ``frame`` holds the usable columns as float64, with NaN wherever a value was missing or
    infinite; ``time`` is the x-axis (datetime64, or numbers) or ``None``; ``notes`` say what
    was done on reading (columns left out, rows sorted).
    """

    name: str
    frame: pd.DataFrame
    time: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    labels: dict[str, list[str]] = field(default_factory=dict)  # text label columns: class names of the codes

    @property
    def missing(self) -> dict[str, int]:
        """Missing or infinite values per column, for the columns that have any."""
        return {str(c): int(n) for c, n in self.frame.isna().sum().items() if n}

    @property
    def missing_rows(self) -> int:
        """Rows with at least one missing or infinite value (what ``drop`` would remove)."""
        return int(self.frame.isna().any(axis=1).sum())

    def to_dataset(self, nan_policy: str = "refuse") -> Dataset:
        """Apply the NaN policy and return the series dataset.

        Args:
            nan_policy: ``refuse`` (error if anything is missing), ``drop`` (drop those rows) or
                ``ffill`` (fill forward, then fill leading gaps backward).

        Raises:
            LstmLabError: values are missing under ``refuse``, or too few rows are left.
        """
        _check_policy(nan_policy)
        frame, time, notes = self.frame, self.time, list(self.notes)
        missing = self.missing
        if missing and nan_policy == "refuse":
            raise _refused(missing, self.missing_rows)
        if missing and nan_policy == "drop":
            keep = frame.notna().all(axis=1).to_numpy()
            frame, time = frame[keep].reset_index(drop=True), None if time is None else time[keep]
            notes.append(f"Dropped {int((~keep).sum()):,} of {len(keep):,} rows with missing or infinite values.")
            _check_rows(len(frame), "is left after dropping the rows with missing values",
                        "fill the gaps forward (`ffill`) instead")  # fmt: skip
        elif missing:
            frame = frame.ffill().bfill()
            notes.append(
                f"Filled {sum(missing.values()):,} missing or infinite values from the value before them "
                "(a gap at the very start takes the first value after it)."
            )
        labels = {c: names for c, names in self.labels.items() if c in frame.columns}
        return Dataset(name=self.name, table=frame, time=time, notes=notes, labels=labels)


def _check_policy(nan_policy: str) -> None:
    if nan_policy not in NAN_POLICIES:
        raise LstmLabError(
            f"Unknown missing-values policy {nan_policy!r}; choose one of {', '.join(NAN_POLICIES)}.",
            field="data.nan_policy",
        )


def _refused(missing: dict[str, int], rows: int) -> LstmLabError:
    counts = ", ".join(f"{_quote(c)}: {n:,}" for c, n in list(missing.items())[:8])
    more = f" and {len(missing) - 8} more columns" if len(missing) > 8 else ""
    return LstmLabError(
        f"{sum(missing.values()):,} values are missing or infinite, in {rows:,} rows ({counts}{more}). "
        "Choose to drop those rows (`drop`) or to fill them forward (`ffill`), or fix the file.",
        field="data.nan_policy",
    )


def _finish_table(name: str, columns: dict[str, np.ndarray], time: np.ndarray | None, notes: list[str],
                  limits: Limits) -> ParsedTable:  # fmt: skip
    """Turn infinities into NaN, leave out empty and constant columns, and check the size.

    Args:
        columns: Equally long float64 columns by name.
    """
    rows = len(next(iter(columns.values())))
    _check_rows(rows, "in the file", "add rows")
    names = np.array(list(columns), dtype=object)
    block = np.empty((len(columns), rows))  # one row per column: the layout pandas keeps
    for i, values in enumerate(columns.values()):
        block[i] = values
    block[np.isinf(block)] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        low, high = np.nanmin(block, axis=1), np.nanmax(block, axis=1)
    empty, constant = np.isnan(low), low == high
    notes = notes + _left_out_notes({"empty": list(names[empty]), "constant": list(names[constant])})
    keep = ~(empty | constant)
    if not keep.any():
        raise LstmLabError(
            "No numeric column changes over the rows (all are empty or constant), so there is nothing to learn. "
            "Upload data whose values vary.",
            field=_FIELD,
        )
    if not keep.all():
        block, names = block[keep], names[keep]
    check_data(rows, len(names), limits)
    frame = pd.DataFrame(block.T, columns=list(names), copy=False)
    return ParsedTable(name=name, frame=frame, time=time, notes=notes)


def _check_rows(rows: int, where: str, fix: str) -> None:
    if rows < 2:
        raise LstmLabError(
            f"Only {rows} data row{'s' * (rows != 1)} {where}. A series needs at least 2 rows, and more than "
            f"`timesteps` to make one window; {fix}.",
            field=_FIELD,
        )


# ---------------------------------------------------------------- CSV


def read_csv(data: bytes, name: str, limits: Limits = LIMITS) -> ParsedTable:
    """Read a delimited text table: sniff delimiter, decimal mark and header; pick the x-axis.

    Text columns are left out, a date or year column becomes ``time``; ``notes`` say so.

    Raises:
        LstmLabError: the bytes are not a text table, are empty, or hold no usable numeric column.
    """
    text, notes = _decode(data)
    body, delimiter = _split_preamble(text)
    if not body or body.isspace():
        raise LstmLabError("The file is empty. Upload a table with a header row and at least 2 rows of numbers.",
                           field=_FIELD)  # fmt: skip
    sample, truncated = _sample(body)
    delimiter = delimiter or _sniff_delimiter(sample, truncated)
    records = _records(sample, delimiter, truncated)
    if not records:
        raise _no_values()
    decimal, thousands = _sniff_decimal(records[1:] or records, delimiter)
    header = records[0] if _has_header(records, decimal) else None
    if header is not None and len(records) == 1 and not truncated:
        raise _header_only(header)
    raw = _read_frame(body, delimiter, decimal, thousands, header)
    fields = _unique_names(header[: raw.shape[1]] if header else [], raw.shape[1])
    notes += _format_notes(delimiter, decimal, header is None, fields)
    columns = _classify(raw, fields, header or [], decimal)
    if not set(columns.numeric) - set(columns.labels):  # class labels alone give the model no input
        raise _no_numbers(columns)
    rows, time, time_notes = _order_by_time(columns.time, columns.time_name)
    numeric = columns.numeric if rows is None else {k: v[rows] for k, v in columns.numeric.items()}
    notes += columns.notes + time_notes + _left_out_notes(columns.left_out)
    table = _finish_table(name, numeric, time, notes, limits)
    table.labels = {c: names for c, names in columns.labels.items() if c in table.frame.columns}
    return table


def _decode(data: bytes) -> tuple[str, list[str]]:
    """The file's text (UTF-8, UTF-16 with BOM, else Windows-1252 or Latin-1), with a note if not UTF-8.

    Raises:
        LstmLabError: the bytes are binary, not text.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _printable(data.decode("utf-16")), []
        except UnicodeDecodeError as e:
            raise _not_text("it starts like UTF-16 text but does not decode as such") from e
    for signature, kind in _SIGNATURES.items():
        if data.startswith(signature):
            raise _not_text(f"it looks like {kind}")
    if b"\x00" in data:
        raise _not_text("it contains NUL bytes, which text never has")
    try:
        return _printable(data.decode("utf-8-sig")), []
    except UnicodeDecodeError:
        pass
    try:
        text, encoding = data.decode("cp1252"), "Windows-1252 (Western European)"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "Latin-1"
    note = f"The file is not UTF-8, so it was read as {encoding}; if letters look wrong, save it as UTF-8."
    return _printable(text), [note]


def _printable(text: str) -> str:
    sample = text[:65536]
    if len(_CONTROL.findall(sample)) > 0.05 * len(sample):
        raise _not_text("much of it is control characters, not printable text")
    return text


def _not_text(why: str) -> LstmLabError:
    return LstmLabError(
        f"This is not a text table: {why}. Upload a CSV file (rows of values separated by commas, semicolons, "
        "tabs or `|`), or a NumPy `.npy`/`.npz` array.",
        field=_FIELD,
    )


def _split_preamble(text: str) -> tuple[str, str | None]:
    """The table without leading blank lines or Excel's ``sep=`` line, and the delimiter that line names."""
    body = text.lstrip("\r\n")
    match = _SEP_LINE.match(body)
    if match:
        return body[match.end() :].lstrip("\r\n"), match.group(1)
    return body, None


def _sample(body: str) -> tuple[str, bool]:
    """The first lines of the table, and whether the table goes on after them."""
    end = -1
    for _ in range(_SAMPLE_LINES):
        end = body.find("\n", end + 1)
        if end < 0:
            return body, False
    return body[:end], end + 1 < len(body)


def _records(sample: str, delimiter: str, truncated: bool) -> list[list[str]]:
    """The sample's non-blank rows split into fields (the last dropped if the sample cut it)."""
    try:
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter, skipinitialspace=True) if any(r)]
    except csv.Error as e:
        raise LstmLabError(
            f"The file could not be split into rows and columns ({e}). Save it as a CSV file with one row per line.",
            field=_FIELD,
        ) from e
    return rows[:-1] if truncated and len(rows) > 1 else rows


def _sniff_delimiter(sample: str, truncated: bool) -> str:
    """The delimiter that splits the most rows into the same number (> 1) of fields."""
    shares = {}
    for delimiter in DELIMITERS:
        widths = [len(r) for r in _records(sample, delimiter, truncated)]
        usual = max(set(widths), key=widths.count) if widths else 1
        if usual > 1:
            shares[delimiter] = widths.count(usual) / len(widths)
    even = [d for d in _PREFERRED if shares.get(d, 0) >= _MOSTLY]
    if even:
        return even[0]
    if shares:
        return max(shares, key=shares.get)
    return next((d for d in _PREFERRED if d not in sample), ",")  # one column


def _sniff_decimal(records: list[list[str]], delimiter: str) -> tuple[str, str | None]:
    """The decimal mark (``.`` or ``,``) and the thousands separator, if any, from the values."""
    if delimiter == ",":
        return ".", None
    values = [v.strip() for r in records for v in r]
    comma = sum(bool(_COMMA_DECIMAL.fullmatch(v)) for v in values)
    point = sum(bool(_POINT_DECIMAL.fullmatch(v)) for v in values)
    if comma <= point:
        return ".", None
    return ",", "." if any(_POINT_THOUSANDS.fullmatch(v) for v in values) else None


def _kind(value: str, decimal: str) -> str:
    """``empty``, ``number``, ``date`` or ``text``: what one field looks like."""
    value = value.strip()
    if value.lower() in _NA_WORDS:
        return "empty"
    plain = value.replace(".", "").replace(",", ".") if decimal == "," else value
    if _NUMBER.fullmatch(plain):
        return "number"
    return "date" if _DATE_LIKE.fullmatch(value) else "text"


def _has_header(records: list[list[str]], decimal: str) -> bool:
    """A first row is a header if it has no numbers or dates, or has text above numbers or dates."""
    first = [_kind(v, decimal) for v in records[0]]
    if "number" not in first and "date" not in first:
        return True
    return any(
        kind == "text" and any(j < len(r) and _kind(r[j], decimal) in ("number", "date") for r in records[1:])
        for j, kind in enumerate(first)
    )


def _header_only(header: list[str]) -> LstmLabError:
    return LstmLabError(
        f"The file has a header row ({_names(_unique_names(header, len(header)))}) but no data rows. "
        "Add at least 2 rows of values below the header.",
        field=_FIELD,
    )


def _read_frame(body: str, delimiter: str, decimal: str, thousands: str | None,
                header: list[str] | None) -> pd.DataFrame:  # fmt: skip
    """The whole table as pandas reads it with its C parser, header row skipped."""
    try:
        return pd.read_csv(
            io.BytesIO(body.encode("utf-8", errors="replace")),
            sep=delimiter,
            decimal=decimal,
            thousands=thousands,
            header=None,
            skiprows=1 if header else 0,
            skipinitialspace=True,
            na_values=_EXTRA_NA,
            engine="c",
            low_memory=False,
            encoding="utf-8",
        )
    except pd.errors.EmptyDataError as e:
        raise _header_only(header) if header else _no_values() from e
    except (ValueError, OverflowError, csv.Error) as e:
        raise LstmLabError(
            f"The rows do not split into the same columns ({str(e).strip()}). The values were read as "
            f"{_DELIMITER_NAMES[delimiter]}-separated: check the delimiter, and quote values that contain it.",
            field=_FIELD,
        ) from e


def _no_values() -> LstmLabError:
    return LstmLabError("The file holds no values. Upload a table with at least 2 rows of numbers.", field=_FIELD)


def _unique_names(header: list[str], count: int) -> list[str]:
    """``count`` distinct column names: the header's (stripped), ``column_<i>`` where it has none."""
    names, seen = [], set()
    for i in range(count):
        base = header[i].strip() if i < len(header) and header[i].strip() else f"column_{i + 1}"
        name, n = base, 1
        while name in seen:
            n += 1
            name = f"{base} ({n})"
        seen.add(name)
        names.append(name)
    return names


def _format_notes(delimiter: str, decimal: str, no_header: bool, fields: list[str]) -> list[str]:
    notes = []
    if delimiter != "," or decimal == ",":
        mark = " with `,` as the decimal mark" if decimal == "," else ""
        notes.append(f"Read as {_DELIMITER_NAMES[delimiter]}-separated values{mark}.")
    if no_header:
        span = f"{_quote(fields[0])} … {_quote(fields[-1])}" if len(fields) > 1 else _quote(fields[0])
        notes.append(f"The first row holds numbers, so it is data: the columns are named {span}.")
    return notes


# ---------------------------------------------------------------- CSV columns: numbers, x-axis, left out


@dataclass
class _Columns:
    """How the columns of a table were sorted out."""

    numeric: dict[str, np.ndarray] = field(default_factory=dict)
    time_name: str | None = None
    time: np.ndarray | None = None
    left_out: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    labels: dict[str, list[str]] = field(default_factory=dict)

    def leave_out(self, kind: str, name: str) -> None:
        self.left_out.setdefault(kind, []).append(name)


def _classify(raw: pd.DataFrame, fields: list[str], header: list[str], decimal: str) -> _Columns:
    """Sort the columns into the x-axis, numeric features and those left out."""
    columns = _Columns()
    for i, name in enumerate(fields):
        series = raw.iloc[:, i]
        stamps = _as_time(name, series, decimal == ",")
        if stamps is not None:
            if columns.time is None:
                columns.time_name, columns.time = name, stamps
            else:
                columns.leave_out("date", name)
            continue
        values = _as_numbers(name, series, decimal, columns.notes)
        if values is None:
            label = _as_label(name, series)
            if label is None:
                columns.leave_out("text", name)
            else:
                columns.numeric[name], columns.labels[name] = label
                columns.notes.append(
                    f"{_quote(name)} holds {len(label[1])} text classes ({_names(label[1])}): it is offered as the "
                    "label column for classification, coded 0 to {}, and is not a default feature.".format(
                        len(label[1]) - 1
                    )
                )
        elif _is_row_number(header[i] if i < len(header) else "", values):
            columns.leave_out("row number", name)
        else:
            columns.numeric[name] = values
    return columns


def _as_time(name: str, series: pd.Series, european: bool) -> np.ndarray | None:
    """The column as x-axis values, if it is dates, a year, or a time-named count; else ``None``.

    ``european`` (a decimal comma) makes ambiguous dates such as 03/01/2024 day-first.
    """
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_numeric_dtype(series):
        return _numeric_time(name, series)
    return _parse_dates(series, bool(_TIME_NAME.search(name)), european)


def _numeric_time(name: str, series: pd.Series) -> np.ndarray | None:
    """Years (1800–2100, or counting up) in a year column; ``yyyymmdd``, Unix times or a count in a time column."""
    is_year, is_time = bool(_YEAR_NAME.search(name)), bool(_TIME_NAME.search(name))
    values = series.to_numpy(dtype=np.float64)
    if not (is_year or is_time) or not np.isfinite(values).all():
        return None
    whole, rising = bool(np.all(values == np.round(values))), series.is_monotonic_increasing
    low, high = values.min(), values.max()
    if is_year:
        if whole and 1800 <= low and high <= 2100:
            return (values.astype(np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[ns]")
        return values.astype(np.int64) if whole and rising else None
    if whole and 18000101 <= low and high <= 21001231:
        days = pd.to_datetime(values.astype(np.int64).astype(str), format="%Y%m%d", errors="coerce")
        if not days.isna().any():
            return days.to_numpy()
    for unit, lo, hi in _EPOCHS:
        if rising and lo <= low and high <= hi:
            return pd.to_datetime(values, unit=unit).to_numpy()
    return values if rising else None


def _parse_dates(series: pd.Series, named: bool, european: bool) -> np.ndarray | None:
    """Parse a text column as dates if nearly all of its values read as dates (NaT where missing).

    Year-first dates are never day-first. Otherwise the reading (day-first or month-first) that
    reads more of the first values wins, then the one that puts them in time order, then
    day-first for European files and dotted dates (31.01.2024); if it fails further down the
    column, the other reading is tried.
    """
    texts = series.dropna().astype(str).str.strip()
    sample = texts.iloc[:200]
    if sample.empty or not (named or sample.map(lambda v: bool(_DATE_LIKE.fullmatch(v))).mean() >= _MOSTLY):
        return None
    likely = european or bool(_DOTTED_DATE.match(sample.iloc[0]))
    candidates = (False,) if _YEAR_FIRST.match(sample.iloc[0]) else (likely, not likely)
    fits = {dayfirst: _date_fit(_to_datetime(sample, dayfirst)) for dayfirst in candidates}
    for dayfirst in sorted((d for d in fits if fits[d][0] >= _MOSTLY), key=fits.get, reverse=True):
        stamps = _to_datetime(texts, dayfirst)
        if stamps is not None and stamps.notna().sum() >= _MOSTLY * len(texts):
            full = np.full(len(series), np.datetime64("NaT"), dtype="datetime64[ns]")
            full[texts.index.to_numpy()] = stamps.to_numpy(dtype="datetime64[ns]")
            return full
    return None


def _to_datetime(texts: pd.Series, dayfirst: bool) -> pd.Series | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.to_datetime(texts, errors="coerce", dayfirst=dayfirst, utc=True).dt.tz_localize(None)
        except (ValueError, TypeError, OverflowError):
            return None


def _date_fit(stamps: pd.Series | None) -> tuple[float, bool]:
    """How well a parse fits: the share of values read as dates, then whether they run forward in time."""
    if stamps is None or stamps.empty:
        return 0.0, False
    return float(stamps.notna().mean()), bool(stamps.dropna().is_monotonic_increasing)


def _as_numbers(name: str, series: pd.Series, decimal: str, notes: list[str]) -> np.ndarray | None:
    """The column as float64 if (nearly) all its values are numbers; stray words become missing values."""
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    texts = series.dropna().astype(str).str.strip()
    if decimal == ",":
        texts = texts.str.replace(",", ".", regex=False)
    if pd.to_numeric(texts.iloc[:1000], errors="coerce").notna().mean() < _MOSTLY:
        return None
    numbers = pd.to_numeric(texts, errors="coerce")
    bad = numbers.isna()
    if bad.mean() > 1 - _MOSTLY:
        return None
    if bad.any():
        notes.append(
            f"{_quote(name)}: {int(bad.sum()):,} values are not numbers (such as {texts[bad].iloc[0]!r}); "
            "they count as missing values."
        )
    return numbers.reindex(series.index).to_numpy(dtype=np.float64, na_value=np.nan)


def _as_label(name: str, series: pd.Series) -> tuple[np.ndarray, list[str]] | None:
    """A text column with a few repeated values (2 to ``MAX_CLASSES``) as class codes and class names."""
    texts = series.dropna().astype(str).str.strip()
    texts = texts[texts != ""]
    names = sorted(texts.unique())
    if not 2 <= len(names) <= MAX_CLASSES or len(names) > len(texts) / 2:
        return None
    codes = pd.Series(np.searchsorted(names, texts), index=texts.index, dtype=np.float64)
    return codes.reindex(series.index).to_numpy(dtype=np.float64, na_value=np.nan), names


def _is_row_number(header_name: str, values: np.ndarray) -> bool:
    """A nameless (or ``index``) column holding just 0, 1, 2, … or 1, 2, 3, …, as pandas' ``to_csv`` writes."""
    if header_name.strip().lower() not in ("", "index", "unnamed: 0"):
        return False
    n = len(values)
    return n > 1 and (np.array_equal(values, np.arange(n)) or np.array_equal(values, np.arange(1, n + 1)))


def _order_by_time(time: np.ndarray | None, time_name: str | None) -> tuple[np.ndarray | None, np.ndarray | None,
                                                                            list[str]]:  # fmt: skip
    """Rows to keep, in time order (``None``: all, as they are), the x-axis, and notes on what was done.

    Rows without a readable date are dropped; rows out of time order are sorted.
    """
    if time is None:
        return None, None, []
    notes = [f"{_quote(time_name)} is the x-axis, not a feature."]
    rows = None
    if time.dtype.kind == "M":
        time = time.astype("datetime64[ns]")
        if np.isnat(time).any():
            rows = np.flatnonzero(~np.isnat(time))
            notes.append(f"Dropped {len(time) - len(rows):,} rows whose {_quote(time_name)} is not a readable date.")
            time = time[rows]
    if not pd.Index(time).is_monotonic_increasing:
        order = np.argsort(time, kind="stable")
        rows, time = order if rows is None else rows[order], time[order]
        notes.append(f"Sorted the rows by {_quote(time_name)}: the file was not in time order.")
    return rows, time, notes


def _no_numbers(columns: _Columns) -> LstmLabError:
    found = [n for names in columns.left_out.values() for n in names] + list(columns.labels)
    besides = f" besides the x-axis {_quote(columns.time_name)}" if columns.time_name else ""
    return LstmLabError(
        f"The file needs at least one numeric column{besides}, but it has only text: {_names(found) or 'none'}. "
        "An LSTM learns from numbers: add a column of numbers, or check the delimiter and decimal mark.",
        field=_FIELD,
    )


def _left_out_notes(left_out: dict[str, list[str]]) -> list[str]:
    notes = []
    for kind, names in left_out.items():
        if names:
            label, reason = _LEFT_OUT[kind]
            notes.append(f"Left out {len(names)} {label} column{'s' * (len(names) > 1)}: {_names(names)} ({reason}).")
    return notes


def _quote(name: str) -> str:
    return "`" + str(name).replace("`", "'").replace("\n", " ") + "`"


def _names(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(_quote(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# ---------------------------------------------------------------- NumPy


def read_numpy(data: bytes, name: str, nan_policy: str = "refuse", limits: Limits = LIMITS) -> Dataset:
    """Read a ``.npy`` or ``.npz`` upload without ever unpickling.

    A 3-D array is ``X`` (samples, timesteps, features), with ``y`` from the ``.npz`` if present;
    a 1-D or 2-D array is a table (rows × columns) and gets ``nan_policy``.

    Raises:
        LstmLabError: not a NumPy file, a pickled or non-numeric array, a wrong shape, or bad values.
    """
    parsed = _parse_numpy(data, name, limits)
    return parsed if isinstance(parsed, Dataset) else parsed.to_dataset(nan_policy)


def _parse_numpy(data: bytes, name: str, limits: Limits) -> ParsedTable | Dataset:
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
    raise LstmLabError(
        f"The array has {got}, but an LSTM needs 3 dimensions: (samples, timesteps, features). "
        "Reshape it, for example `X.reshape(samples, timesteps, -1)`, and save it again with `np.save`.",
        field=_FIELD,
    )


def _read_npz(data: bytes, limits: Limits) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """``X`` and ``y`` from an ``.npz``: keys X/x and y/Y, else the first and second arrays."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {i.filename[:-4]: i for i in archive.infolist() if i.filename.endswith(".npy")}
            if not members:
                raise LstmLabError("The .npz file holds no arrays. Save X and y with `np.savez(path, X=X, y=y)`.",
                                   field=_FIELD)  # fmt: skip
            keys = list(members)
            x_key = next((k for k in ("X", "x") if k in members), keys[0])
            y_key = next((k for k in ("y", "Y") if k in members), next((k for k in keys if k != x_key), None))
            X = _read_member(archive, members[x_key], limits)
            y = None if y_key is None else _read_member(archive, members[y_key], limits)
    except LstmLabError:
        raise
    except _ZIP_ERRORS as e:
        raise LstmLabError(
            f"This is not a readable .npz file ({e}). Save the arrays with `np.savez(path, X=X, y=y)`.", field=_FIELD
        ) from e
    unused = [k for k in keys if k not in (x_key, y_key)]
    notes = [f"Not used: {_names(unused)} (only X and y are read)."] if unused else []
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
        raise LstmLabError(
            f"{label} is not a NumPy .npy file ({e}). Save arrays with `np.save`; for a CSV file, name it `.csv`.",
            field=_FIELD,
        ) from e
    if dtype.hasobject:
        raise LstmLabError(
            f"{label} holds Python objects (a pickled array); these are refused for safety, because loading them "
            "can run code. Save a numeric array instead: `np.save(path, X.astype('float32'))`.",
            field=_FIELD,
        )
    if dtype.kind not in "biuf":
        raise LstmLabError(
            f"{label} holds {_DTYPE_KINDS.get(dtype.kind, str(dtype))} ({dtype}), not numbers. Convert it to "
            "numbers (for example encode labels as 0, 1, 2, …) and save it with `np.save`.",
            field=_FIELD,
        )
    _check_cells(label, shape, limits)
    fp.seek(0)
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except (ValueError, EOFError, OSError) as e:
        raise LstmLabError(f"{label} is cut short or damaged ({e}). Save it again with `np.save`.",
                           field=_FIELD) from e  # fmt: skip


def _check_cells(label: str, shape: tuple[int, ...], limits: Limits) -> None:
    cells = math.prod(shape)
    if cells == 0:
        raise LstmLabError(f"{label} is empty (shape {shape}). Save an array that holds values.", field=_FIELD)
    if cells > limits.max_cells:
        raise LstmLabError(
            f"{label} has shape {shape}, {cells:,} values; the limit is {limits.max_cells:,}. Use fewer samples, "
            "or raise the limit with LSTM_LAB_MAX_CELLS.",
            field=_FIELD,
        )


def _sequences(name: str, X: np.ndarray, y: np.ndarray | None, notes: list[str], limits: Limits) -> Dataset:
    """Ready-made windows ``(samples, timesteps, features)``, with targets ``y`` if given."""
    samples, timesteps, _ = X.shape
    if timesteps > limits.max_timesteps:
        raise LstmLabError(
            f"The sequences have {timesteps:,} timesteps; the limit is {limits.max_timesteps:,}. Cut them into "
            "shorter windows, or raise the limit with LSTM_LAB_MAX_TIMESTEPS.",
            field=_FIELD,
        )
    check_data(samples, X.shape[2], limits)
    with np.errstate(over="ignore", invalid="ignore"):
        X = X.astype(np.float32)
    _refuse_nonfinite("X", X)
    if y is not None:
        if y.ndim == 0 or len(y) != samples:
            got = "a single number" if y.ndim == 0 else f"{len(y):,} entries"
            raise LstmLabError(
                f"`y` has {got}, but `X` has {samples:,} samples: they must match one to one. "
                "Save one target (or target row) per sample.",
                field=_FIELD,
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
        raise LstmLabError(
            f"`{label}` has {bad:,} missing or infinite values (NaN, inf, or beyond float32's ±3.4e38). "
            "Fill or remove them before saving; "
            "an LSTM cannot learn from them.",
            field=_FIELD,
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
    return _finish_table(name, columns, None, notes, limits)
