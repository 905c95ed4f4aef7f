"""Helpers for browser tests: the app's real server (``serve.py``, as start.sh runs it), Debian's Chromium, waits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
expect.set_options(timeout=30_000)  # a shared 2-core machine can take seconds per rerun


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The app's server as ``scripts/start.sh`` starts it (``serve.py``: ``streamlit run app.py`` with the compute
    tier started with the server), on a free port (or ``port``); its log is kept for failing tests."""

    def __init__(self, env: dict | None = None, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = SHOTS.parent / f"server-{self.port}{'-again' if port else ''}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable, "serve.py",
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
            start_new_session=True,
        )  # fmt: skip
        self._wait_healthy()

    def _wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"streamlit did not start; log: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()


def new_page(browser) -> Page:
    """A page in a fresh browser context (its own cookies: another person, as far as the app knows)."""
    pg = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    pg.set_default_timeout(60_000)
    return pg


def open_page(page: Page, server: Server, path: str = "") -> Page:
    """Open a page of the app and wait until its script has finished running."""
    page.goto(f"{server.url}/{path}")
    page.locator(IDLE).wait_for()
    return page


def settle(page: Page) -> None:
    """Wait for the app to be idle (call after waiting for the element you expect)."""
    page.locator(IDLE).wait_for()


def start_training(page: Page, epochs: int) -> None:
    """On the Train page: set the epochs and press Train."""
    box = page.get_by_label("Epochs (`epochs`)")
    box.fill(str(epochs))
    box.press("Enter")
    settle(page)
    page.get_by_role("button", name="Train", exact=True).click()


def train_to_the_end(page: Page, epochs: int) -> None:
    """On the Train page: train for ``epochs`` and wait until the page says it finished."""
    start_training(page, epochs)
    finished(page, epochs, timeout=120_000)


def finished(page: Page, epochs: int, timeout: float = 30_000) -> None:
    """Wait until the Train page says the training finished and has redrawn itself with Train enabled again
    (the live progress ends with a full rerun; a link clicked before that can be lost to it)."""
    expect(page.get_by_text(f"Training finished. Epoch {epochs} of {epochs}.")).to_be_visible(timeout=timeout)
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled()
    settle(page)


def csv_bytes(rows: int = 160) -> bytes:
    """A European-style CSV: semicolons, decimal commas, a date column and a text column."""
    import numpy as np
    import pandas as pd

    days = pd.date_range("2024-01-01", periods=rows, freq="D").strftime("%Y-%m-%d")
    lines = ["date;temperature;humidity;city"]
    for i, day in enumerate(days):
        temperature, humidity = f"{20 + 5 * np.sin(i / 6):.3f}", f"{50 + 10 * np.cos(i / 9):.3f}"
        lines.append(f"{day};{temperature.replace('.', ',')};{humidity.replace('.', ',')};Paris")
    return ("\n".join(lines) + "\n").encode()


def choose(page: Page, box: str, option: str, tries: int = 3) -> None:
    """Pick ``option`` in the select box labelled ``box``. A click on a select box right after a rerun
    sometimes leaves it closed (seen here with Streamlit 1.67, not explained): it is clicked again, as a
    person would."""
    settle(page)
    for _ in range(tries):
        page.get_by_role("combobox", name=box).click()
        try:
            page.get_by_role("option", name=option).click(timeout=5_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError(f"the {box!r} select box did not offer {option!r}")


def upload(page, name: str, data: bytes, mime: str = "text/csv") -> None:
    page.get_by_label("Dataset").click()
    page.get_by_role("option", name="Your file (CSV or NumPy)").click()
    settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )


def upload_and_train(page, epochs: int) -> None:
    """From an open page: upload the weather CSV (140 windows of 20 steps × 2 features) and train it."""
    upload(page, "weather.csv", csv_bytes())
    expect(page.get_by_text("(140, 20, 2)")).to_be_visible()
    page.get_by_role("link", name="Train").click()
    train_to_the_end(page, epochs)
