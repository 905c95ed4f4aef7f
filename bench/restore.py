"""Restoring a browser's work after a server restart: in the browser, and the store's part of it.

In the browser: one session uploads a CSV and trains; the server is stopped and started again on the same
port and data directory. Then, alternating, that browser opens the Predictions page (its upload, settings
and trained model come back from the store; every new session reads them again) and another browser with
nothing saved but default settings opens it too, each timed from ``goto`` until the page shows its chart
(or its "No predictions yet") and is idle. The first restored page after each restart is timed apart.

In this process: reading an uploaded table back from the store (``Store.get`` and ``saved.read_dataset``)
against reading the same CSV again (``read_upload`` and ``to_dataset``, what a user without the store would
redo), for tables of several sizes, alternating.

Usage: ``.venv/bin/python bench/restore.py``
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time

import common
import numpy as np
import pandas as pd

CHART = ".js-plotly-plot"
EMPTY = "text=No predictions yet"


def run(reps: int = 8, restarts: int = 2, sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000),
        table_reps: int = 5) -> dict:  # fmt: skip
    """Median times of a restored and of an empty page, and of reading a saved table against its CSV."""
    result = {"browser": _browser(reps, restarts), "table": _tables(sizes, table_reps)}
    return result


def csv_text(rows: int) -> bytes:
    """A dated CSV with two numeric columns."""
    days = pd.date_range("2000-01-01", periods=rows, freq="h").strftime("%Y-%m-%d %H:%M")
    i = np.arange(rows)
    frame = pd.DataFrame({"time": days, "load": 50 + 10 * np.sin(i / 24), "temperature": 15 + 5 * np.cos(i / 240)})
    return frame.to_csv(index=False, float_format="%.3f").encode()


def _browser(reps: int, restarts: int) -> dict:
    common.say(f"restore in the browser: {restarts} restarts, then {reps} restored and {reps} empty pages each")
    data_dir = tempfile.TemporaryDirectory(prefix="lstm_lab_bench_data_")
    env = {"LSTM_LAB_DATA_DIR": data_dir.name}
    times: dict[str, list[float]] = {"restored": [], "empty": [], "first_restored": [], "restart": []}
    with common.chromium() as browser:
        server = common.Server("app.py", env=env)
        page, other = common.new_page(browser), common.new_page(browser)
        try:
            url = _upload_and_train(page, server)
            empty_url = url.split("?")[0]
            for _ in range(restarts):
                t0 = time.perf_counter()
                server.stop()
                server = common.Server("app.py", env=env, port=server.port)
                times["restart"].append(round(time.perf_counter() - t0, 2))
                times["first_restored"].append(_timed(page, url, CHART))
                _timed(other, empty_url, EMPTY)  # its first visit: a token, and its assets cached
                for i in range(reps):
                    for kind in ("restored", "empty") if i % 2 == 0 else ("empty", "restored"):
                        timed = _timed(page, url, CHART) if kind == "restored" else _timed(other, empty_url, EMPTY)
                        times[kind].append(timed)
                restored, empty = statistics.median(times["restored"]), statistics.median(times["empty"])
                common.say(
                    f"  after a restart ({times['restart'][-1]:.1f} s): first restored page "
                    f"{times['first_restored'][-1]:.0f} ms; medians: restored {restored:.0f} ms, empty {empty:.0f} ms"
                )
            token = next(c["value"] for c in page.context.cookies() if c["name"] == "lstm_lab_sid")
            store_ms = _store_part(env, token)
        finally:
            page.context.close()
            other.context.close()
            server.stop()
            data_dir.cleanup()
    out = {k: common.summary(v) for k, v in times.items() if k != "restart"}
    out["store_ms"] = store_ms
    out["restart_s"] = times["restart"]
    out["ratio"] = common.ratio(out["restored"]["median"], out["empty"]["median"])
    common.say(f"  restored ÷ empty page: {out['ratio']}×")
    return out


def _store_part(env: dict, token: str, reps: int = 20) -> dict:
    """Milliseconds to read and check the browser's three items (what a restored session does first)."""
    sys.path.insert(0, str(common.ROOT))
    from lstm_lab import saved
    from lstm_lab.store import Store

    store, times = Store.from_env(env), []
    try:
        sizes = {name: len(store.get(token, name)) for name in (saved.UPLOAD, saved.LAB, saved.RUN)}
        for _ in range(reps):
            t0 = time.perf_counter()
            saved.read_dataset(store.get(token, saved.UPLOAD))
            saved.read_lab(store.get(token, saved.LAB))
            saved.read_run(store.get(token, saved.RUN))
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        store.close()
    return {**common.summary(times), "item_kb": {k: round(v / 1024) for k, v in sizes.items()}}


