"""Sorting a CSV's columns: the x-axis (dates, years, Unix times), numbers, text labels, and those left out."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lstm_lab.data.columns import MAX_CLASSES
from lstm_lab.data.table import file_error, quote, quote_names
from lstm_lab.errors import LstmLabError

MOSTLY = 0.9  # share of a column's values that must read as numbers (or dates) for the column to count as such
_CLOCK = r"([ T]\d{1,2}:\d{2}.*)?"
DATE_LIKE = re.compile(
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


@dataclass
class Columns:
    """How the columns of a table were sorted out."""

    numeric: dict[str, np.ndarray] = field(default_factory=dict)
    time_name: str | None = None
    time: np.ndarray | None = None
    left_out: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    labels: dict[str, list[str]] = field(default_factory=dict)

    def leave_out(self, kind: str, name: str) -> None:
        self.left_out.setdefault(kind, []).append(name)


def classify(raw: pd.DataFrame, fields: list[str], header: list[str], decimal: str) -> Columns:
    """Sort the columns into the x-axis, numeric features and those left out."""
    columns = Columns()
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
                    f"{quote(name)} holds {len(label[1])} text classes ({quote_names(label[1])}): it is offered as the "
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
    if sample.empty or not (named or sample.map(lambda v: bool(DATE_LIKE.fullmatch(v))).mean() >= MOSTLY):
        return None
    likely = european or bool(_DOTTED_DATE.match(sample.iloc[0]))
    candidates = (False,) if _YEAR_FIRST.match(sample.iloc[0]) else (likely, not likely)
    fits = {dayfirst: _date_fit(_to_datetime(sample, dayfirst)) for dayfirst in candidates}
    for dayfirst in sorted((d for d in fits if fits[d][0] >= MOSTLY), key=fits.get, reverse=True):
        stamps = _to_datetime(texts, dayfirst)
        if stamps is not None and stamps.notna().sum() >= MOSTLY * len(texts):
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
    if pd.to_numeric(texts.iloc[:1000], errors="coerce").notna().mean() < MOSTLY:
        return None
    numbers = pd.to_numeric(texts, errors="coerce")
    bad = numbers.isna()
    if bad.mean() > 1 - MOSTLY:
        return None
    if bad.any():
        notes.append(
            f"{quote(name)}: {int(bad.sum()):,} values are not numbers (such as {texts[bad].iloc[0]!r}); "
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


def order_by_time(time: np.ndarray | None, time_name: str | None) -> tuple[np.ndarray | None, np.ndarray | None,
                                                                            list[str]]:  # fmt: skip
    """Rows to keep, in time order (``None``: all, as they are), the x-axis, and notes on what was done.

    Rows without a readable date are dropped; rows out of time order are sorted.
    """
    if time is None:
        return None, None, []
    notes = [f"{quote(time_name)} is the x-axis, not a feature."]
    rows = None
    if time.dtype.kind == "M":
        time = time.astype("datetime64[ns]")
        if np.isnat(time).any():
            rows = np.flatnonzero(~np.isnat(time))
            notes.append(f"Dropped {len(time) - len(rows):,} rows whose {quote(time_name)} is not a readable date.")
            time = time[rows]
    if not pd.Index(time).is_monotonic_increasing:
        order = np.argsort(time, kind="stable")
        rows, time = order if rows is None else rows[order], time[order]
        notes.append(f"Sorted the rows by {quote(time_name)}: the file was not in time order.")
    return rows, time, notes


def no_numbers(columns: Columns) -> LstmLabError:
    found = [n for names in columns.left_out.values() for n in names] + list(columns.labels)
    besides = f" besides the x-axis {quote(columns.time_name)}" if columns.time_name else ""
    return file_error(
        f"The file needs at least one numeric column{besides}, but it has only text: {quote_names(found) or 'none'}. "
        "An LSTM learns from numbers: add a column of numbers, or check the delimiter and decimal mark.",
        "no_numeric_column",
    )
