"""AppTest fixtures: a fresh app per test, sharing the process's Ray instance."""

import pytest
from app_helpers import APP, TIMEOUT
from streamlit.testing.v1 import AppTest


@pytest.fixture
def app():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def token(monkeypatch, tmp_path):
    """This test's browser: its token, and a store of its own in a fresh data directory.

    AppTest sends no cookies, so the sessions of one test share a token through ``persist._cookie``.
    """
    from app_helpers import restart

    from lstm_lab.store import new_token
    from ui import persist

    monkeypatch.setenv("LSTM_LAB_DATA_DIR", str(tmp_path))
    persist.store.cache_clear()
    t = new_token()
    monkeypatch.setattr(persist, "_cookie", lambda: t)
    yield t
    restart()
