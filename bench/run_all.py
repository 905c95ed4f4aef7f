"""Run every benchmark and write their figures into README.md between the bench markers.

Usage::

    .venv/bin/python bench/run_all.py            # full run (about 45 minutes)
    .venv/bin/python bench/run_all.py --quick    # smoke run with few samples (a few minutes)
    .venv/bin/python bench/run_all.py --only shape_latency,memory --no-readme
    .venv/bin/python bench/run_all.py --render-only   # README again from the last results.json

Raw results go to ``artifacts/bench/results.json``. ``bench/windowing.py`` (another author's) is
run too when it exists and has a ``run()`` function.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import sys
import time
import traceback
from datetime import datetime

import cell_trace
import cold_start
import common
import compute_restart
import concurrency
import memory
import procs
import report
import restore
import shape_latency
import training_overhead
import workshop_load

RESULTS = common.LOGS / "results.json"
FULL = {
    "shape_latency": (shape_latency.run, {"changes": 40, "block": 5, "warmup": 5, "builds": 30}),
    "concurrency": (concurrency.run, {"cycles": 3, "rounds": 4}),
    "training_overhead": (training_overhead.run, {"epochs": 10, "reps": 10}),
    "cold_start": (cold_start.run, {"reps": 3}),
    "memory": (memory.run, {"changes": 200, "trainings": 20, "sessions": 10}),
    "restore": (restore.run, {"reps": 8, "restarts": 2, "sizes": (10_000, 100_000, 1_000_000), "table_reps": 5}),
    "compute_restart": (compute_restart.run, {"reps": 3}),
    "cell_trace": (cell_trace.run, {"reps": 10}),
    "workshop_load": (workshop_load.run, {"participants": (1, 10, 30), "trainings": (0, 2), "seconds": 60.0}),
}
QUICK = {
    "shape_latency": {"changes": 10, "block": 5, "warmup": 2, "builds": 10, "with_ray": False},
    "concurrency": {"cycles": 1, "rounds": 2, "warmup": 1},
    "training_overhead": {"epochs": 3, "reps": 2},
    "cold_start": {"reps": 1},
    "memory": {"changes": 10, "trainings": 2, "sessions": 2, "pause": 2.0},
    "restore": {"reps": 2, "restarts": 1, "sizes": (10_000,), "table_reps": 2},
    "compute_restart": {"reps": 1},
    "cell_trace": {"reps": 2},
    "workshop_load": {"participants": (1, 3), "trainings": (0, 2), "seconds": 20.0},
}


def windowing_run():
    """``run`` of bench/windowing.py (its result gains ``markdown`` if the module renders one), or None."""
    path = common.ROOT / "bench" / "windowing.py"
    if not path.exists():
        return None
    if str(common.ROOT) not in sys.path:
        sys.path.append(str(common.ROOT))  # it may import lstm_lab or bench.common
    spec = importlib.util.spec_from_file_location("windowing", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    run = getattr(module, "run", None)
    render = next((getattr(module, n) for n in ("markdown", "table", "_table") if hasattr(module, n)), None)
    if run is None or render is None:
        return run

    def run_and_render(**kwargs) -> dict:
        result = run(**kwargs)
        return {**result, "markdown": render(result)} if isinstance(result, dict) else result

    run_and_render.__signature__ = inspect.signature(run)
    return run_and_render


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few samples: a smoke run")
    parser.add_argument("--only", help="comma-separated benchmark names (implies --no-readme)")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite README.md")
    parser.add_argument("--render-only", action="store_true", help="rewrite README.md from the last results.json")
    args = parser.parse_args()
    procs.stop_on_signal()
    if args.render_only:
        report.write_readme(report.render(json.loads(RESULTS.read_text())))
        return 0

    plan = {name: (fn, QUICK[name] if args.quick else kwargs) for name, (fn, kwargs) in FULL.items()}
    try:
        windowing = windowing_run()
    except Exception as e:  # noqa: BLE001 (someone else's module: report, run the rest)
        windowing = None
        common.say(f"bench/windowing.py could not be loaded: {type(e).__name__}: {e}")
    if windowing is not None:
        accepts_quick = "quick" in inspect.signature(windowing).parameters
        plan["windowing"] = (windowing, {"quick": True} if args.quick and accepts_quick else {})
    if args.only:
        wanted = args.only.split(",")
        plan = {name: plan[name] for name in wanted}

    results = {"date": datetime.now().strftime("%Y-%m-%d %H:%M"), "quick": args.quick, "machine": common.machine()}
    started = time.monotonic()
    for name, (fn, kwargs) in plan.items():
        common.say(f"\n=== {name} {kwargs}")
        t0 = time.monotonic()
        try:
            results[name] = fn(**kwargs)
        except Exception as e:  # noqa: BLE001 (one failing benchmark must not lose the others' figures)
            traceback.print_exc()
            results[name] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}
        common.say(f"=== {name} took {time.monotonic() - t0:.0f} s")
    results["minutes"] = round((time.monotonic() - started) / 60, 1)

    common.LOGS.mkdir(parents=True, exist_ok=True)
    if not args.only:
        RESULTS.write_text(json.dumps(results, indent=1, default=str))
    section = report.render(results)
    common.say("\n" + section)
    if not (args.only or args.no_readme):
        report.write_readme(section)
        common.say(f"README.md updated ({results['minutes']} min)")
    return 1 if any(isinstance(r, dict) and "error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
