"""Shared test setup: quiet TensorFlow, one local Ray for the whole session, a throwaway browser store."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
# The app saves each browser's work in LSTM_LAB_DATA_DIR: tests (and the servers they start) use a temporary one.
if "LSTM_LAB_DATA_DIR" not in os.environ:
    os.environ["LSTM_LAB_DATA_DIR"] = tempfile.mkdtemp(prefix="lstm_lab_test_data_")
    atexit.register(shutil.rmtree, os.environ["LSTM_LAB_DATA_DIR"], ignore_errors=True)
