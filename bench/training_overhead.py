"""Training overhead: the app's training path against a plain ``model.fit`` of the same model and data.

Both run in one fresh process with the TensorFlow thread setting of the app's training worker
(``LIMITS.cpus_per_training`` threads), alternating app, plain, plain, app, ... so drift in the
machine's load hits both alike. Each repetition builds a new model from
``lstm_lab.model.build.build_model`` with the same seed, on ``lstm_lab.data.window.prepare`` of the default
sine dataset, and compiles it the same way.

- app: ``lstm_lab.model.train.train`` with its live-progress callback (history, NaN guard and
  refreshed predictions at each epoch's end, the predictions while they use under 3% of the CPU;
  Stop and the time limit reach ``model.stop_training`` directly);
- plain: ``model.fit(x_train, y_train, validation_data=...)`` with no callback.

Timed: the ``fit`` call alone (``keras.Model.fit`` is wrapped with a clock in this process), as
wall time and as this process's CPU time (all its threads), and, apart, the whole call (``train()``,
which also prepares the data, traces its predict function once before ``fit``, predicts at the end
and saves the model, against build + compile + fit), as wall and CPU time. On a shared machine the
wall time of the same fit varies by a factor of two or more from one run to the next; the CPU time
much less, so its ratio is the steadier measure of what the app adds. Each figure is the median of
the pairs' ratios, with their interquartile range (the spread of the pairs, from the noise).

Usage: ``.venv/bin/python bench/training_overhead.py [epochs] [pairs]``
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

import common

KINDS = {"fit_cpu_s": "fit CPU", "fit_s": "fit wall", "whole_cpu_s": "whole call CPU", "whole_s": "whole call wall"}


def run(epochs: int = 10, reps: int = 10) -> dict:
    """Seconds of the app's path and plain fit (``reps`` interleaved pairs), and their ratios."""
    common.say(f"training overhead: {reps} pairs of {epochs}-epoch trainings, app path and plain fit interleaved")
    result = common.run_worker("training_overhead.py", [str(epochs), str(reps)], timeout=3600)
    for name in ("app", "plain"):
        for kind in ("fit_s", "fit_cpu_s"):
            values = result[f"{name}_{kind}"]
            common.say(f"  {name:5s} {kind:9s} median {statistics.median(values):.2f} ({_list(values)})")
    for kind, label in KINDS.items():
        q1, q3 = result[f"iqr_{kind}"]
        common.say(f"  ratio app/plain, {label}: median {result[f'ratio_{kind}']}× (pairs' IQR {q1}–{q3}×)")
    return result


def _worker(epochs: int, reps: int) -> None:
    from lstm_lab.limits import LIMITS

    threads = LIMITS.cpus_per_training
    for var in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        os.environ[var] = str(threads)
    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)

    from lstm_lab.data.generate import generated
    from lstm_lab.spec import LabSpec

    lab = LabSpec.from_dict({"train": {"epochs": epochs}})
    dataset = generated(lab.data, lab.seed)
    fit_seconds: list[tuple[float, float]] = []
    _clock_fit(keras, fit_seconds)

    paths = {"app": lambda: _app(lab, dataset), "plain": lambda: _plain(keras, lab, dataset)}
    warm = LabSpec.from_dict({"train": {"epochs": 1}})
    _app(warm, dataset)
    _plain(keras, warm, dataset)
    out = {f"{name}_{kind}": [] for name in paths for kind in KINDS}
    for i in range(reps):
        for name in ("app", "plain") if i % 2 == 0 else ("plain", "app"):
            t0, c0 = time.perf_counter(), time.process_time()
            paths[name]()
            out[f"{name}_whole_s"].append(round(time.perf_counter() - t0, 3))
            out[f"{name}_whole_cpu_s"].append(round(time.process_time() - c0, 3))
            out[f"{name}_fit_s"].append(round(fit_seconds[-1][0], 3))
            out[f"{name}_fit_cpu_s"].append(round(fit_seconds[-1][1], 3))
    for kind in KINDS:
        ratios = [a / b for a, b in zip(out[f"app_{kind}"], out[f"plain_{kind}"], strict=True)]
        out[f"ratios_{kind}"] = [round(r, 3) for r in ratios]
        out[f"ratio_{kind}"] = round(statistics.median(ratios), 3)
        q1, _, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios[0],) * 3
        out[f"iqr_{kind}"] = [round(q1, 3), round(q3, 3)]
    # the names bench/report.py reads
    out.update(ratio_fit=out["ratio_fit_s"], ratio_fit_cpu=out["ratio_fit_cpu_s"], ratio_whole=out["ratio_whole_s"])
    out.update(epochs=epochs, reps=reps, threads=threads, train_samples=_train_samples(lab, dataset))
    print(json.dumps(out), flush=True)


def _clock_fit(keras, seconds: list[tuple[float, float]]) -> None:
    """Make every ``Model.fit`` in this process append its (wall, process CPU) seconds to ``seconds``."""
    fit = keras.Model.fit

    def timed_fit(self, *args, **kwargs):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return fit(self, *args, **kwargs)
        finally:
            seconds.append((time.perf_counter() - t0, time.process_time() - c0))

    keras.Model.fit = timed_fit


def _app(lab, dataset) -> None:
    from lstm_lab.model.train import ProgressTracker, train

    progress = ProgressTracker()
    result = train(lab, dataset, progress)
    assert result.state == "done", result.message


def _plain(keras, lab, dataset) -> None:
    import numpy as np

    from lstm_lab.data.window import prepare
    from lstm_lab.model.build import build_model
    from lstm_lab.model.task import loss_for

    prep = prepare(dataset, lab.data)
    keras.utils.set_random_seed(lab.seed)
    model = build_model(lab.model_spec(features=prep.X.shape[2], timesteps=prep.X.shape[1]))
    loss, metrics = loss_for(lab.data.task, lab.train.loss)
    model.compile(optimizer=keras.optimizers.Adam(lab.train.learning_rate), loss=loss, metrics=metrics)
    x, y = (np.ascontiguousarray(a, dtype=np.float32) for a in prep.part("train"))
    xv, yv = (np.ascontiguousarray(a, dtype=np.float32) for a in prep.part("val"))
    model.fit(x, y, batch_size=lab.train.batch_size, epochs=lab.train.epochs, shuffle=True,
              validation_data=(xv, yv), verbose=0)  # fmt: skip


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _train_samples(lab, dataset) -> int:
    from lstm_lab.data.window import prepare

    return prepare(dataset, lab.data).n_train


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(int(sys.argv[2]), int(sys.argv[3]))
    else:
        run(*(int(a) for a in sys.argv[1:3]))
