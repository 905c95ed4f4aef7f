"""lstm_lab.data.upload and the readers behind it: every bad upload gets an LstmLabError that says what to
change, with a code; good ones load."""

import io
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_lab import LstmLabError
from lstm_lab.data.dataset import Dataset
from lstm_lab.data.table import ParsedTable
from lstm_lab.data.upload import check_size, load_upload, read_upload
from lstm_lab.limits import Limits

DATA = Path(__file__).parents[1] / "data"


def _npy(array, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _error(data: bytes, name: str, policy: str = "refuse", limits: Limits | None = None) -> str:
    with pytest.raises(LstmLabError) as info:
        load_upload(data, name, policy, **({"limits": limits} if limits else {}))
    return info.value.message


# ---------------------------------------------------------------- size


def test_a_file_over_the_cap_is_refused_naming_size_and_cap():
    limits = Limits(max_upload_mb=1)
    check_size(1024 * 1024, limits)
    with pytest.raises(LstmLabError, match=r"2\.00 MB.*limited to 1 MB.*LSTM_LAB_MAX_UPLOAD_MB"):
        check_size(2 * 1024 * 1024, limits)
    assert "limited to 1 MB" in _error(b"a\n" * 1_000_000, "big.csv", limits=limits)


def test_rows_over_the_limit_are_refused():
    message = _error(b"a\n" + b"1\n2\n" * 10, "long.csv", limits=Limits(max_rows=5))
    assert "20" in message and "LSTM_LAB_MAX_ROWS" in message


# ---------------------------------------------------------------- bad CSV files


@pytest.mark.parametrize("data", [b"", b"\n\r\n  \n", "\ufeff".encode()], ids=["empty", "blank lines", "BOM only"])
def test_an_empty_file_is_refused(data):
    assert "empty" in _error(data, "empty.csv")


def test_a_header_with_no_rows_is_refused():
    message = _error(b"date,temp,rain\n", "header.csv")
    assert "header row (`date`, `temp`, `rain`) but no data rows" in message and "Add at least 2 rows" in message


def test_only_text_columns_are_refused():
    message = _error(b"city,country\nParis,France\nLyon,France\n", "cities.csv")
    assert "at least one numeric column" in message and "`city`, `country`" in message


def test_one_data_row_is_too_few():
    assert "Only 1 data row" in _error(b"a,b\n1,2\n", "one.csv")


def test_random_bytes_named_csv_are_not_a_text_table():
    data = random.Random(0).randbytes(4096)
    assert "not a text table" in _error(data, "random.csv")


def test_control_characters_without_nul_are_not_a_text_table():
    assert "control characters" in _error(bytes(range(1, 32)) * 50, "noise.csv")


def test_an_excel_workbook_named_csv_is_explained():
    assert "export the sheet as CSV" in _error(b"PK\x03\x04" + b"\x14\x00" * 40, "book.csv")


def test_rows_that_do_not_split_evenly_are_explained():
    data = b"a,b\n" + b"1,2\n" * 60 + b"1,2,3,4\n"
    assert "do not split into the same columns" in _error(data, "ragged.csv")


def test_an_unknown_extension_lists_the_accepted_types():
    message = _error(b"a,b\n1,2\n3,4\n", "book.xlsx")
    assert "`.xlsx` files cannot be loaded" in message and ".csv" in message and ".npz" in message


# ---------------------------------------------------------------- missing values and constant columns

GAPS = b"a,b,c\n1,,3\n2,inf,6\n3,5,nan\n4,-inf,7\n5,9,8\n"


def test_missing_and_infinite_values_are_counted_before_a_policy_is_chosen():
    parsed = read_upload(GAPS, "gaps.csv")
    assert parsed.missing == {"b": 3, "c": 1}
    assert parsed.missing_rows == 4


def test_refuse_gives_the_counts_per_column_and_the_choices():
    message = _error(GAPS, "gaps.csv", "refuse")
    assert "4 values are missing or infinite, in 4 rows (`b`: 3, `c`: 1)" in message
    assert "`drop`" in message and "`ffill`" in message


def test_drop_removes_those_rows_and_says_how_many():
    ds = load_upload(GAPS + b"6,10,9\n", "gaps.csv", "drop")
    assert ds.table["a"].tolist() == [5.0, 6.0]
    assert "Dropped 4 of 6 rows with missing or infinite values." in ds.notes


def test_ffill_fills_forward_and_leading_gaps_backward():
    ds = load_upload(b"a,b\n1,\n2,inf\n3,5\n4,\n5,7\n", "gaps.csv", "ffill")
    assert ds.table["b"].tolist() == [5.0, 5.0, 5.0, 5.0, 7.0]
    assert any(n.startswith("Filled 3 missing or infinite values from the value before them") for n in ds.notes)


def test_drop_that_leaves_too_few_rows_suggests_filling():
    assert "fill the gaps forward (`ffill`) instead" in _error(b"a,b,c\n1,,1\n2,3,\n3,4,5\n", "gaps.csv", "drop")


def test_an_unknown_policy_is_refused():
    with pytest.raises(LstmLabError, match="refuse, drop, ffill") as info:
        load_upload(b"a\n1\n2\n", "a.csv", "zero")
    assert info.value.field == "data.nan_policy"


def test_constant_and_empty_columns_are_left_out_with_a_note():
    ds = load_upload(b"a,flag,blank,b\n1,7,,2\n2,7,,4\n3,7,,5\n", "c.csv", "refuse")
    assert ds.columns == ["a", "b"]
    assert any(n.startswith("Left out 1 constant column: `flag`") and "scaling" in n for n in ds.notes)
    assert any(n.startswith("Left out 1 empty column: `blank`") for n in ds.notes)


def test_only_constant_columns_are_refused():
    assert "nothing to learn" in _error(b"a,b\n1,2\n1,2\n1,2\n", "flat.csv")


# ---------------------------------------------------------------- good CSV files


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(sep):
    lines = [["s", "u", "v"]] + [[str(i % 3), f"{i * 0.5}", str(-i)] for i in range(5)]
    ds = load_upload("".join(sep.join(line) + "\n" for line in lines).encode(), "table.csv", "refuse")
    assert ds.columns == ["s", "u", "v"] and ds.rows == 5
    assert ds.table["u"].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]


