"""The training runs the compute service holds: one Ray worker each, by run id.

A run's result waits here until the web server has read it and says :meth:`Runs.forget`, or until it
is an hour old; a run whose worker dies ends as failed with a message saying what to do.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, replace

import ray

from lstm_lab.errors import LstmLabError
from lstm_lab.records import Progress

POLL_TIMEOUT = 5.0
KEEP_ENDED = 3600.0


@dataclass
class Run:
    worker: object
    ready_ref: object
    run_ref: object
    last: Progress
    final: Progress | None = None
    ended_at: float = 0.0
    stop_sent: bool = False


class Runs:
    """Start, poll, stop and forget training runs; ``new_worker`` makes a TrainingWorker actor."""

    def __init__(self, new_worker, capacity: int):
        self._new_worker = new_worker
        self._spare = new_worker()
        self.capacity = capacity
        self._runs: dict[str, Run] = {}
        self._lock = threading.Lock()

    def start(self, lab: dict, payload: dict) -> str:
        """Send ``lab`` and the dataset payload to a warm worker; the new run's id."""
        with self._lock:
            worker, self._spare = self._spare, self._new_worker()
        epochs = lab.get("train", {}).get("epochs", 0)
        run = Run(worker, worker.ready.remote(), worker.run.remote(lab, payload), Progress("queued", epochs=epochs))
        run_id = secrets.token_hex(8)
        with self._lock:
            self._runs[run_id] = run
        return run_id

    def progress(self, run_id: str) -> dict:
        """The run's latest progress as a dict; once ended, the final one with the model's bytes."""
        run = self._get(run_id)
        if self._collect(run):
            return run.final.to_dict()
        if not ray.wait([run.ready_ref], timeout=0)[0]:
            queued = self.running > self.capacity
            return replace(run.last, state="queued" if queued else "starting").to_dict()
        try:
            run.last = Progress.from_dict(ray.get(run.worker.poll.remote(), timeout=POLL_TIMEOUT))
        except ray.exceptions.GetTimeoutError:
            pass
        except ray.exceptions.RayError:
            self._collect(run)
        if run.final is None and run.last.ended:  # it has stopped and is saving the model: wait for that
            ray.wait([run.run_ref], timeout=POLL_TIMEOUT)
            if not self._collect(run):
                return replace(run.last, state="training").to_dict()
        return (run.final or run.last).to_dict()

    def stop(self, run_id: str) -> None:
        """Ask the run to stop after its current batch; the partly trained model is kept."""
        run = self._get(run_id)
        if run.final is None and not run.stop_sent:
            run.stop_sent = True
            run.worker.stop.remote()

    def forget(self, run_id: str) -> None:
        """Drop the run; a run still going is killed."""
        with self._lock:
            run = self._runs.pop(run_id, None)
        if run is not None and run.worker is not None:
            ray.kill(run.worker)

    @property
    def running(self) -> int:
        return sum(1 for run in list(self._runs.values()) if run.final is None)

    def reap(self) -> None:
        """Collect ended runs (so their workers free their slots) and drop results kept too long."""
        for run_id, run in list(self._runs.items()):
            self._collect(run)
            if run.final is not None and time.monotonic() - run.ended_at > KEEP_ENDED:
                self.forget(run_id)

    def _get(self, run_id: str) -> Run:
        run = self._runs.get(run_id)
        if run is None:
            raise LstmLabError("The compute service no longer knows this training.", code="worker_lost")
        return run

    def _collect(self, run: Run) -> bool:
        """If the run has ended, take its result and kill its worker (once). True when ended."""
        if run.final is None and ray.wait([run.run_ref], timeout=0)[0]:
            with self._lock:
                if run.final is None:
                    run.final = self._final(run)
                    run.ended_at = time.monotonic()
                    ray.kill(run.worker)
                    run.worker = None
        return run.final is not None

    @staticmethod
    def _final(run: Run) -> Progress:
        try:
            final = Progress.from_dict(ray.get(run.run_ref, timeout=POLL_TIMEOUT))
        except ray.exceptions.RayError as e:
            return run.last.lost(f"it stopped: {type(e).__name__}")
        return final if final.ended else replace(final, state="failed")
