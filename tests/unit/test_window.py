"""lstm_lab.data.pipeline and lstm_lab.data.window: window counts, target alignment, no per-window copies,
leakage-free scaling, and the checks before them."""

import numpy as np
import pytest

from lstm_lab import DataSpec, LstmLabError
from lstm_lab.data.generate import sine_table
from lstm_lab.data.pipeline import fit_scaler, scale, unscale, window_count, windows
from lstm_lab.data.window import check_window, prepare, split_counts, window_summary


def _table(n, f=2):
    return np.arange(n * f, dtype=np.float64).reshape(n, f)


@pytest.mark.parametrize("n, t, h, s", [(100, 20, 1, 1), (100, 20, 5, 3), (50, 49, 1, 1), (1000, 7, 2, 10)])
def test_count_follows_the_formula(n, t, h, s):
    X, y, _ = windows(_table(n), _table(n, 1), t, h, s)
    assert len(X) == window_count(n, t, h, s) == (n - t - h) // s + 1


def test_windows_and_next_targets_line_up():
    values = _table(30, 2)
    X, y, rows = windows(values, values[:, :1], timesteps=4, horizon=2, stride=3)
    assert X.shape == (9, 4, 2) and y.shape == (9, 1)
    for i in range(len(X)):
        start = 3 * i
        np.testing.assert_array_equal(X[i], values[start : start + 4])
        assert rows[i] == start + 4 - 1 + 2
        assert y[i, 0] == values[rows[i], 0]


def test_next_k_and_seq2seq_targets():
    values = _table(40, 1)
    _, y, rows = windows(values, values, timesteps=5, horizon=3, target_mode="next_k")
    np.testing.assert_array_equal(y[0], values[5:8, 0])
    _, y, rows = windows(values, values, timesteps=5, horizon=2, target_mode="seq2seq")
    assert y.shape == (34, 5, 1)
    np.testing.assert_array_equal(y[0, :, 0], values[2:7, 0])


def test_windows_are_views_not_copies():
    values = np.random.default_rng(0).standard_normal((10_000, 8)).astype(np.float32)
    X, _, _ = windows(values, values[:, :1], timesteps=20)
    assert np.shares_memory(X, values)
    assert X.base is not None


def test_too_short_says_what_it_needs():
    with pytest.raises(LstmLabError, match="needs at least 31 rows, but the data has 20. Shorten `timesteps`"):
        check_window(20, timesteps=30)


def test_split_is_chronological_and_complete():
    assert split_counts(100, 0.15, 0.15) == (70, 15, 15)
    assert sum(split_counts(7, 0.2, 0.2)) == 7
    with pytest.raises(LstmLabError, match="nothing is left for training"):
        split_counts(2, 0.5, 0.5)


def test_scaler_is_fitted_on_training_rows_only():
    ds = sine_table(300, 1, 0.0, seed=1)
    ds.table.iloc[250:, 0] += 100.0  # a jump in the test period must not move the scaler
    prep = prepare(ds, DataSpec(timesteps=10, val_fraction=0.1, test_fraction=0.2))
    train_rows = ds.table.iloc[: prep.rows[prep.n_train - 1] + 1, 0]
    assert prep.target_scaler[0][0] == pytest.approx(train_rows.mean(), rel=1e-5)
    x_train, _ = prep.part("train")
    assert abs(float(x_train.mean())) < 0.2


def test_scaler_round_trip_and_constant_column():
    values = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]])
    for kind in ("standard", "minmax", "none"):
        sc = fit_scaler(values, kind)
        np.testing.assert_allclose(unscale(scale(values, sc), sc), values, rtol=1e-6)


def test_summary_matches_prepared_arrays():
    ds = sine_table(400, 3, 0.1, seed=0)
    spec = DataSpec(timesteps=25, horizon=2, stride=2)
    s = window_summary(ds, spec)
    prep = prepare(ds, spec)
    assert s.X == prep.X.shape and s.y == prep.y.shape
    assert s.splits == (prep.n_train, prep.n_val, prep.n_test)


def test_variable_length_sequences_are_padded_before_or_after():
    from lstm_lab.data.generate import varlen_sequences

    ds = varlen_sequences(40, 12, 1, 0.0, seed=3)
    for padding in ("post", "pre"):
        prep = prepare(ds, DataSpec(source="varlen", task="binary", timesteps=12, padding=padding))
        zeros = prep.X[:, :, 0] == 0.0
        for i, n in enumerate(ds.lengths):
            padded = zeros[i, n:] if padding == "post" else zeros[i, : 12 - n]
            assert padded.all() and len(padded) == 12 - n


def test_sequence_scaler_ignores_padding():
    from lstm_lab.data.generate import varlen_sequences

    ds = varlen_sequences(60, 12, 1, 0.0, seed=1)
    ds.X[ds.X != 0] += 5.0  # real values around 5; padding stays 0
    prep = prepare(ds, DataSpec(source="varlen", task="binary", timesteps=12))
    real = np.arange(12)[None, :] < ds.lengths[: prep.n_train, None]
    assert abs(float(prep.X[: prep.n_train][real].mean())) < 0.05


def test_classification_labels_from_a_column():
    import pandas as pd

    from lstm_lab.data.dataset import Dataset

    table = pd.DataFrame({"x": np.arange(50.0), "label": ["a", "b"] * 25})
    table["label"] = (table["label"] == "b").astype(float)
    prep = prepare(Dataset("t", table=table), DataSpec(task="binary", features=["x"], targets=["label"], timesteps=5))
    assert prep.class_names == ["0", "1"] and set(np.unique(prep.y)) == {0, 1}
    with pytest.raises(LstmLabError, match="exactly 2 distinct labels"):
        prepare(Dataset("t", table=table.assign(label=np.arange(50) % 3)), DataSpec(task="binary", targets=["label"]))
