"""Reading delimited text: decoding, sniffing the delimiter, decimal mark and header, and parsing the rows."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from lstm_lab.data.csv_columns import DATE_LIKE, MOSTLY, classify, no_numbers, order_by_time
from lstm_lab.data.table import ParsedTable, file_error, finish_table, left_out_notes, quote, quote_names
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS, Limits

DELIMITERS = (",", ";", "\t", "|")
_PREFERRED = ("\t", ";", "|", ",")  # when several delimiters split every row evenly
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe (`|`)"}
_SAMPLE_LINES = 50
_EXTRA_NA = ["?", "-", "--", "#DIV/0!", "#VALUE!", "#NUM!", "#REF!", "#NAME?", "missing"]
_NA_WORDS = {"", "na", "n/a", "nan", "null", "none", "#n/a", *(v.lower() for v in _EXTRA_NA)}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SEP_LINE = re.compile(r'"?sep=([,;\t|])"?\r?\n')
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|[-+]?inf(inity)?", re.IGNORECASE)
_COMMA_DECIMAL = re.compile(r"[-+]?\d+,\d+([eE][-+]?\d+)?")
_POINT_DECIMAL = re.compile(r"[-+]?\d*\.\d+([eE][-+]?\d+)?")
_POINT_THOUSANDS = re.compile(r"[-+]?\d{1,3}(\.\d{3})+,\d*")
_SIGNATURES = {
    b"\x93NUMPY": "a NumPy .npy array; name it `.npy`",
    b"PK\x03\x04": "a ZIP archive (an Excel workbook, or a NumPy .npz); export the sheet as CSV, or name it `.npz`",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls); export the sheet as CSV",
}


def read_csv(data: bytes, name: str, limits: Limits = LIMITS) -> ParsedTable:
    """Read a delimited text table: sniff delimiter, decimal mark and header; pick the x-axis.

    Text columns are left out, a date or year column becomes ``time``; ``notes`` say so.

    Raises:
        LstmLabError: the bytes are not a text table, are empty, or hold no usable numeric column.
    """
    text, notes = _decode(data)
    body, delimiter = _split_preamble(text)
    if not body or body.isspace():
        raise file_error(
            "The file is empty. Upload a table with a header row and at least 2 rows of numbers.", "empty_file"
        )
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
    columns = classify(raw, fields, header or [], decimal)
    if not set(columns.numeric) - set(columns.labels):  # class labels alone give the model no input
        raise no_numbers(columns)
    rows, time, time_notes = order_by_time(columns.time, columns.time_name)
    numeric = columns.numeric if rows is None else {k: v[rows] for k, v in columns.numeric.items()}
    notes += columns.notes + time_notes + left_out_notes(columns.left_out)
    table = finish_table(name, numeric, time, notes, limits)
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
    return file_error(
        f"This is not a text table: {why}. Upload a CSV file (rows of values separated by commas, semicolons, "
        "tabs or `|`), or a NumPy `.npy`/`.npz` array.",
        "not_text",
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
        raise file_error(
            f"The file could not be split into rows and columns ({e}). Save it as a CSV file with one row per line.",
            "unsplittable_rows",
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
    even = [d for d in _PREFERRED if shares.get(d, 0) >= MOSTLY]
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
    return "date" if DATE_LIKE.fullmatch(value) else "text"


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
    return file_error(
        f"The file has a header row ({quote_names(_unique_names(header, len(header)))}) but no data rows. "
        "Add at least 2 rows of values below the header.",
        "header_only",
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
        raise file_error(
            f"The rows do not split into the same columns ({str(e).strip()}). The values were read as "
            f"{_DELIMITER_NAMES[delimiter]}-separated: check the delimiter, and quote values that contain it.",
            "ragged_rows",
        ) from e


def _no_values() -> LstmLabError:
    return file_error("The file holds no values. Upload a table with at least 2 rows of numbers.", "no_values")


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
        span = f"{quote(fields[0])} … {quote(fields[-1])}" if len(fields) > 1 else quote(fields[0])
        notes.append(f"The first row holds numbers, so it is data: the columns are named {span}.")
    return notes
