"""Shape-update latency: key press on the units slider → the table shows the new shape, in Chromium.

Four servers run side by side: the real app (Model page); the floor (``bench/floor_app.py``: the
same kind of slider and table, shapes by arithmetic, no Keras); the app with only its shape
table computed by arithmetic (``bench/app_without_keras.py``), which isolates what asking Keras
through Ray costs on the app's own page; and the app's shell (``bench/app_shell.py``: the app with its
layer editor cut down to the units slider and the shape table), which separates what the app's pages,
sidebar and fragment cost from what the editor's other controls and drawings cost. After a warm-up,
changes rotate between them in blocks,
so all see the same machine load. Each change moves
``units`` up by one (a value never seen before, so the app's shape cache never answers). The
time is taken in the browser, from the ``keydown`` event to the DOM mutation that puts the new
shape in the table. A plain-Keras build of the same model is timed in a separate process.

Usage: ``.venv/bin/python bench/shape_latency.py [changes]``
"""

from __future__ import annotations

import sys

import common
import keras_build
import procs


def run(changes: int = 40, block: int = 5, warmup: int = 5, builds: int = 30, with_ray: bool = True) -> dict:
    """Median and p95 latency of app and floor (``changes`` each), their ratio, and the Keras reference."""
    common.say(f"shape latency: {changes} changes each on the app and the floor, blocks of {block}")
    times: dict[str, list[dict]] = {"app": [], "floor": [], "no_keras": [], "shell": []}
    with (
        common.Server("app.py") as app,
        common.Server("bench/floor_app.py") as floor,
        common.Server("bench/app_without_keras.py") as no_keras,
        common.Server("bench/app_shell.py") as shell,
        common.chromium() as browser,
    ):
        editors = {
            "app": _editor(browser, f"{app.url}/model"),
            "floor": _editor(browser, floor.url),
            "no_keras": _editor(browser, f"{no_keras.url}/model"),
            "shell": _editor(browser, f"{shell.url}/model"),
        }
        for editor in editors.values():
            for _ in range(warmup):
                editor.change()
        pids = {"app": app.pid, "floor": floor.pid, "no_keras": no_keras.pid, "shell": shell.pid}
        meters = {name: procs.CpuMeter(pids) for name in editors}
        turn = 0
        while min(len(t) for t in times.values()) < changes:
            names = list(editors)
            order = names[turn % len(names) :] + names[: turn % len(names)]
            for name in order:
                meters[name].start()
                for _ in range(min(block, changes - len(times[name]))):
                    times[name].append(editors[name].change())
                meters[name].stop()
            turn += 1
            common.say(
                f"  after {len(times['app'])} changes: app median {_median(times['app']):.0f} ms, "
                f"floor median {_median(times['floor']):.0f} ms"
            )
    result = {name: common.summary([t["ms"] for t in values]) for name, values in times.items()}
    for name, values in times.items():
        result[f"{name}_to_run"] = common.summary([t["to_run_ms"] for t in values])
    result["ratio_median"] = common.ratio(result["app"]["median"], result["floor"]["median"])
    result["ratio_p95"] = common.ratio(result["app"]["p95"], result["floor"]["p95"])
    result["ratio_no_keras"] = common.ratio(result["app"]["median"], result["no_keras"]["median"])
    result["ratio_shell"] = common.ratio(result["shell"]["median"], result["floor"]["median"])
    result["cpu_ms_per_change"] = {name: _cpu_per_change(meters[name], name, changes) for name in meters}
    common.say(
        f"  app   median {result['app']['median']} ms, p95 {result['app']['p95']} ms\n"
        f"  floor median {result['floor']['median']} ms, p95 {result['floor']['p95']} ms\n"
        f"  same page without Keras: median {result['no_keras']['median']} ms, p95 {result['no_keras']['p95']} ms\n"
        f"  ratio app/floor: median {result['ratio_median']}×, p95 {result['ratio_p95']}×; "
        f"app/same page without Keras: {result['ratio_no_keras']}×\n"
        f"  the app's shell: median {result['shell']['median']} ms; shell/floor {result['ratio_shell']}×\n"
        f"  key down → rerun starts: app {result['app_to_run'].get('median')} ms, "
        f"floor {result['floor_to_run'].get('median')} ms (medians)\n"
        f"  CPU ms per change: {result['cpu_ms_per_change']}"
    )
    result["reference"] = keras_build.run(builds, with_ray)
    return result


def _editor(browser, url: str) -> common.UnitsEditor:
    page = common.new_page(browser)
    common.open_page(page, url)
    editor = common.UnitsEditor(page)
    editor.shows(editor.value)
    return editor


def _cpu_per_change(meter: procs.CpuMeter, name: str, changes: int) -> dict[str, float]:
    """CPU milliseconds per change, during ``name``'s blocks: its server, its shapes worker, other Ray, Chromium."""
    out = {"server": 0.0, "ray::ShapesWorker": 0.0, "other Ray processes": 0.0, "chromium": 0.0}
    for role, ms in meter.ms_per(changes).items():
        if role == name:
            out["server"] += ms
        elif role == f"{name} ray::ShapesWorker":
            out["ray::ShapesWorker"] += ms
        elif role.startswith(f"{name} "):
            out["other Ray processes"] += ms
        elif role == "chromium":
            out["chromium"] += ms
    return {role: round(ms, 1) for role, ms in out.items() if ms >= 0.5}


def _median(values: list[dict]) -> float:
    return common.summary([t["ms"] for t in values]).get("median", 0.0)


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
