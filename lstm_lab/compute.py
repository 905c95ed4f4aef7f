"""The compute tier: every Keras call runs in a Ray actor, never in the web server's process.

Pages use two things: :func:`shape_table` (answered by a warm actor in milliseconds) and
:class:`TrainingJob` (start, progress, stop, result), one actor per job. With no ``RAY_ADDRESS``
a local Ray starts on first need; with ``RAY_ADDRESS`` set the app joins that cluster.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections import OrderedDict
from pathlib import Path

import ray

from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 120.0
CALL_TIMEOUT = 60.0
_QUIET_TF = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow"}


def _use_cpus(n: int) -> None:
    """Limit TensorFlow to ``n`` threads; must run before TensorFlow's first op in the process."""
    for var in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        os.environ[var] = str(n)
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(n)
    tf.config.threading.set_inter_op_parallelism_threads(n)


def _assigned_cpus() -> int:
    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    return max(1, round(cpus))


@ray.remote(num_cpus=0)
class ShapesWorker:
    """A warm Keras process answering shape requests; holds no user state."""

    def __init__(self):
        _use_cpus(1)
        import keras  # noqa: F401  (warm the import once)

        self.builds = 0

    def ready(self) -> bool:
        return True

    def shape_table(self, spec: dict) -> dict:
        from lstm_lab.shapes import shape_table
        from lstm_lab.spec import ModelSpec
        from lstm_lab.train import KERAS_STATE

        self.builds += 1
        with KERAS_STATE:
            if self.builds % 200 == 0:  # layer bookkeeping grows with every build
                import keras

                keras.backend.clear_session()
            return _as_value(lambda: {"rows": shape_table(ModelSpec.from_dict(spec))})


@ray.remote(max_concurrency=4)
class TrainingWorker:
    """One training job: its model, seed and Keras state belong to it alone."""

    def __init__(self):
        os.nice(10)  # long trainings yield the CPU to people editing shapes
        _use_cpus(_assigned_cpus())
        import keras  # noqa: F401

        from lstm_lab.train import Progress

        self.progress = Progress()

    def ready(self) -> bool:
        return True

    def run(self, lab: dict, dataset: dict) -> dict:
        from lstm_lab.dataset import Dataset
        from lstm_lab.spec import LabSpec
        from lstm_lab.train import train

        result = _as_value(lambda: train(LabSpec.from_dict(lab), Dataset.from_payload(dataset), self.progress))
        if "error" in result:
            self.progress.update(state="failed", message=result["error"]["message"])
            return {**self.progress.snapshot(), "error": result["error"], "model_bytes": None}
        return result

    def poll(self) -> dict:
        return self.progress.snapshot()

    def stop(self) -> None:
        self.progress.stop()


def _rows(answer: dict) -> list[dict]:
    if "error" in answer:
        raise LstmLabError.from_dict(answer["error"])
    return answer["rows"]


def _raise(error: Exception):
    raise error


def _as_value(call) -> dict:
    """Run ``call``; return an error as plain data so no Keras exception reaches the server."""
    try:
        return call()
    except LstmLabError as e:
        return {"error": e.to_dict()}
    except Exception as e:
        logging.getLogger(__name__).exception("compute call failed")
        text = f"{type(e).__name__}: {e}".strip()
        return {"error": {"message": f"Keras failed: {text.splitlines()[0]}", "field": None, "keras_message": text}}


