"""The training runs the compute service holds, by run id: each waits its turn in the cluster's line
(:mod:`lstm_lab.compute.training_queue`), then trains in a Ray worker of its own.

A queued run holds only its settings and data. When its turn comes it takes the warm spare worker (a
TrainingWorker that has already imported Keras and holds one training slot), so it starts at once, and a new
spare is made. A queued run that no page has asked about for ``queued_unwatched_seconds`` is cancelled: its
tab was closed, and it must not hold the line. (Streamlit 1.67 keeps a closed tab's session two minutes for
a reconnect and the browser's job lives on in ``ui.persist`` for its return, so the end of a session is no
signal; the page's own polls are.) A running run goes on when its tab closes: its result waits here and in
the store for the browser's return.

A run's result waits here until the web server has read it and says :meth:`Runs.forget`, or until it
is an hour old; a run whose worker dies ends as failed with a message saying what to do.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import ray

from lstm_lab.compute.training_queue import training_queue
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS
from lstm_lab.records import Progress

POLL_TIMEOUT = 5.0
QUEUE_TIMEOUT = 10.0
KEEP_ENDED = 3600.0
ABANDONED = ("This training was cancelled while it waited in the queue: no page asked about it for {seconds} s "
             "(was its tab closed?). Press Train to queue it again.")  # fmt: skip
STOPPED_IN_LINE = "Stopped before it started: nothing was trained."


def over_the_cap(count: int) -> LstmLabError:
    """The refusal a browser gets when it already has ``count`` trainings running or queued.

    >>> over_the_cap(2).message.split("; ")[1]
    'stop one or wait for one to finish.'
    """
    what, it = ("1 training", "it") if count == 1 else (f"{count} trainings", "one")
    return LstmLabError(f"You already have {what} running or queued (the limit per browser on this server); "
                        f"stop {it} or wait for {it} to finish.", code="browser_cap", count=count)  # fmt: skip


@dataclass
class Run:
    lab: dict | None  # the settings and data wait here until the run gets its worker
    payload: dict | None
    browser: str
    joined: int
    last: Progress
    watched: float
    worker: object = None
    ready_ref: object = None
    run_ref: object = None
    final: Progress | None = None
    ended_at: float = 0.0
    stop_sent: bool = False


class Runs:
    """Queue, start, poll, stop and forget training runs.

    Args:
        new_worker: Makes a TrainingWorker actor (asking Ray for one training slot).
        capacity: How many trainings the cluster runs at once, asked again on every :meth:`tick`.
        queue: The cluster's :class:`~lstm_lab.compute.training_queue.TrainingQueue` actor.
    """

    def __init__(self, new_worker: Callable[[], object], capacity: Callable[[], int], queue):
        self._new_worker = new_worker
        self._spare = new_worker()
        self._capacity = capacity
        self._service = secrets.token_hex(6)
        self._queue = queue
        self._runs: dict[str, Run] = {}
        self._lock = threading.RLock()

    @property
    def capacity(self) -> int:
        return self._capacity()

    def start(self, lab: dict, payload: dict, browser: str, cap: int) -> str:
        """Put a training in line for ``browser`` (at most ``cap`` of its runs running or queued); its run id.
        It starts at once when a slot is free.

        Raises:
            LstmLabError: ``browser`` already has ``cap`` trainings (code ``browser_cap``).
        """
        run_id = secrets.token_hex(8)
        with self._lock:
            answer = self._ask(self._queue.join.remote(self._service, run_id, browser, cap))
            if "refused" in answer:
                raise over_the_cap(answer["refused"])
            epochs = lab.get("train", {}).get("epochs", 0)
            last = Progress("queued", epochs=epochs, ahead=answer["ahead"])
            self._runs[run_id] = Run(lab, payload, browser, answer["joined"], last, time.monotonic())
            self.tick()
        return run_id

    def tick(self) -> None:
        """Collect ended runs, cancel queued ones no page watches, start those whose turn has come."""
        with self._lock:
            now = time.monotonic()
            for run_id, run in list(self._runs.items()):
                self._collect(run)
                idle = now - run.watched
                if run.final is None and run.worker is None and idle > LIMITS.queued_unwatched_seconds:
                    message = ABANDONED.format(seconds=LIMITS.queued_unwatched_seconds)
                    self._end_in_line(run, replace(run.last, state="failed", message=message, error=LstmLabError(
                        message, code="queue_abandoned")))  # fmt: skip
                if run.final is not None and now - run.ended_at > KEEP_ENDED:
                    self.forget(run_id)
            waiting = {k: r for k, r in self._runs.items() if r.final is None}
            listed = [{"ticket": k, "browser": r.browser, "joined": r.joined, "running": r.worker is not None}
                      for k, r in waiting.items()]  # fmt: skip
            answer = self._ask(self._queue.sync.remote(self._service, listed, self.capacity))
            for run_id in answer["start"]:
                if run_id in waiting and waiting[run_id].worker is None:
                    self._begin(waiting[run_id])
            for run_id, ahead in answer["ahead"].items():
                run = waiting.get(run_id)
                if run is not None and run.worker is None:
                    run.last = replace(run.last, ahead=ahead)

    def progress(self, run_id: str, watched: bool = False) -> dict:
        """The run's latest progress as a dict; once ended, the final one with the model's bytes.

        ``watched``: a page shows it to its owner now (a queued run nobody watches is cancelled).
        """
        run = self._get(run_id)
        if watched:
            run.watched = time.monotonic()
        if self._collect(run):
            return run.final.to_dict()
        if run.worker is None:
            return run.last.to_dict()
        if not ray.wait([run.ready_ref], timeout=0)[0]:
            return replace(run.last, state="starting").to_dict()
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
        """Ask the run to stop after its current batch (the partly trained model is kept); a queued run leaves
        the line."""
        run = self._get(run_id)
        with self._lock:
            if run.final is None and run.worker is None:
                self._end_in_line(run, replace(run.last, state="stopped", message=STOPPED_IN_LINE))
                return
        if run.final is None and not run.stop_sent:
            run.stop_sent = True
            run.worker.stop.remote()

    def forget(self, run_id: str) -> None:
        """Drop the run; a run still going is killed (and leaves the line at the next tick)."""
        with self._lock:
            run = self._runs.pop(run_id, None)
        if run is not None and run.worker is not None:
            ray.kill(run.worker)

    def _ask(self, ref):
        """The line's answer; if it cannot be reached, the next call looks the actor up again."""
        try:
            return ray.get(ref, timeout=QUEUE_TIMEOUT)
        except ray.exceptions.RayError:
            self._queue = training_queue()
            raise

    def _begin(self, run: Run) -> None:
        """The run's turn: it takes the warm spare worker, and a new spare is made."""
        worker, self._spare = self._spare, self._new_worker()
        run.worker, run.ready_ref, run.run_ref = worker, worker.ready.remote(), worker.run.remote(run.lab, run.payload)
        run.lab = run.payload = None
        run.last = replace(run.last, state="starting", ahead=0)

    def _end_in_line(self, run: Run, final: Progress) -> None:
        run.final, run.ended_at, run.lab, run.payload = replace(final, ahead=0), time.monotonic(), None, None

    def _get(self, run_id: str) -> Run:
        run = self._runs.get(run_id)
        if run is None:
            raise LstmLabError("The compute service no longer knows this training.", code="worker_lost")
        return run

    def _collect(self, run: Run) -> bool:
        """If the run has ended, take its result and kill its worker (once). True when ended."""
        if run.final is None and run.run_ref is not None and ray.wait([run.run_ref], timeout=0)[0]:
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
