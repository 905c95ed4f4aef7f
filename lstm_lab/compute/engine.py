"""Starting or joining Ray, the warm shapes worker, and the spare training worker.

With no ``RAY_ADDRESS`` a local Ray starts in a thread that lives as long as the process; with
``RAY_ADDRESS`` set the app joins that cluster.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections import OrderedDict
from pathlib import Path

import ray

from lstm_lab.compute.workers import ShapesWorker, TrainingWorker
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS
from lstm_lab.records import ShapeRow

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120.0
CALL_TIMEOUT = 60.0
_QUIET_TF = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow"}


def _rows(answer: dict) -> list[ShapeRow]:
    if "error" in answer:
        raise LstmLabError.from_dict(answer["error"])
    return [ShapeRow.from_dict(r) for r in answer["value"]]


def _raise(error: Exception):
    raise error


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
            raise LstmLabError(
                "The Keras worker is still starting; try again in a few seconds.", code="compute_starting"
            )
        if self.error:
            raise LstmLabError(self.error, code="compute_unavailable")

    @property
    def is_ready(self) -> bool:
        return self._ready.is_set() and not self.error

    def shape_table_later(self, spec: dict):
        """Send the request for a model spec dict's shape table now; return a function that waits for its
        :class:`~lstm_lab.records.ShapeRow` list (cached, bounded). A page can draw its controls meanwhile.

        The function raises LstmLabError when the spec is invalid, over the limits, or Keras rejected it.
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

        def result() -> list[ShapeRow]:
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

    def ask(self, method: str, *args):
        """``method(*args)`` on the warm worker: its value.

        Raises:
            LstmLabError: the worker refused (the error it sent back), or Ray is not available.
        """
        self.wait_ready()
        answer = ray.get(getattr(self.shapes, method).remote(*args), timeout=CALL_TIMEOUT)
        if "error" in answer:
            raise LstmLabError.from_dict(answer["error"])
        return answer["value"]

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


def shape_table_later(spec: dict):
    """Ask the warm actor for a model spec dict's shape table; call the result to wait for the rows."""
    return engine().shape_table_later(spec)
