"""A training run as pages see it: start, progress, stop, result. Ray stays hidden behind it."""

from __future__ import annotations

import threading

import ray

from lstm_lab.compute.engine import CALL_TIMEOUT, engine


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
