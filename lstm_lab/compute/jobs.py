"""A training run as pages see it: start, progress, stop, result. Ray stays hidden behind it."""

from __future__ import annotations

import threading
from dataclasses import replace

import ray

from lstm_lab.compute.engine import CALL_TIMEOUT, engine
from lstm_lab.data.dataset import Dataset
from lstm_lab.limits import check_data, check_model, check_training
from lstm_lab.records import Progress
from lstm_lab.spec import LabSpec


def check_limits(lab: LabSpec, dataset: Dataset) -> None:
    """Refuse, before any work starts, a training over the server's limits.

    Raises:
        LstmLabError: a dataset, model or training too large for this server.
    """
    if dataset.is_series:
        rows, features = dataset.table.shape
        timesteps = lab.data.timesteps
    else:
        rows, timesteps = dataset.X.shape[:2]
        features = dataset.X.shape[2] if dataset.X.ndim == 3 else 1
    check_data(rows, features)
    check_model(lab.model_spec(len(lab.data.features) or features, timesteps))
    check_training(lab.train)


class TrainingJob:
    """One training run, in its own worker: start it, poll its progress, stop it, read its result."""

    def __init__(self, lab: LabSpec, dataset: Dataset):
        """Start training ``lab`` on ``dataset``.

        Raises:
            LstmLabError: the settings are over the server's limits; nothing starts.
        """
        check_limits(lab, dataset)
        self._engine = engine()
        self._worker = self._engine.take_training_worker()
        self._ready_ref = self._worker.ready.remote()
        self._run_ref = self._worker.run.remote(lab.to_dict(), dataset.to_payload())
        self._final: Progress | None = None
        self._last = Progress(state="queued", epochs=lab.train.epochs)
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

    def progress(self) -> Progress:
        """The latest progress; once ended, the final one, with the trained model's bytes."""
        if self.collect():
            return self._final
        ready, _ = ray.wait([self._ready_ref], timeout=0)
        if not ready:
            queued = self._engine.running_jobs > self._engine.capacity
            return replace(self._last, state="queued" if queued else "starting")
        try:
            self._last = Progress.from_dict(ray.get(self._worker.poll.remote(), timeout=CALL_TIMEOUT))
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

    def _finish(self) -> None:
        try:
            final = Progress.from_dict(ray.get(self._run_ref, timeout=CALL_TIMEOUT))
        except ray.exceptions.RayError as e:
            final = replace(self._last, state="failed", message=f"The training worker died: {type(e).__name__}")
        self._final = final if final.ended else replace(final, state="failed")
        ray.kill(self._worker)
        self._worker = None