def test_decimal_comma_with_semicolons():
    ds = load_upload(b"a;b\n1,5;2,7\n3,25;-4,1\n1.234,5;0,5\n", "euro.csv", "refuse")
    assert ds.table["a"].tolist() == [1.5, 3.25, 1234.5] and ds.table["b"].tolist() == [2.7, -4.1, 0.5]
    assert "Read as semicolon-separated values with `,` as the decimal mark." in ds.notes


def test_no_header_when_the_first_row_is_numbers():
    ds = load_upload(b"1,2,3\n4,5,6\n7,8,10\n", "raw.csv", "refuse")
    assert ds.columns == ["column_1", "column_2", "column_3"] and ds.rows == 3
    assert any("the columns are named `column_1` … `column_3`" in n for n in ds.notes)


def test_a_date_column_is_the_x_axis_and_rows_are_sorted_by_it():
    data = b"date,temp,city\n2024-01-03,3,Paris\n2024-01-01,1,Paris\n2024-01-02,2,Lyon\n"
    ds = load_upload(data, "weather.csv", "refuse")
    assert ds.columns == ["temp"]
    assert ds.time.dtype == np.dtype("datetime64[ns]")
    assert [str(t)[:10] for t in ds.time] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert ds.table["temp"].tolist() == [1.0, 2.0, 3.0]
    assert "`date` is the x-axis, not a feature." in ds.notes
    assert any(n.startswith("Sorted the rows by `date`") for n in ds.notes)
    assert "Left out 1 text column: `city` (an LSTM needs numbers)." in ds.notes


def test_a_date_column_is_found_by_its_content_and_day_first_when_that_fits():
    ds = load_upload(b"when;v\n31.01.2024;1\n01.02.2024;2\n13.02.2024;3\n", "d.csv", "refuse")
    assert ds.columns == ["v"]
    assert [str(t)[:10] for t in ds.time] == ["2024-01-31", "2024-02-01", "2024-02-13"]


def test_year_first_dates_in_a_european_file_are_not_read_day_first():
    rows = b"".join(b"2024-01-%02d 12:00;%d,5\n" % (day, day) for day in range(1, 29))
    ds = load_upload(b"stamp;v\n" + rows, "iso.csv", "refuse")
    assert str(ds.time[-1])[:10] == "2024-01-28" and ds.rows == 28


