"""Cold start: from launching the server until the first page is interactive, and until the first shape table.

Three kinds of launch alternate on fresh servers, with Chromium already running:

- app: the README's entry (``python serve.py``: ``streamlit run app.py`` with the compute tier started
  with the server). Its Data page is interactive when it shows the ``X: (samples, timesteps, features)``
  metric and the app is idle. A visitor then clicks the Model link at once: the time until its shape
  table first appears (after launch) includes starting Ray, the warm Keras worker and TensorFlow's import.
- first visit: the same app by ``streamlit run app.py``, which starts the compute tier on the first visit.
- one-line page: ``bench/hello_app.py`` (``st.write("hello")``), interactive when "hello" shows.

Reported side by side from one run: the first page's start against the one-line page's (goal ≤ 1.5×), the
first shape table's seconds after launch (goal ≤ 5 s) and against the one-line page's start (goal ≤ 3×),
and, apart, the compute tier's own start (launch until the server logs its Keras workers ready, with no
browser) to show how much of the shape table's wait is Ray and TensorFlow.

Usage: ``.venv/bin/python bench/cold_start.py [repetitions]``
"""

from __future__ import annotations

import statistics
import sys
import time

import common

METRIC = '[data-testid="stMetric"]'
READY = "Keras workers ready"
KINDS = ("app", "first_visit", "hello")


def run(reps: int = 3) -> dict:
    """Seconds from launch to interactive and to the first shape table; their ratios to a one-line page."""
    common.say(f"cold start: {reps} launches each of the app, the app on first visit and a one-line page, alternating")
    times: dict[str, list[float]] = {
        "app": [], "model_table": [], "first_visit": [], "first_visit_model_table": [], "hello": [], "compute_ready": []
    }  # fmt: skip
    with common.chromium() as browser:
        for i in range(reps):
            for kind in KINDS if i % 2 == 0 else KINDS[::-1]:
                if kind == "hello":
                    times["hello"].append(_hello(browser))
                    common.say(f"  one-line page interactive {times['hello'][-1]:.1f} s after launch")
                    continue
                data, model = _app(browser, common.SERVE if kind == "app" else "app.py")
                times[kind].append(data)
                times["model_table" if kind == "app" else "first_visit_model_table"].append(model)
                common.say(f"  {kind}: Data page interactive {data:.1f} s, Model table {model:.1f} s after launch")
            times["compute_ready"].append(_compute_ready())
    result = {name: {"median_s": round(statistics.median(v), 2), "runs_s": v} for name, v in times.items() if v}
    hello = result["hello"]["median_s"]
    result["ratio"] = common.ratio(result["app"]["median_s"], hello)
    result["model_ratio"] = common.ratio(result["model_table"]["median_s"], hello)
    result["first_visit_ratio"] = common.ratio(result["first_visit"]["median_s"], hello)
    result["first_visit_model_ratio"] = common.ratio(result["first_visit_model_table"]["median_s"], hello)
    common.say(
        f"  first page: app {result['app']['median_s']:.1f} s vs one-line page {hello:.1f} s: {result['ratio']}× "
        f"(goal ≤ 1.5×; on first visit {result['first_visit']['median_s']:.1f} s, {result['first_visit_ratio']}×)"
    )
    common.say(
        f"  first shape table: {result['model_table']['median_s']:.1f} s after launch, {result['model_ratio']}× the "
        f"one-line page's start (goals ≤ 5 s, ≤ 3×; on first visit {result['first_visit_model_table']['median_s']:.1f}"
        f" s, {result['first_visit_model_ratio']}×); the compute tier alone is ready "
        f"{result['compute_ready']['median_s']:.1f} s after launch"
    )
    return result


def _app(browser, entry: str) -> tuple[float, float]:
    """Seconds after launch until the Data page is interactive, and until the Model page's table shows."""
    server = common.Server(entry, wait=False)
    page = common.new_page(browser)
    try:
        server.wait_healthy(timeout=300)
        page.goto(server.url)
        page.locator(METRIC).filter(has_text="samples, timesteps, features").wait_for()
        common.settle(page)
        data = time.perf_counter() - server.started
        page.get_by_role("link", name="Model").click()
        page.locator(common.TABLE).filter(has_text="(None, ").wait_for()
        model = time.perf_counter() - server.started
    finally:
        page.context.close()
        server.stop()
    return round(data, 2), round(model, 2)


def _compute_ready() -> float:
    """Seconds from launching ``serve.py`` until it logs its Keras workers ready, with no browser at all."""
    with common.Server(common.SERVE, wait=False) as server:
        deadline = time.monotonic() + 300
        while READY not in server.log_path.read_text():
            if time.monotonic() > deadline or server.proc.poll() is not None:
                raise RuntimeError(f"no '{READY}' line; log: {server.log_path.read_text()[-2000:]}")
            time.sleep(0.05)
        seconds = round(time.perf_counter() - server.started, 2)
    common.say(f"  compute tier alone: ready {seconds:.1f} s after launch")
    return seconds


def _hello(browser) -> float:
    server = common.Server("bench/hello_app.py", wait=False)
    page = common.new_page(browser)
    try:
        server.wait_healthy()
        page.goto(server.url)
        page.get_by_text("hello", exact=True).wait_for()
        common.settle(page)
        return round(time.perf_counter() - server.started, 2)
    finally:
        page.context.close()
        server.stop()


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
