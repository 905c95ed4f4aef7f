"""A table read from a file, before its missing values are dealt with, and what all readers share.

A table is read in two steps, so the missing values can be shown before the user picks what to do
with them: a reader returns a :class:`ParsedTable` whose ``missing`` counts them, and
:meth:`ParsedTable.to_dataset` applies the NaN policy.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lstm_lab.data.dataset import Dataset
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import Limits, check_data
from lstm_lab.spec import NAN_POLICIES

MB = 1024 * 1024
FIELD = "data.source"


def file_error(message: str, code: str, **values) -> LstmLabError:
    """An uploaded file that cannot be used: ``message`` says why and what to change."""
    return LstmLabError(message, code=code, field=FIELD, **values)


_LEFT_OUT = {
    "text": ("text", "an LSTM needs numbers"),
    "date": ("extra date", "only one column can be the x-axis"),
    "row number": ("row-number", "it only counts the rows 0, 1, 2, …"),
    "empty": ("empty", "no values"),
    "constant": ("constant", "the same value in every row carries no information and breaks scaling"),
}


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
            LstmLabError: values are missing under ``refuse``, too few rows are left, or values overflow float32.
        """
        check_policy(nan_policy)
        frame, time, notes = self.frame, self.time, list(self.notes)
        missing = self.missing
        if missing and nan_policy == "refuse":
            raise _refused(missing, self.missing_rows)
        if missing and nan_policy == "drop":
            keep = frame.notna().all(axis=1).to_numpy()
            frame, time = frame[keep].reset_index(drop=True), None if time is None else time[keep]
            notes.append(f"Dropped {int((~keep).sum()):,} of {len(keep):,} rows with missing or infinite values.")
            check_rows(len(frame), "is left after dropping the rows with missing values",
                        "fill the gaps forward (`ffill`) instead")  # fmt: skip
        elif missing:
            frame = frame.ffill().bfill()
            notes.append(
                f"Filled {sum(missing.values()):,} missing or infinite values from the value before them "
                "(a gap at the very start takes the first value after it)."
            )
        with np.errstate(over="ignore"):
            if not np.isfinite(frame.to_numpy(dtype=np.float32)).all():
                raise file_error(
                    "Some values are too large for 32-bit floats (beyond ±3.4e38). Rescale the data (for example "
                    "divide by 1e30) and upload it again.",
                    "beyond_float32",
                )
        labels = {c: names for c, names in self.labels.items() if c in frame.columns}
        return Dataset(name=self.name, table=frame, time=time, notes=notes, labels=labels)


def check_policy(nan_policy: str) -> None:
    if nan_policy not in NAN_POLICIES:
        raise LstmLabError(
            f"Unknown missing-values policy {nan_policy!r}; choose one of {', '.join(NAN_POLICIES)}.",
            code="unknown_nan_policy",
            field="data.nan_policy",
        )


def _refused(missing: dict[str, int], rows: int) -> LstmLabError:
    counts = ", ".join(f"{quote(c)}: {n:,}" for c, n in list(missing.items())[:8])
    more = f" and {len(missing) - 8} more columns" if len(missing) > 8 else ""
    return LstmLabError(
        f"{sum(missing.values()):,} values are missing or infinite, in {rows:,} rows ({counts}{more}). "
        "Choose to drop those rows (`drop`) or to fill them forward (`ffill`), or fix the file.",
        code="missing_values",
        field="data.nan_policy",
    )


def finish_table(name: str, columns: dict[str, np.ndarray], time: np.ndarray | None, notes: list[str],
                  limits: Limits) -> ParsedTable:  # fmt: skip
    """Turn infinities into NaN, leave out empty and constant columns, and check the size.

    Args:
        columns: Equally long float64 columns by name.
    """
    rows = len(next(iter(columns.values())))
    check_rows(rows, "in the file", "add rows")
    names = np.array(list(columns), dtype=object)
    block = np.empty((len(columns), rows))  # one row per column: the layout pandas keeps
    for i, values in enumerate(columns.values()):
        block[i] = values
    block[np.isinf(block)] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        low, high = np.nanmin(block, axis=1), np.nanmax(block, axis=1)
    empty, constant = np.isnan(low), low == high
    notes = notes + left_out_notes({"empty": list(names[empty]), "constant": list(names[constant])})
    keep = ~(empty | constant)
    if not keep.any():
        raise file_error(
            "No numeric column changes over the rows (all are empty or constant), so there is nothing to learn. "
            "Upload data whose values vary.",
            "no_varying_column",
        )
    if not keep.all():
        block, names = block[keep], names[keep]
    check_data(rows, len(names), limits)
    frame = pd.DataFrame(block.T, columns=list(names), copy=False)
    return ParsedTable(name=name, frame=frame, time=time, notes=notes)


def check_rows(rows: int, where: str, fix: str) -> None:
    if rows < 2:
        raise file_error(
            f"Only {rows} data row{'s' * (rows != 1)} {where}. A series needs at least 2 rows, and more than "
            f"`timesteps` to make one window; {fix}.",
            "too_few_rows",
        )


def left_out_notes(left_out: dict[str, list[str]]) -> list[str]:
    notes = []
    for kind, names in left_out.items():
        if names:
            label, reason = _LEFT_OUT[kind]
            notes.append(
                f"Left out {len(names)} {label} column{'s' * (len(names) > 1)}: {quote_names(names)} ({reason})."
            )
    return notes


def quote(name: str) -> str:
    return "`" + str(name).replace("`", "'").replace("\n", " ") + "`"


def quote_names(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(quote(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