def test_month_first_that_fails_further_down_is_read_day_first():
    hours = np.arange(np.datetime64("2024-01-01T00"), np.datetime64("2024-01-26T00"))
    rows = "".join(f"{h.item():%d/%m/%Y %H:%M},{i % 7}\n" for i, h in enumerate(hours))
    ds = load_upload(("at,v\n" + rows).encode(), "hourly.csv", "refuse")
    assert ds.rows == len(hours) and str(ds.time[-1])[:13] == "2024-01-25T23"


@pytest.mark.parametrize("name", ["year", "Year", "yr", "fiscal_year"])
def test_a_year_column_is_the_index(name):
    ds = load_upload(f"{name},sales\n1999,1.5\n2000,2\n2001,2.5\n".encode(), "years.csv", "refuse")
    assert ds.columns == ["sales"]
    assert [str(t)[:4] for t in ds.time] == ["1999", "2000", "2001"]
    assert f"`{name}` is the x-axis, not a feature." in ds.notes


def test_counting_years_outside_the_calendar_range_are_the_index_too():
    ds = load_upload(b"year,v\n1,5\n2,6\n3,8\n", "study.csv", "refuse")
    assert ds.columns == ["v"] and ds.time.tolist() == [1, 2, 3]


@pytest.mark.parametrize("name", ["step", "t", "time_s", "Time"])
def test_a_counting_time_column_is_the_x_axis(name):
    ds = load_upload(f"{name},v\n0,5\n0.5,6\n1,8\n".encode(), "steps.csv", "refuse")
    assert ds.columns == ["v"] and ds.time.tolist() == [0.0, 0.5, 1.0]


def test_a_time_named_column_that_does_not_count_up_is_a_feature():
    ds = load_upload(b"runtime,time_spent,v\n3,5,1\n1,2,2\n2,4,3\n", "f.csv", "refuse")
    assert ds.columns == ["runtime", "time_spent", "v"] and ds.time is None


def test_unix_times_and_yyyymmdd_become_dates():
    ds = load_upload(b"timestamp,v\n1700000000,1\n1700000060,2\n", "unix.csv", "refuse")
    assert str(ds.time[1]).startswith("2023-11-14T22:14:20")
    ds = load_upload(b"date,v\n20240131,1\n20240201,2\n", "ymd.csv", "refuse")
    assert [str(t)[:10] for t in ds.time] == ["2024-01-31", "2024-02-01"]


def test_a_pandas_index_column_is_left_out():
    ds = load_upload(b",a,b\n0,1.5,2\n1,2.5,3\n2,3,5\n", "to_csv.csv", "refuse")
    assert ds.columns == ["a", "b"]
    assert any("row-number column" in n for n in ds.notes)


def test_latin1_file_with_accents_loads():
    ds = load_upload("Température,Druck\n1.5,1000\n2.5,1001\n".encode("latin-1"), "latin.csv", "refuse")
    assert ds.columns == ["Température", "Druck"]
    assert any("not UTF-8" in n for n in ds.notes)


def test_utf8_with_bom_and_utf16_load():
    text = "Température,b\n1,2\n3,5\n"
    for data in (b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16")):
        ds = load_upload(data, "bom.csv", "refuse")
        assert ds.columns == ["Température", "b"] and ds.notes == []


def test_a_european_excel_export_loads():
    ds = load_upload((DATA / "european_latin1.csv").read_bytes(), "european_latin1.csv", "refuse")
    assert ds.columns == ["Température (°C)", "Luftdruck"]
    assert ds.table["Température (°C)"].tolist() == [-0.5, 0.25, 1.5, 2.75]
    assert [str(t)[:10] for t in ds.time] == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]


def test_html_in_column_names_is_kept_as_plain_text_and_names_are_unique():
    data = b"<img src=x onerror=alert(1)>,<b>v</b>,<b>v</b>,\n1,2,3,4\n5,6,8,9\n"
    ds = load_upload(data, "xss.csv", "refuse")
    assert ds.columns == ["<img src=x onerror=alert(1)>", "<b>v</b>", "<b>v</b> (2)", "column_4"]
    assert all(isinstance(c, str) for c in ds.table.columns)