def _upload_and_train(page, server) -> str:
    """Upload a CSV, train a small model for one epoch; the Predictions page's address."""
    common.open_page(page, server.url)
    page.get_by_label("Dataset").click()
    page.get_by_role("option", name="Your file (CSV or NumPy)").click()
    common.settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "load.csv", "mimeType": "text/csv", "buffer": csv_text(20_000)}]
    )
    page.locator('[data-testid="stMetric"]').filter(has_text="(19980, 20, 2)").wait_for()  # 20,000 rows windowed
    common.settle(page)
    query = page.url.split("?", 1)[1] if "?" in page.url else ""
    common.open_page(page, f"{server.url}/train?{query}&stride=10&epochs=1&layers=8")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Training finished. Epoch 1 of 1.").wait_for(timeout=300_000)
    common.settle(page)
    url = f"{server.url}/predictions?{query}&stride=10&epochs=1&layers=8"
    _timed(page, url, CHART)
    return url


def _timed(page, url: str, selector: str) -> float:
    """Milliseconds from ``goto`` until ``selector`` shows and the app is idle."""
    t0 = time.perf_counter()
    page.goto(url)
    page.locator(selector).first.wait_for()
    common.settle(page)
    return round((time.perf_counter() - t0) * 1000, 1)


def _tables(sizes: tuple[int, ...], reps: int) -> list[dict]:
    """Reading a saved table back against parsing its CSV again, per size (milliseconds, medians)."""
    sys.path.insert(0, str(common.ROOT))
    from lstm_lab import saved
    from lstm_lab.data.upload import read_upload
    from lstm_lab.store import Store, new_token

    out = []
    with tempfile.TemporaryDirectory(prefix="lstm_lab_bench_store_") as directory:
        store = Store.from_env({"LSTM_LAB_DATA_DIR": directory})
        try:
            for rows in sizes:
                text, token = csv_text(rows), new_token()
                t0 = time.perf_counter()
                dataset = read_upload(text, "load.csv").to_dataset("refuse")
                item = saved.dataset_bytes(dataset)
                store.put(token, saved.UPLOAD, item)
                save_ms = (time.perf_counter() - t0) * 1000
                times: dict[str, list[float]] = {"store": [], "csv": []}
                for i in range(reps):
                    for kind in ("store", "csv") if i % 2 == 0 else ("csv", "store"):
                        t0 = time.perf_counter()
                        if kind == "store":
                            back = saved.read_dataset(store.get(token, saved.UPLOAD))
                        else:
                            back = read_upload(text, "load.csv").to_dataset("refuse")
                        times[kind].append((time.perf_counter() - t0) * 1000)
                        assert back.rows == dataset.rows
                store_ms, csv_ms = statistics.median(times["store"]), statistics.median(times["csv"])
                out.append({"rows": rows, "csv_mb": round(len(text) / 2**20, 1), "item_mb": round(len(item) / 2**20, 1),
                            "store_ms": round(store_ms, 1), "csv_ms": round(csv_ms, 1),
                            "ratio": common.ratio(csv_ms, store_ms), "first_save_ms": round(save_ms, 1)})  # fmt: skip
                common.say(f"  {rows:,} rows: from the store {store_ms:.0f} ms, the CSV again {csv_ms:.0f} ms")
        finally:
            store.close()
    return out


if __name__ == "__main__":
    print(run())
