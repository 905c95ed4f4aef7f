"""Recovering from compute faults: from killing Ray (or one worker) until a shape table answers again.

In a fresh process with the real compute tier (``lstm_lab.compute.engine.Engine``), each repetition:
starts a new tier and times its first shape table (the cold start, the reference every restart is
compared with); SIGKILLs the tier's ``gcs_server`` and ``raylet`` and times until a shape table for a
model never asked before answers from the new tier (detection, killing what is left, a new local Ray and
a warm Keras import); then SIGKILLs only the warm shapes worker and times until a new model's table
answers (Ray starts the worker again). The web server's side is this process: it never imports Ray.

Usage: ``.venv/bin/python bench/compute_restart.py [repetitions]``
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import common


def run(reps: int = 3) -> dict:
    """Median seconds: cold start, back after Ray's daemons were killed, back after the shapes worker was."""
    common.say(f"compute restart: {reps} repetitions of cold start, Ray killed, shapes worker killed")
    result = common.run_worker("compute_restart.py", [str(reps)], timeout=300 * reps)
    for name in ("cold", "daemons", "shapes_worker"):
        runs = result[name]
        result[name] = {"median_s": round(statistics.median(runs), 2), "runs_s": runs}
    result["ratio"] = common.ratio(result["daemons"]["median_s"], result["cold"]["median_s"])
    common.say(
        f"  cold start {result['cold']['median_s']} s; back after Ray was killed {result['daemons']['median_s']} s "
        f"({result['ratio']}× a cold start); after the shapes worker was killed {result['shapes_worker']['median_s']} "
        f"s; noticed after {result['noticed_s']} s"
    )
    return result


def _worker(reps: int) -> None:
    import psutil

    from lstm_lab.compute.engine import Engine
    from lstm_lab.errors import LstmLabError

    units = iter(range(2, 10_000))

    def answered(engine) -> float:
        """Seconds until a model not asked before gets its shape table."""
        spec, t0 = {"timesteps": 5, "features": 2, "layers": [{"units": next(units)}], "head": None}, time.monotonic()
        while True:
            try:
                engine.shape_table_later(spec)()
                return time.monotonic() - t0
            except LstmLabError as e:
                if not e.code.startswith("compute_"):
                    raise
                time.sleep(0.05)

    def kill(engine, *names) -> None:
        found = [p for p in psutil.Process(engine._child.pid).children(recursive=True)
                 if p.name() in names or p.cmdline()[:1] in ([n] for n in names)]  # fmt: skip
        assert found, names
        for p in found:
            p.kill()

    times: dict[str, list[float]] = {"cold": [], "daemons": [], "shapes_worker": [], "noticed": []}
    for _ in range(reps):
        engine = Engine()
        times["cold"].append(round(answered(engine), 2))
        kill(engine, "gcs_server", "raylet")
        t0 = time.monotonic()
        while engine.status.generation == 0:
            time.sleep(0.05)
        times["noticed"].append(round(time.monotonic() - t0, 2))
        times["daemons"].append(round(time.monotonic() - t0 + answered(engine), 2))
        kill(engine, "ray::ShapesWorker")
        times["shapes_worker"].append(round(answered(engine), 2))
        engine.close()
        print(f"  {times}", file=sys.stderr, flush=True)
    times["noticed_s"] = round(statistics.median(times.pop("noticed")), 2)
    print(json.dumps(times), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(int(sys.argv[2]))
    else:
        print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 3), indent=2))