def test_stray_words_in_a_numeric_column_count_as_missing():
    parsed = read_upload(b"a,b\n" + b"".join(b"%d,2\n" % i for i in range(20)) + b"oops,3\n", "stray.csv")
    assert parsed.missing == {"a": 1}
    assert any("such as 'oops'" in n for n in parsed.notes)


# ---------------------------------------------------------------- NumPy


def test_a_3d_npy_is_sequences():
    X = np.random.default_rng(0).normal(size=(12, 5, 3))
    ds = load_upload(_npy(X), "x.npy", "refuse")
    assert not ds.is_series and ds.X.shape == (12, 5, 3) and ds.X.dtype == np.float32 and ds.y is None


def test_an_npz_gives_x_and_y():
    X, y = np.ones((8, 4, 2)), np.arange(8) % 2
    ds = load_upload(_npz(X=X, y=y, lengths=np.full(8, 4)), "xy.npz", "refuse")
    assert ds.X.shape == (8, 4, 2) and ds.y.tolist() == y.tolist()
    assert "Not used: `lengths` (only X and y are read)." in ds.notes
    positional = load_upload(_npz(arr_0=X, arr_1=y.astype(np.float64)), "pos.npz", "refuse")
    assert positional.y.dtype == np.float32 and len(positional.y) == 8


def test_y_must_match_the_samples():
    message = _error(_npz(X=np.ones((8, 4, 2)), y=np.zeros(7)), "xy.npz")
    assert "`y` has 7 entries, but `X` has 8 samples" in message


def test_a_2d_array_is_a_table_and_a_1d_array_one_column():
    table = np.arange(30, dtype=np.float64).reshape(10, 3) ** 2
    ds = load_upload(_npy(table), "t.npy", "refuse")
    assert ds.is_series and ds.columns == ["column_1", "column_2", "column_3"] and ds.rows == 10
    assert any("read as a table" in n and "(samples, timesteps, features)" in n for n in ds.notes)
    ds = load_upload(_npy(np.sin(np.arange(20.0))), "s.npy", "refuse")
    assert ds.columns == ["column_1"] and ds.rows == 20


def test_a_table_array_follows_the_nan_policy():
    table = np.arange(12, dtype=np.float64).reshape(6, 2)
    table[2, 1] = np.nan
    assert isinstance(read_upload(_npy(table), "t.npy"), ParsedTable)
    assert "(`column_2`: 1)" in _error(_npy(table), "t.npy", "refuse")
    assert load_upload(_npy(table), "t.npy", "drop").rows == 5


def test_a_4d_array_is_refused_with_its_shape():
    message = _error(_npy(np.zeros((4, 5, 3, 2))), "x.npy")
    assert "shape (4, 5, 3, 2) (4 dimensions)" in message and "(samples, timesteps, features)" in message


SPRUNG = []


def _spring(what):
    SPRUNG.append(what)


class _Trap:
    """Unpickling this calls ``_spring``: a stand-in for code an attacker would run."""

    def __reduce__(self):
        return (_spring, ("unpickled",))


def test_a_pickled_object_array_is_refused_without_unpickling():
    data = _npy(np.array([_Trap(), 1], dtype=object), allow_pickle=True)
    for name, payload in (("obj.npy", data), ("obj.npz", _npz(X=np.array([_Trap()], dtype=object)))):
        with pytest.raises(LstmLabError, match="refused for safety") as info:
            load_upload(payload, name, "refuse")
        assert "np.save" in info.value.message
    assert SPRUNG == []


def test_text_arrays_are_refused():
    assert "holds text (<U3), not numbers" in _error(_npy(np.array(["abc", "def"])), "s.npy")


def test_nan_in_sequences_is_refused_with_the_count():
    X = np.ones((5, 4, 2))
    X[0, 0, 0], X[1, 2, 1] = np.nan, np.inf
    assert "`X` has 2 missing or infinite values" in _error(_npy(X), "x.npy")


@pytest.mark.parametrize("name", ["garbage.npy", "garbage.npz"])
def test_garbage_named_numpy_is_explained(name):
    message = _error(b"date,temp\n2024-01-01,3\n", name)
    assert "np.save" in message


def test_a_truncated_npy_is_explained():
    assert "cut short or damaged" in _error(_npy(np.ones((50, 4, 2)))[:-100], "cut.npy")


