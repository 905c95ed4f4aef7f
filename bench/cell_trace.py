"""The Inside the cell page's trace of one sample for LSTM(256) on (500, 64), against Keras's own forward pass.

Runs in a separate process with one TensorFlow thread, like the app's warm worker, and times, interleaved:

- ``trace``: ``lstm_lab.cell_trace`` (the NumPy replay of every gate and state);
- ``worker_call``: ``lstm_lab.model.traced.trace_sample``, what ``ShapesWorker.cell_trace`` runs per request
  (the trace with each gate's weighted sums, as plain arrays; the model already loaded);
- ``keras_forward``: ``model.predict_on_batch`` of the same sample, Keras's own (compiled) forward pass;
- ``round_trip``: ``compute.engine().ask("cell_trace", ...)`` through Ray to the warm worker, with the trained
  model's bytes, as the page asks (the first call, which loads the ``.keras`` bytes, is reported apart);
- ``figures``: the page's plotly figures (input, six heatmaps, unit lines), thinned for drawing.

Usage: ``.venv/bin/python bench/cell_trace.py [reps]``; it prints the README's paragraph last.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

import common

TIMESTEPS, FEATURES, UNITS = 500, 64, 256


def run(reps: int = 10) -> dict:
    """Time ``reps`` traces of each kind in a fresh process; medians in milliseconds."""
    common.say(f"cell trace: LSTM({UNITS}) on ({TIMESTEPS}, {FEATURES}), {reps} of each kind, one TF thread")
    result = common.run_worker("cell_trace.py", [str(reps)])
    for name, s in result["times"].items():
        common.say(f"  {name:14s} median {s['median']:8.1f} ms  p95 {s['p95']:8.1f} ms")
    common.say(f"  first request (loads the model bytes): {result['first_request_ms']:.0f} ms")
    common.say("\n" + markdown(result))
    return result


def markdown(r: dict) -> str:
    """The README's lines for these figures."""
    t, m = r["times"], common.machine()
    steps, features, units = r["shape"]
    return (
        f"_Measured on {time.strftime('%Y-%m-%d %H:%M')} by `.venv/bin/python bench/cell_trace.py {r['reps']}` on "
        f"{m['cpu']}, {m['cores']} cores (load average {m['load_average'][0]}); {r['reps']} of each, "
        "interleaved._\n\n"
        f"| LSTM({units}) on ({steps}, {features}), one sample, one TensorFlow thread | median | p95 |\n"
        "|---|---:|---:|\n"
        + "".join(f"| {LABELS[k]} | {v['median']:.0f} ms | {v['p95']:.0f} ms |\n" for k, v in t.items())
        + f"\n- the NumPy replay takes {r['ratio_trace_vs_keras']}× Keras's own forward pass of the same sample; "
        f"the page's whole request through Ray takes {r['ratio_round_trip_vs_trace']}× the replay (goal: under 1 s "
        f"in the worker: {'met' if t['worker_call']['p95'] < 1000 else 'not met'}).\n"
        f"- the first request for a new model also loads its `.keras` bytes: {r['first_request_ms']:.0f} ms.\n"
        f"- each heatmap draws {r['cells_drawn']:,} of the {r['cells_traced']:,} traced cells (every value drawn is "
        "a real one; the step-through and the CSV have them all).\n"
    )


LABELS = {
    "trace": "`cell_trace` (NumPy replay of every gate and state)",
    "worker_call": "what `ShapesWorker.cell_trace` runs (the trace plus each gate's weighted sums)",
    "keras_forward": "Keras's own forward pass (`predict_on_batch`)",
    "round_trip": "the page's request through Ray to the warm worker",
    "figures": "the page's plotly figures (input, six heatmaps, unit lines), thinned",
}


def _worker(reps: int) -> None:
    for var in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        os.environ[var] = "1"
    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)

    from lstm_lab import cell_trace, compute
    from lstm_lab.charts import cell as charts
    from lstm_lab.model.traced import initial_model, loaded_model, trace_sample
    from lstm_lab.records import CellTrace
    from lstm_lab.teach.gates import busiest_units

    lab = {"data": {"timesteps": TIMESTEPS}, "model": {"layers": [{"units": UNITS}]}, "seed": 0}
    model = initial_model(json.dumps(lab, sort_keys=True), FEATURES, TIMESTEPS)
    with tempfile.TemporaryDirectory() as tmp:
        model.save(os.path.join(tmp, "m.keras"))
        model_bytes = open(os.path.join(tmp, "m.keras"), "rb").read()
    x = np.random.default_rng(0).normal(size=(TIMESTEPS, FEATURES)).astype("float32")
    engine = compute.engine()
    engine.wait_ready()
    t0 = time.perf_counter()
    engine.ask("cell_trace", x, 0, "forward", lab, model_bytes)
    first_request = (time.perf_counter() - t0) * 1000
    traced = CellTrace.from_dict(trace_sample(x, 0, "forward", lab, model_bytes))

    def figures():
        for key in ("i", "f", "g", "o", "c", "h"):
            charts.gate_heatmap(traced, key, 250, 7).to_json()
        charts.input_figure(x, [f"f{j}" for j in range(FEATURES)], 250, traced.mask).to_json()
        charts.unit_lines_figure(traced, busiest_units(traced), 250).to_json()

    kinds = {
        "trace": lambda: cell_trace(model, x),
        "worker_call": lambda: trace_sample(x, 0, "forward", lab, model_bytes),
        "keras_forward": lambda: model.predict_on_batch(x[None]),
        "round_trip": lambda: engine.ask("cell_trace", x, 0, "forward", lab, model_bytes),
        "figures": figures,
    }
    for call in kinds.values():  # warm up (Keras compiles predict_on_batch on its first call)
        call()
    loaded_model(model_bytes)
    times: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(reps):
        for name, call in kinds.items():
            t0 = time.perf_counter()
            call()
            times[name].append((time.perf_counter() - t0) * 1000)
    summaries = {name: common.summary(values) for name, values in times.items()}
    drawn = len(charts.gate_heatmap(traced, "c", 250, 7).data[0].z)
    drawn *= len(charts.gate_heatmap(traced, "c", 250, 7).data[0].z[0])
    answer = {
        "times": summaries,
        "first_request_ms": round(first_request, 1),
        "ratio_trace_vs_keras": common.ratio(summaries["trace"]["median"], summaries["keras_forward"]["median"]),
        "ratio_round_trip_vs_trace": common.ratio(summaries["round_trip"]["median"], summaries["trace"]["median"]),
        "cells_drawn": drawn,
        "cells_traced": TIMESTEPS * UNITS,
        "shape": [TIMESTEPS, FEATURES, UNITS],
        "reps": reps,
    }
    print(json.dumps(answer), flush=True)
    engine.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(int(sys.argv[2]))
    else:
        run(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