class Engine:
    """Starts or joins Ray from a thread that lives as long as the process.

    Ray's local daemons die with the thread that started them, and Streamlit's script threads
    end after every run, so ``ray.init`` must never be called from one.
    """

    def __init__(self):
        self._ready = threading.Event()
        self._forever = threading.Event()
        self._lock = threading.Lock()
        self.error: str | None = None
        self.shapes = None
        self._spare = None
        self._cache: OrderedDict[str, dict] = OrderedDict()
        self.jobs: weakref.WeakSet = weakref.WeakSet()
        self._slot: dict = {}
        threading.Thread(target=self._run, name="lstm-lab-ray", daemon=True).start()

    def _run(self) -> None:
        try:
            self._init_ray()
            self.shapes = ShapesWorker.remote()
            ray.get(self.shapes.ready.remote(), timeout=START_TIMEOUT)
            self._spare = self._new_training_worker()
        except Exception as e:  # noqa: BLE001
            self.error = f"The compute tier could not start: {type(e).__name__}: {e}"
        finally:
            self._ready.set()
        while not self._forever.wait(1.0):
            self._reap()

    def _reap(self) -> None:
        """Collect ended jobs nobody is watching (a closed tab), so their workers free their slots."""
        for job in list(self.jobs):
            job.collect()

    def _init_ray(self) -> None:
        if ray.is_initialized():
            return
        env = {**_QUIET_TF, "RAY_USAGE_STATS_ENABLED": "0"}
        options = dict(
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
            configure_logging=True,
        )
        if os.environ.get("RAY_ADDRESS"):
            import lstm_lab

            options["runtime_env"] = {"env_vars": env, "py_modules": [lstm_lab]}
        else:
            pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
            options["runtime_env"] = {"env_vars": {**env, "PYTHONPATH": pythonpath}}
            options["num_cpus"] = os.cpu_count() or 1
            options["object_store_memory"] = 512 * 2**20
            slots = LIMITS.max_concurrent_trainings or max(1, options["num_cpus"] // LIMITS.cpus_per_training)
            options["resources"] = {"lstm_lab_training": slots}
            self._slot = {"lstm_lab_training": 1}
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        # Ray starts workers at nice 15 by default, which made the warm shapes worker lose the CPU to the
        # browser and the server; it runs at 0, and each training worker lowers itself to 10.
        os.environ.setdefault("RAY_worker_niceness", "0")
        ray.init(**options)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Block until the warm actor answers.

        Raises:
            LstmLabError: Ray or the actor could not start.
        """
        if not self._ready.wait(timeout):
            raise LstmLabError("The Keras worker is still starting; try again in a few seconds.")
        if self.error:
            raise LstmLabError(self.error)

    @property
    def is_ready(self) -> bool:
        return self._ready.is_set() and not self.error

    def shape_table(self, spec: dict) -> list[dict]:
        """Per-layer rows for a model spec dict, from the warm actor (cached, bounded).

        Raises:
            LstmLabError: the spec is invalid, over the limits, or Keras rejected the model.
        """
        return self.shape_table_later(spec)()

    def shape_table_later(self, spec: dict):
        """Send the request now and return a function that waits for the rows (the same errors, raised then).

        A page can draw its controls while the warm actor builds the model.
        """
        import json

        from lstm_lab.limits import check_model
        from lstm_lab.spec import ModelSpec

        key = json.dumps(spec, sort_keys=True)
        try:
            check_model(ModelSpec.from_dict(spec))
        except LstmLabError as e:
            return lambda error=e: _raise(error)
        with self._lock:
            answer = self._cache.get(key)
            if answer is not None:
                self._cache.move_to_end(key)
        if answer is not None:
            return lambda: _rows(answer)
        ref = self.shapes.shape_table.remote(spec) if self.is_ready else None

        def result() -> list[dict]:
            nonlocal ref
            if ref is None:
                self.wait_ready()
                ref = self.shapes.shape_table.remote(spec)
            reply = ray.get(ref, timeout=CALL_TIMEOUT)
            with self._lock:
                self._cache[key] = reply
                while len(self._cache) > 256:
                    self._cache.popitem(last=False)
            return _rows(reply)

        return result

    def _new_training_worker(self):
        return TrainingWorker.options(num_cpus=LIMITS.cpus_per_training, resources=self._slot).remote()

    def take_training_worker(self):
        """A warm training actor if one is waiting, and a new spare started for the next job."""
        self.wait_ready()
        with self._lock:
            worker, self._spare = self._spare, self._new_training_worker()
        return worker

    @property
    def capacity(self) -> int:
        """How many trainings may run at once on this server or cluster."""
        total = ray.cluster_resources()
        if self._slot:
            return int(total.get("lstm_lab_training", 1))
        return max(1, int(total.get("CPU", 1) // LIMITS.cpus_per_training))

    @property
    def running_jobs(self) -> int:
        return sum(1 for job in list(self.jobs) if not job.ended)


_engine: Engine | None = None
_engine_lock = threading.Lock()


def engine() -> Engine:
    """The process-wide engine, started on first call (returns at once; Ray starts in background)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine()
        return _engine


def shape_table(spec: dict) -> list[dict]:
    """Per-layer output shapes and params of a model spec dict, computed in the warm actor.

    Raises:
        LstmLabError: the spec is invalid or Keras rejected the model.
    """
    return engine().shape_table(spec)


def shape_table_later(spec: dict):
    """Like :func:`shape_table`, but returns at once: call the result to wait for the rows."""
    return engine().shape_table_later(spec)


def check_limits(lab: dict, dataset: dict) -> None:
    """Refuse, before any work starts, a training over the server's limits.

    Raises:
        LstmLabError: invalid settings, or a dataset, model or training too large for this server.
    """
    from lstm_lab.limits import check_data, check_model, check_training
    from lstm_lab.spec import LabSpec

    spec = LabSpec.from_dict(lab)
    if "values" in dataset:
        rows, features = dataset["values"].shape
        timesteps = spec.data.timesteps
    else:
        rows, timesteps, features = dataset["X"].shape
    check_data(rows, features)
    check_model(spec.model_spec(len(spec.data.features) or features, timesteps))
    check_training(spec.train)


class TrainingJob:
    """One training run as pages see it: start, progress, stop, result. Hides Ray entirely."""

    def __init__(self, lab: dict, dataset: dict):
        """Start training ``lab`` (a lab dict) on ``dataset`` (a ``Dataset.to_payload()``).

        Raises:
            LstmLabError: the settings are invalid or over the server's limits; nothing starts.
        """
        check_limits(lab, dataset)
        self._engine = engine()
        self._worker = self._engine.take_training_worker()
        self._ready_ref = self._worker.ready.remote()
        self._run_ref = self._worker.run.remote(lab, dataset)
        self._final: dict | None = None
        self._last: dict = {
            "state": "queued",
            "epoch": 0,
            "epochs": lab.get("train", {}).get("epochs", 0),
            "steps": 0,
            "history": [],
            "predictions": None,
            "message": None,
        }
        self._stop_sent = False
        self._lock = threading.Lock()
        self._engine.jobs.add(self)

    def collect(self) -> bool:
        """If the run has ended, take its result and stop its worker (once). True when ended."""
        if self._final is None and ray.wait([self._run_ref], timeout=0)[0]:
            with self._lock:
                if self._final is None:
                    self._finish()
        return self._final is not None

    def progress(self) -> dict:
        """The latest progress: ``state`` is queued, starting, training, done, stopped or failed."""
        if self.collect():
            return self._final
        ready, _ = ray.wait([self._ready_ref], timeout=0)
        if not ready:
            queued = self._engine.running_jobs > self._engine.capacity
            return {**self._last, "state": "queued" if queued else "starting"}
        try:
            self._last = ray.get(self._worker.poll.remote(), timeout=CALL_TIMEOUT)
        except ray.exceptions.GetTimeoutError:
            pass
        return self._last

    @property
    def ended(self) -> bool:
        """True once the job is done, stopped or failed and its result has been collected."""
        return self._final is not None

    def stop(self) -> None:
        """Ask the job to stop after the current batch; the partly trained model is kept."""
        if self._final is None and not self._stop_sent:
            self._stop_sent = True
            self._worker.stop.remote()

    def wait(self, timeout: float | None = None) -> dict:
        """Block until the job ends (for notebooks and tests) and return its final progress."""
        ray.wait([self._run_ref], timeout=timeout)
        return self.progress()

    @property
    def model_bytes(self) -> bytes | None:
        """The trained model as a ``.keras`` file, once the job has ended."""
        return (self._final or {}).get("model_bytes")

    def _finish(self) -> dict:
        try:
            result = ray.get(self._run_ref, timeout=CALL_TIMEOUT)
        except ray.exceptions.RayError as e:
            result = {**self._last, "state": "failed", "message": f"The training worker died: {type(e).__name__}"}
        if result.get("state") not in ("done", "stopped", "failed"):
            result["state"] = "failed"
        self._final = result
        ray.kill(self._worker)
        self._worker = None
        return result
