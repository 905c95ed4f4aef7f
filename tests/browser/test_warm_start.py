"""The lab is warm when the server is: the server started as the README starts it (``serve.py``) has its
compute service, Ray and the warm Keras worker up and the pages' modules loaded before any browser connects,
and the first visit uses that same service instead of starting another."""

import time

import psutil
from browser_helpers import ROOT, Server, open_page
from playwright.sync_api import expect

READY = "Keras workers ready"
PRELOADED = "Pages loaded"


def test_the_tests_start_the_server_as_start_sh_does():
    start = (ROOT / "scripts" / "start.sh").read_text()
    assert "exec .venv/bin/python serve.py " in start  # the README's command; Server() runs the same entry


def services(server: Server) -> list[psutil.Process]:
    """The server's compute service processes (``python -m lstm_lab.compute.service``)."""
    return [p for p in psutil.Process(server.proc.pid).children() if "lstm_lab.compute.service" in p.cmdline()]


def wait_for(what: str, found, timeout: float = 300):
    """``found()``'s first truthy value, polled until ``timeout`` (a generous wait, not a speed check)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"no {what} after {timeout:.0f} s")


def test_the_compute_tier_is_ready_before_the_first_visit_and_serves_it(browser):
    server = Server()
    try:
        service = wait_for("compute service", lambda: services(server))
        assert len(service) == 1
        wait_for("ready line in the server log", lambda: READY in server.log_path.read_text())
        assert PRELOADED in server.log_path.read_text()  # the pages' modules too: the first run need not load them
        names = [" ".join(p.cmdline()) for p in service[0].children(recursive=True)]
        assert any(name.startswith("ray::ShapesWorker") for name in names), names
        assert "raylet" in " ".join(names)

        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        try:
            open_page(page, server, "model")
            expect(page.locator('[data-testid="stTable"]').filter(has_text="(None, ")).to_be_visible()
        finally:
            page.context.close()
        assert [p.pid for p in services(server)] == [service[0].pid]  # the app used the warm service
        assert server.log_path.read_text().count(READY) == 1
    finally:
        server.stop()
