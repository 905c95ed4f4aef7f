"""Shared test setup: quiet TensorFlow, one local Ray for the whole session, a throwaway browser store."""

import atexit
import os
import shutil
import tempfile

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
# The app saves each browser's work in LSTM_LAB_DATA_DIR: tests (and the servers they start) use a temporary one.
if "LSTM_LAB_DATA_DIR" not in os.environ:
    os.environ["LSTM_LAB_DATA_DIR"] = tempfile.mkdtemp(prefix="lstm_lab_test_data_")
    atexit.register(shutil.rmtree, os.environ["LSTM_LAB_DATA_DIR"], ignore_errors=True)


@pytest.fixture
def one_slot_env():
    """Extra environment for :func:`one_slot`'s compute tier; a test module overrides it to add some."""
    return {}


@pytest.fixture
def one_slot(monkeypatch, one_slot_env):
    """Trainings go to a compute tier of their own with one training slot (the suite's own tier is untouched)."""
    from lstm_lab import compute
    from lstm_lab.compute.engine import Engine

    monkeypatch.setenv("LSTM_LAB_MAX_CONCURRENT_TRAININGS", "1")
    for name, value in one_slot_env.items():
        monkeypatch.setenv(name, value)
    e = Engine()
    monkeypatch.setattr(compute.jobs, "engine", lambda: e)
    try:
        e.wait_ready()
        yield e
    finally:
        e.close()
