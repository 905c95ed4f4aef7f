"""Shared pieces of the benchmarks: servers on free ports, Chromium, timing in the browser, numbers.

Benchmarks are scripts run from the project root (``.venv/bin/python bench/<name>.py``); they import
each other flat (``import common``), and start any process that needs ``lstm_lab`` with the project
root on its ``PYTHONPATH``. Process trees, memory and CPU accounting live in ``procs.py``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from procs import kill_tree

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "artifacts" / "bench"
PYTHON = sys.executable
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
TABLE = '[data-testid="stTable"]'
UNITS = 'input[type="range"][aria-label="Units (`units`)"]'
STARTUP_TIMEOUT_MS = 180_000
SERVE = "serve.py"  # the README's entry: ``streamlit run app.py`` with the compute tier started first


def env_with_root(extra: dict | None = None) -> dict:
    """The environment with the project root on ``PYTHONPATH`` (so ``lstm_lab`` imports)."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **(extra or {})}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``streamlit run <script>`` (``python serve.py`` for :data:`SERVE`) on a free port (or ``port``); ``started``
    is the moment it was launched."""

    def __init__(self, script: str = "app.py", wait: bool = True, env: dict | None = None, port: int | None = None):
        self.script = script
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"server-{Path(script).stem}-{self.port}.log"
        entry = [PYTHON, script] if script == SERVE else [PYTHON, "-m", "streamlit", "run", script]
        cmd = [
            *entry,
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        self._log = open(self.log_path, "w")  # closed in stop()
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
            start_new_session=True,
        )  # fmt: skip
        if wait:
            self.wait_healthy()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_healthy(self, timeout: float = 120, interval: float = 0.05) -> float:
        """Block until ``/_stcore/health`` answers; returns seconds since launch."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - self.started
            except OSError:
                time.sleep(interval)
        raise RuntimeError(f"streamlit did not start; log: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            kill_tree(self.proc.pid)
        self.proc.wait(timeout=30)
        self._log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def run_worker(script: str, args: list[str], timeout: float = 900) -> dict:
    """Run ``python bench/<script> --worker ...`` in its own session; return the JSON it prints last."""
    cmd = [PYTHON, str(ROOT / "bench" / script), "--worker", *args]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env_with_root({"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        kill_tree(proc.pid)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{script} worker failed ({proc.returncode}): {err[-2000:]}")
    return json.loads(lines[-1])


# ---------------------------------------------------------------- the browser


@contextmanager
def chromium():
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser):
    """A page in a fresh browser context (a session of its own)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(STARTUP_TIMEOUT_MS)
    return page


def open_page(page, url: str) -> None:
    page.goto(url)
    page.locator(IDLE).wait_for()


def settle(page) -> None:
    """Wait until the app is idle (after waiting for the element expected)."""
    page.locator(IDLE).wait_for()


# In the page: when the next key goes down, start a clock; stop it when a table shows ``expected``.
# Both times are the browser's own (performance.now), so Playwright's round trips do not count.
_ARM = """
expected => {
  window.__bench = new Promise((resolve, reject) => {
    let t0 = null, tRun = null;
    document.addEventListener('keydown', () => { t0 = performance.now(); check(); }, {capture: true, once: true});
    const check = () => {
      if (t0 === null) return false;
      const app = document.querySelector('[data-testid="stApp"]');
      if (tRun === null && app && app.getAttribute('data-test-script-state') === 'running') tRun = performance.now();
      for (const t of document.querySelectorAll('[data-testid="stTable"]')) {
        if (t.textContent.includes(expected)) {
          const now = performance.now();
          resolve({ms: now - t0, to_run_ms: tRun === null ? null : tRun - t0});
          return true;
        }
      }
      return false;
    };
    const obs = new MutationObserver(() => { if (check()) obs.disconnect(); });
    obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                                attributeFilter: ['data-test-script-state']});
    setTimeout(() => { obs.disconnect(); reject(new Error('no table with ' + expected + ' after 60 s')); }, 60000);
  });
}
"""


class UnitsEditor:
    """Changes the first ``Units`` slider of a page by one and times key press → table shows the new shape.

    The table must show ``(None, <units>)`` for the slider's layer (a last LSTM layer without
    ``return_sequences``, as in the default model). Each editor walks in one direction, so no
    value repeats and no answer comes from the app's shape cache.
    """

    def __init__(self, page, step: int = 1):
        self.page = page
        self.step = step
        self.slider = page.locator(UNITS).first
        self.slider.wait_for(state="attached")

    @property
    def value(self) -> int:
        return int(self.slider.input_value())

    def shows(self, units: int) -> None:
        """Wait until the table shows ``units`` and the app is idle."""
        self.page.locator(TABLE).filter(has_text=f"(None, {units})").wait_for()
        settle(self.page)

    def jump(self, key: str, times: int = 1) -> None:
        """Move the slider with ``key`` (``End``, ``PageUp``...), waiting for each update."""
        for _ in range(times):
            self.slider.focus()
            self.page.keyboard.press(key)
            self.shows(self.value)

    def start(self) -> None:
        """Press the arrow key (returns at once; :meth:`finish` collects the time)."""
        self.slider.focus()
        self.expected = self.value + self.step
        self.page.evaluate(_ARM, f"(None, {self.expected})")
        self.page.keyboard.press("ArrowRight" if self.step > 0 else "ArrowLeft")

    def finish(self) -> dict:
        """Milliseconds from key down to the new shape in the table (and to the rerun's start)."""
        timing = self.page.evaluate("() => window.__bench")
        settle(self.page)
        return timing

    def change(self) -> dict:
        self.start()
        return self.finish()


# ---------------------------------------------------------------- numbers


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict:
    """n, median, p95, min and max, rounded to 0.1."""
    values = [v for v in values if v is not None]
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median": round(statistics.median(values), 1),
        "p95": round(p95(values), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def say(*parts) -> None:
    print(*parts, flush=True)


def machine() -> dict:
    """What the figures were measured on."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown",
    )  # fmt: skip
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))  # fmt: skip
    versions = {}
    for package in ("streamlit", "keras", "tensorflow", "ray", "playwright"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        **versions,
        "os": platform.platform(terse=True),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
