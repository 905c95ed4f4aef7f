"""Reference for the shape-update latency: building the Model page's default model outside the app.

Runs in a separate process with one TensorFlow thread, like the app's warm shapes worker, and
times, interleaved, for a new ``units`` value each time:

- ``keras``: plain Keras, ``Input(20, 1)`` → ``LSTM(units)`` → ``Dense(1)``, ``keras.Model`` and
  reading every layer's output shape;
- ``shape_table``: ``lstm_lab.model.shapes.shape_table``, what the warm worker runs per request;
- ``compute_round_trip``: ``lstm_lab.compute.shape_table_later`` from a plain Python process, i.e. the
  Ray call to a warm actor plus its build (never cached: the units differ every call).

Usage: ``.venv/bin/python bench/keras_build.py [builds]``
"""

from __future__ import annotations

import json
import os
import sys
import time

import common


def run(builds: int = 30, with_ray: bool = True) -> dict:
    """Time ``builds`` model builds of each kind in a fresh process; medians in milliseconds."""
    common.say(f"keras reference: {builds} builds of each kind in a separate process")
    result = common.run_worker("keras_build.py", [str(builds), str(int(with_ray))])
    for name, s in result.items():
        common.say(f"  {name:20s} median {s['median']:7.1f} ms  p95 {s['p95']:7.1f} ms")
    return result


def _spec(units: int) -> dict:
    return {"timesteps": 20, "features": 1, "layers": [{"units": units}], "head": {"units": 1}}


def _worker(builds: int, with_ray: bool) -> None:
    for var in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        os.environ[var] = "1"
    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)

    from lstm_lab.model.shapes import shape_table
    from lstm_lab.spec import ModelSpec

    def plain(units: int) -> list:
        inputs = keras.Input(shape=(20, 1))
        x = keras.layers.LSTM(units)(inputs)
        outputs = keras.layers.Dense(1)(x)
        model = keras.Model(inputs, outputs)
        return [tuple(layer.output.shape) for layer in model.layers]

    kinds = {"keras": plain, "shape_table": lambda u: shape_table(ModelSpec.from_dict(_spec(u)))}
    if with_ray:
        from lstm_lab import compute

        compute.engine().wait_ready()
        kinds["compute_round_trip"] = lambda u: compute.shape_table_later(_spec(u))()
    for call in kinds.values():  # warm up
        call(31)
    times: dict[str, list[float]] = {name: [] for name in kinds}
    for i in range(builds):
        for name, call in kinds.items():
            t0 = time.perf_counter()
            call(33 + i)
            times[name].append((time.perf_counter() - t0) * 1000)
    print(json.dumps({name: common.summary(values) for name, values in times.items()}), flush=True)
    if with_ray:
        compute.engine().close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(int(sys.argv[2]), sys.argv[3] == "1")
    else:
        run(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
