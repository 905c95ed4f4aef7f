"""Browser fixtures: one real `streamlit run` server and one Chromium for the session, a fresh
context per test. Screenshots go to artifacts/screenshots/ (git-ignored) when a test fails, or
for every test with ``LSTM_LAB_SCREENSHOTS=1``.
"""

import os
import re

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, SHOTS, Server, new_page
from playwright.sync_api import Page, sync_playwright


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request) -> Page:
    pg = new_page(browser)
    context = pg.context
    yield pg
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed or os.environ.get("LSTM_LAB_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]", "_", request.node.name)
        pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
