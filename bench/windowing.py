"""Windowing a large table: strided views (``lstm_lab.data.pipeline.windows``) against a copy per window.

A 1,000,000-row × 8-column float32 table is cut into windows of ``timesteps`` = 20 rows
(horizon 1, stride 1: 999,980 windows) two ways, each in a fresh process:

- ``views``: ``windows``, whose ``X`` is a strided view of the table (no window copied);
- ``copy``: ``np.stack([table[i:i + T] for i in ...])``, every window copied into one array.

For each it times making the windows, then one pass over them the way training feeds large
data (``lstm_lab.model.train.window_batches``): shuffled batches of 256 windows, each copied with
``np.ascontiguousarray(X[idx])``; both best of ``repeats``. Peak memory is the process's peak
resident size (``ru_maxrss``) above what it held once the table was built.

Usage: ``.venv/bin/python bench/windowing.py [repeats]``
"""

from __future__ import annotations

import json
import resource
import sys
import time

import common

ROWS, COLUMNS, TIMESTEPS, BATCH = 1_000_000, 8, 20, 256
METHODS = {"views": "strided views (`windows`)", "copy": "copy per window (`np.stack`)"}


def run(repeats: int = 3) -> dict:
    """Measure both methods, each in its own process, and print a markdown table.

    Returns:
        ``rows``, ``columns``, ``timesteps``, ``batch``, ``samples``, ``machine`` (``common.machine()``),
        and per method (``views``, ``copy``): ``make_s`` and ``batches_s`` (best of ``repeats``),
        ``total_s``, ``peak_mb`` and ``x_mb`` (MB that ``X`` holds of its own); ``ratios`` are copy ÷ views.
    """
    common.say(f"windowing: {ROWS:,} rows × {COLUMNS} float32 columns, timesteps={TIMESTEPS}, best of {repeats}")
    result = {"rows": ROWS, "columns": COLUMNS, "timesteps": TIMESTEPS, "batch": BATCH, "machine": common.machine()}
    for method in METHODS:
        figures = common.run_worker("windowing.py", [method, str(repeats)])
        result["samples"] = figures.pop("samples")
        result[method] = figures
    result["ratios"] = {key: common.ratio(result["copy"][key], result["views"][key])
                        for key in ("make_s", "batches_s", "total_s", "peak_mb")}  # fmt: skip
    common.say(_table(result))
    return result


def _table(result: dict) -> str:
    rows = [
        "| method | make windows (s) | one pass, batches of 256 (s) | total (s) | peak memory (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for method, label in METHODS.items():
        m = result[method]
        figures = f"{m['make_s']:.3f} | {m['batches_s']:.2f} | {m['total_s']:.2f} | {m['peak_mb']:,.0f}"
        rows.append(f"| {label} | {figures} |")
    ratios = " | ".join("—" if r is None else f"×{r:,}" for r in result["ratios"].values())
    rows.append(f"| copy ÷ views | {ratios} |")
    return "\n".join(rows)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _one_pass(X, y, order) -> float:
    """Seconds for one epoch of shuffled batches, copied as ``lstm_lab.model.train.window_batches`` does."""
    import numpy as np

    t0 = time.perf_counter()
    for start in range(0, len(order), BATCH):
        idx = np.sort(order[start : start + BATCH])
        xb, yb = np.ascontiguousarray(X[idx], dtype=np.float32), np.ascontiguousarray(y[idx], dtype=np.float32)
        assert xb.shape[1:] == (TIMESTEPS, COLUMNS) and len(yb) == len(xb)
    return time.perf_counter() - t0


def _worker(method: str, repeats: int) -> None:
    """Make the windows ``repeats`` times, then as many passes of shuffled batches; print the figures as JSON."""
    import numpy as np

    from lstm_lab.data.pipeline import window_count, windows

    table = np.random.default_rng(0).standard_normal((ROWS, COLUMNS), dtype=np.float32)
    targets = table[:, :1]
    samples = window_count(ROWS, TIMESTEPS)
    baseline = _peak_mb()

    def make():
        if method == "views":
            return windows(table, targets, TIMESTEPS)[:2]
        X = np.stack([table[i : i + TIMESTEPS] for i in range(samples)])
        return X, targets[np.arange(samples) + TIMESTEPS]

    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        X, y = make()
        times.append(time.perf_counter() - t0)
        if len(times) < repeats:
            del X, y
    passes = [_one_pass(X, y, np.random.default_rng(seed).permutation(samples)) for seed in range(repeats)]
    figures = {
        "samples": samples,
        "make_s": round(min(times), 4),
        "batches_s": round(min(passes), 3),
        "total_s": round(min(times) + min(passes), 3),
        "peak_mb": round(_peak_mb() - baseline, 1),
        "x_mb": round((0 if np.may_share_memory(X, table) else X.nbytes) / 2**20, 1),
    }
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2], int(sys.argv[3]))
    else:
        run(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
