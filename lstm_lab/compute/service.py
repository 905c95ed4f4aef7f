"""The compute service: the one process that talks to Ray, started and watched by the web server.

``python -m lstm_lab.compute.service SOCKET`` listens on a Unix socket for ``(method, args)`` requests
from :mod:`lstm_lab.compute.engine` (Python's ``multiprocessing.connection``, authenticated with the key
the web server put in ``LSTM_LAB_AUTHKEY``) and answers each with ``{"value": ...}`` or
``{"error": error dict}``. Whatever happens to Ray here (a lost GCS, a dead raylet, a cluster gone), the
web server sees only a late or missing answer, kills this process and starts a new one.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
from multiprocessing import AuthenticationError
from multiprocessing.connection import Listener

import ray

from lstm_lab.compute import cluster
from lstm_lab.compute.runs import Runs
from lstm_lab.compute.training_queue import training_queue
from lstm_lab.compute.workers import ShapesWorker, TrainingWorker
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS

START_TIMEOUT = 120.0
CALL_TIMEOUT = 60.0
TICK_EVERY = 0.5  # how often runs are collected and the line is asked whose turn it is
log = logging.getLogger(__name__)


class Service:
    """Ray, the warm shapes worker and the training runs, behind a few plain methods."""

    def __init__(self):
        self.error: str | None = None
        self.ready = False
        self.shapes = None
        self.runs: Runs | None = None
        self._daemons = []

    def start(self) -> None:
        try:
            slot = cluster.start_ray()
            self._daemons = cluster.local_daemons()
            # A shapes worker that dies (OOM, a kill) is started again by Ray, and its calls retried.
            self.shapes = ShapesWorker.options(max_restarts=-1, max_task_retries=3).remote()
            queue = training_queue()  # on a cluster, maybe started already by another web replica
            ray.get([self.shapes.ready.remote(), queue.ready.remote()], timeout=START_TIMEOUT)
            self.runs = Runs(lambda: TrainingWorker.options(num_cpus=LIMITS.cpus_per_training, resources=slot)
                             .remote(), lambda: cluster.capacity(slot), queue)  # fmt: skip
            self.runs.tick()
            self.ready = True
        except Exception as e:  # noqa: BLE001  (any failure to start is reported, then retried by the server)
            self.error = f"{type(e).__name__}: {e}".splitlines()[0]
            return
        while True:
            threading.Event().wait(TICK_EVERY)
            try:
                self.runs.tick()
            except Exception as e:  # noqa: BLE001  (Ray gone or slow: ping reports it; the next tick tries again)
                if ray.is_initialized():  # else the service is exiting
                    log.warning("Could not tick the training runs: %s", f"{type(e).__name__}: {e}".splitlines()[0])

    def ping(self) -> dict:
        """Whether Ray and the warm worker are up; raises when Ray is gone (may block while the GCS hangs)."""
        if self.ready:
            cluster.check_alive(self._daemons)
        return {"ready": self.ready, "error": self.error}

    def shapes_call(self, method: str, *args) -> dict:
        """``method(*args)`` on the warm shapes worker: its own ``{"value"}`` or ``{"error"}`` answer."""
        return ray.get(getattr(self.shapes, method).remote(*args), timeout=CALL_TIMEOUT)

    def start_run(self, lab: dict, payload: dict, browser: str, cap: int) -> str:
        return self.runs.start(lab, payload, browser, cap)

    def run_progress(self, run_id: str, watched: bool = False) -> dict:
        return self.runs.progress(run_id, watched)

    def stop_run(self, run_id: str) -> None:
        self.runs.stop(run_id)

    def forget_run(self, run_id: str) -> None:
        self.runs.forget(run_id)

    def capacity(self) -> int:
        return self.runs.capacity

    METHODS = ("ping", "shapes_call", "start_run", "run_progress", "stop_run", "forget_run", "capacity")

    def answer(self, method: str, args: tuple) -> dict:
        """The reply to one request, as plain data."""
        if method not in self.METHODS:
            return {"error": LstmLabError(f"Unknown compute call {method!r}.", code="compute_failed").to_dict()}
        if method != "ping" and not self.ready:
            return {"error": LstmLabError("The Keras workers are not ready.", code="compute_restarting").to_dict()}
        try:
            value = getattr(self, method)(*args)
        except LstmLabError as e:
            return {"error": e.to_dict()}
        except ray.exceptions.GetTimeoutError:
            return {"error": LstmLabError("The Keras worker took too long to answer; try again.",
                                          code="compute_timeout").to_dict()}  # fmt: skip
        except Exception as e:  # noqa: BLE001  (a Ray failure becomes a message, never a traceback)
            return {"error": LstmLabError(f"The compute tier failed: {type(e).__name__}.",
                                          code="compute_failed").to_dict()}  # fmt: skip
        return value if method == "shapes_call" else {"value": value}

    def serve(self, conn) -> None:
        """Answer one connection's requests, one at a time, until the web server closes it."""
        with conn:
            while True:
                try:
                    method, args = conn.recv()
                    conn.send(self.answer(method, args))
                except (EOFError, OSError):
                    return


def _die_with_parent() -> None:
    """Ask Linux to stop this process when the web server that started it goes, even by SIGKILL, and to
    keep Ray's workers its descendants when their raylet dies (so the web server can find and stop them)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG
        libc.prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass
    if os.getppid() != int(os.environ.get("LSTM_LAB_PARENT", os.getppid())):
        sys.exit(0)  # the parent went before the request above took effect


def main(address: str) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))  # atexit then shuts Ray down
    authkey = bytes.fromhex(os.environ.pop("LSTM_LAB_AUTHKEY"))
    service = Service()
    threading.Thread(target=service.start, name="lstm-lab-start", daemon=True).start()
    with Listener(address, family="AF_UNIX", authkey=authkey) as listener:
        while True:
            try:
                conn = listener.accept()
            except (AuthenticationError, OSError):
                continue
            threading.Thread(target=service.serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main(sys.argv[1])