def test_an_array_over_the_cell_limit_is_refused_before_reading():
    message = _error(_npy(np.ones((100, 10, 2))), "big.npy", limits=Limits(max_cells=1000))
    assert "2,000 values; the limit is 1,000" in message


def test_sequences_longer_than_the_timestep_limit_are_refused():
    assert "LSTM_LAB_MAX_TIMESTEPS" in _error(_npy(np.ones((3, 40, 1))), "x.npy", limits=Limits(max_timesteps=30))


# ---------------------------------------------------------------- any bytes at all


def _only_lstm_lab_errors(data: bytes, name: str, policy: str) -> None:
    try:
        assert isinstance(load_upload(data, name, policy), Dataset)
    except LstmLabError as e:
        assert e.message


NAMES = st.sampled_from(["a.csv", "a.txt", "a.tsv", "a.npy", "a.npz", "a.bin"])
POLICIES = st.sampled_from(["refuse", "drop", "ffill"])
FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@FAST
@given(st.binary(max_size=512), NAMES, POLICIES)
def test_random_bytes_raise_only_lstm_lab_errors(data, name, policy):
    _only_lstm_lab_errors(data, name, policy)


CSV_PIECES = st.sampled_from([*'0123456789,;.\t|\n\r-" e', "nan", "inf", "2024-01-02", "date", "year", "1999"])


@FAST
@given(st.lists(CSV_PIECES, max_size=80).map("".join), POLICIES)
def test_random_csv_like_text_raises_only_lstm_lab_errors(text, policy):
    _only_lstm_lab_errors(text.encode(), "a.csv", policy)


VALID = [
    (_npy(np.ones((4, 3, 2))), "a.npy"),
    (_npy(np.arange(6.0).reshape(3, 2)), "a.npy"),
    (_npz(X=np.ones((4, 3, 2)), y=np.arange(4)), "a.npz"),
]


@FAST
@given(st.sampled_from(VALID), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
       st.integers(0, 10_000))  # fmt: skip
def test_damaged_numpy_files_raise_only_lstm_lab_errors(valid, flips, cut):
    data, name = valid
    damaged = bytearray(data)
    for at, value in flips:
        damaged[at % len(damaged)] = value
    _only_lstm_lab_errors(bytes(damaged[: max(cut, 1)]), name, "refuse")


# ---------------------------------------------------------------- text class labels


def _classes_csv(rows: int = 90) -> bytes:
    lines = ["f1,f2,label,comment"]
    for i in range(rows):
        lines.append(f"{np.sin(i / 3):.3f},{np.cos(i / 5):.3f},{['low', 'mid', 'high'][i % 3]},note {i}")
    return ("\n".join(lines) + "\n").encode()


def test_a_text_column_with_few_classes_becomes_a_label_column():
    from lstm_lab.data.columns import pick_columns
    from lstm_lab.data.window import prepare
    from lstm_lab.spec import DataSpec

    ds = load_upload(_classes_csv(), "classes.csv", "refuse")
    assert ds.labels == {"label": ["high", "low", "mid"]}
    assert ds.table["label"].tolist()[:3] == [1.0, 2.0, 0.0]
    assert "comment" not in ds.table  # free text (every value different) is still left out
    assert any("`label` holds 3 text classes (`high`, `low`, `mid`)" in n for n in ds.notes), ds.notes
    spec = DataSpec(task="multiclass", timesteps=5)
    assert pick_columns(ds, spec) == (["f1", "f2"], ["label"])
    assert pick_columns(ds, DataSpec(timesteps=5)) == (["f1", "f2"], ["f1"])  # regression: labels are not inputs
    prep = prepare(ds, spec)
    assert prep.class_names == ["high", "low", "mid"] and prep.X.shape[2] == 2


def test_a_continuous_label_column_is_refused_before_training():
    from lstm_lab.data.window import window_summary
    from lstm_lab.spec import DataSpec

    ds = load_upload(_classes_csv(), "classes.csv", "refuse")
    with pytest.raises(LstmLabError, match=r"Classification needs 2 to 50 distinct labels; the labels have 8\d"):
        window_summary(ds, DataSpec(task="multiclass", timesteps=5, targets=["f1"]))


def test_labels_alone_are_not_enough():
    message = _error(b"label\na\nb\na\nb\n", "labels.csv")
    assert "at least one numeric column" in message and "`label`" in message
