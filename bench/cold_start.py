"""Cold start: from launching ``streamlit run`` until the first page is interactive in Chromium.

The app (``app.py``: the Data page shows its ``X: (samples, timesteps, features)`` metric and the
app is idle) against a one-line page (``bench/hello_app.py``: ``st.write("hello")``), launched
alternately on fresh servers with Chromium already running. For the app, the Model link is then
clicked and the time until its shape table first appears is taken too (Ray and the warm Keras
worker start in the background from the first page's run, so this includes them).

Usage: ``.venv/bin/python bench/cold_start.py [repetitions]``
"""

from __future__ import annotations

import statistics
import sys
import time

import common

METRIC = '[data-testid="stMetric"]'


def run(reps: int = 3) -> dict:
    """Seconds from launch to interactive for the app and for a one-line page, and their ratio."""
    common.say(f"cold start: {reps} launches each of the app and of a one-line page, alternating")
    times: dict[str, list[float]] = {"app": [], "hello": [], "model_table": []}
    with common.chromium() as browser:
        for i in range(reps):
            for name in ("app", "hello") if i % 2 == 0 else ("hello", "app"):
                if name == "app":
                    data, model = _app(browser)
                    times["app"].append(data)
                    times["model_table"].append(model)
                    common.say(f"  app: Data page interactive {data:.1f} s, Model table {model:.1f} s after launch")
                else:
                    times["hello"].append(_hello(browser))
                    common.say(f"  one-line page interactive {times['hello'][-1]:.1f} s after launch")
    result = {name: {"median_s": round(statistics.median(v), 2), "runs_s": v} for name, v in times.items()}
    result["ratio"] = common.ratio(result["app"]["median_s"], result["hello"]["median_s"])
    common.say(f"  ratio app/one-line page: {result['ratio']}×")
    return result


def _app(browser) -> tuple[float, float]:
    server = common.Server("app.py", wait=False)
    page = common.new_page(browser)
    try:
        server.wait_healthy()
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
