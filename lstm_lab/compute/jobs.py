"""A training run as pages see it: start, progress, stop, result. The compute service runs it."""

from __future__ import annotations

import secrets
import threading
import time
import weakref

from lstm_lab.compute.engine import CALL_TIMEOUT, engine
from lstm_lab.data.dataset import Dataset
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS, check_data, check_model, check_training
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
    """One training run, in its own worker: start it, poll its progress, stop it, read its result.

    It waits in the cluster's line until a training slot is free (``progress().ahead`` says how many
    trainings are before it). A run whose worker dies, or that was running when the compute tier
    restarted, ends as failed with a message saying to press Train again.
    """

    POLL_EVERY = 0.2

    def __init__(self, lab: LabSpec, dataset: Dataset, browser: str | None = None):
        """Start training ``lab`` on ``dataset`` for ``browser`` (a cookie token: all its tabs share the cap of
        ``LSTM_LAB_MAX_TRAININGS_PER_BROWSER`` trainings running or queued; None: this job alone).

        Raises:
            LstmLabError: the settings are over the server's limits, the browser has its cap of trainings
                (code ``browser_cap``), or the Keras workers are not available; nothing starts.
        """
        check_limits(lab, dataset)
        self.run_id, self.started = secrets.token_hex(6), time.time()
        self._engine = engine()
        self._engine.wait_ready()
        self._generation = self._engine.status.generation
        self._id = self._engine.call("start_run", lab.to_dict(), dataset.to_payload(), browser or self.run_id,
                                     LIMITS.max_trainings_per_browser)  # fmt: skip
        self._last = Progress(state="queued", epochs=lab.train.epochs)
        self._final: Progress | None = None
        self._polled = 0.0
        self._watched = True
        self._lock = threading.Lock()
        weakref.finalize(self, self._engine.forget, self._id, self._generation)

    def progress(self) -> Progress:
        """The latest progress, as a page shows it to the run's owner; once ended, the final one, with the
        trained model's bytes. Asking marks the run as watched: a queued run that nobody watches for
        ``LSTM_LAB_QUEUED_UNWATCHED_SECONDS`` (its tab was closed) is cancelled. :attr:`ended` does not."""
        self._watched = True
        return self._latest()

    def collect(self) -> bool:
        """Poll now, as a page does; True once the run has ended."""
        return self.progress().ended

    @property
    def ended(self) -> bool:
        """True once the job is done, stopped or failed (checked without marking the run as watched)."""
        return self._latest().ended

    def _latest(self) -> Progress:
        with self._lock:
            if self._final is None and time.monotonic() - self._polled >= self.POLL_EVERY:
                self._poll()
                self._polled = time.monotonic()
            return self._final or self._last

    def stop(self) -> None:
        """Ask the job to stop after the current batch; the partly trained model is kept."""
        if self._final is None:
            try:
                self._engine.call("stop_run", self._id)
            except LstmLabError:
                pass  # the worker is gone: the next poll reports it

    def _poll(self) -> None:
        if self._engine.status.generation != self._generation:
            self._final = self._last.lost("the Keras workers restarted")
            return
        try:
            watched, self._watched = self._watched, False  # one page's look, sent with the next poll
            p = Progress.from_dict(self._engine.call("run_progress", self._id, watched, timeout=CALL_TIMEOUT))
        except LstmLabError as e:
            if e.code == "worker_lost":
                self._final = self._last.lost(e.message.rstrip("."))
            return  # restarting or slow: keep the last progress; a restart ends the run on the next poll
        if p.ended:
            self._final = p
            self._engine.forget(self._id, self._generation)
        else:
            self._last = p
