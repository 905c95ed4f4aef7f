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
