"""The web server's side of the compute tier: it starts the compute service, watches it, and asks it things.

Ray and Keras never run in the web server's process. :mod:`lstm_lab.compute.service` runs in a child
process of its own; a supervisor thread pings it every two seconds and, when it has died, stopped
answering, or lost its Ray, kills it and starts a new one, so the web server outlives any fault in Ray.
While there is no service, every call raises an :class:`~lstm_lab.errors.LstmLabError` whose code is
``compute_starting``, ``compute_restarting`` or ``compute_unavailable`` and whose message a page shows in
one line.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from multiprocessing.connection import Client
from pathlib import Path

import psutil

from lstm_lab.errors import LstmLabError
from lstm_lab.records import ShapeRow

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180.0  # a new local Ray and a warm Keras import, on a busy machine
CALL_TIMEOUT = 60.0
PING_EVERY = 2.0
PING_TIMEOUT = 10.0
RETRY_AFTER = 5.0

MESSAGES = {
    "starting": "Starting the Keras workers (first start only, a few seconds)…",
    "ready": "Keras workers ready",
    "restarting": "Keras workers are restarting… ({why}). Your data, settings and results are kept; the page "
    "carries on by itself.",
    "unavailable": "The Keras workers are not available ({why}); trying again every few seconds.",
}


@dataclass(frozen=True)
class Status:
    """Where the compute tier is: ``state`` is starting, ready, restarting or unavailable.

    ``generation`` counts compute services: a training started under an older one is lost.
    """

    state: str
    message: str
    generation: int = 0

    @property
    def ready(self) -> bool:
        return self.state == "ready"


def _status(state: str, generation: int, why: str = "") -> Status:
    return Status(state, MESSAGES[state].format(why=why), generation)


class Engine:
    """Starts and supervises the compute service; sends it requests over a Unix socket."""

    def __init__(self):
        self._dir = tempfile.mkdtemp(prefix="lstm-lab-compute-")
        self._authkey = secrets.token_bytes(32)
        self._address: str | None = None
        self._child: subprocess.Popen | None = None
        self._idle: list[tuple[str, object]] = []
        self._family: dict[int, psutil.Process] = {}  # every process the service started, seen so far
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._closed = False
        self.status = _status("starting", 0)
        self._cache: OrderedDict[str, dict] = OrderedDict()
        self._forgets: queue.SimpleQueue = queue.SimpleQueue()
        atexit.register(self.close)
        threading.Thread(target=self._supervise, name="lstm-lab-compute", daemon=True).start()

    # The supervisor

    def _supervise(self) -> None:
        generation = 0
        while not self._closed:
            was_ready, why = self._run_service(generation)
            self._kill_service()
            generation += 1
            self._set(_status("restarting" if was_ready else "unavailable", generation, why))
            if not was_ready and not self._closed:
                time.sleep(RETRY_AFTER)

    def _run_service(self, generation: int) -> tuple[bool, str]:
        """Start a compute service and watch it until it fails: (whether it was ever ready, why it failed)."""
        address = os.path.join(self._dir, f"compute-{generation}.sock")
        env = {**service_env(), "LSTM_LAB_AUTHKEY": self._authkey.hex(), "LSTM_LAB_PARENT": str(os.getpid())}
        # Ray puts its driver's working directory on every worker's sys.path: from the project folder, a
        # cluster's workers on this machine would import lstm_lab from there instead of from runtime_env.
        self._child = subprocess.Popen(
            [sys.executable, "-m", "lstm_lab.compute.service", address], env=env, cwd=self._dir, start_new_session=True
        )
        self._address = address
        ready, deadline = False, time.monotonic() + START_TIMEOUT
        while not self._closed:
            code = self._child.poll()
            if code is not None:
                return ready, f"the compute service exited with code {code}"
            try:
                ping = self._request(address, "ping", (), PING_TIMEOUT)
            except TimeoutError:
                return ready, "Ray stopped answering"
            except (OSError, EOFError) as e:
                if ready:
                    return ready, f"the compute service went away: {type(e).__name__}"
                ping = {"value": {"ready": False, "error": None}}  # not listening yet
            if "error" in ping:
                return ready, ping["error"]["message"]
            if ping["value"]["error"]:
                return ready, ping["value"]["error"]
            if ping["value"]["ready"] and not ready:
                ready = True
                self._set(_status("ready", generation))
            if not ready and time.monotonic() > deadline:
                return ready, f"it did not start within {START_TIMEOUT:.0f} s"
            self._send_forgets(generation)
            self._remember_family()
            time.sleep(PING_EVERY if ready else 0.3)
        return ready, "the server is stopping"

    def _send_forgets(self, generation: int) -> None:
        while not self._forgets.empty():
            run_id, of = self._forgets.get()
            if of == generation:
                try:
                    self.call("forget_run", run_id, timeout=PING_TIMEOUT)
                except LstmLabError:
                    pass

    def _set(self, status: Status) -> None:
        with self._changed:
            self.status = status
            self._changed.notify_all()

    def _remember_family(self) -> None:
        """Note the service's processes now: a Ray worker whose raylet died is no longer its descendant."""
        try:
            self._family.update((p.pid, p) for p in psutil.Process(self._child.pid).children(recursive=True))
        except psutil.Error:
            pass

    def _kill_service(self) -> None:
        """Stop the compute service, its Ray daemons and workers: everything it started."""
        child, self._address = self._child, None
        with self._lock:
            idle, self._idle = self._idle, []
        for _, conn in idle:
            conn.close()
        if child is None:
            return
        if child.poll() is None:
            self._remember_family()
        family, self._family = self._family, {}
        for process in family.values():
            try:
                process.kill()  # psutil checks the pid still names the process it saw
            except psutil.Error:
                pass
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except OSError:
            pass
        child.wait()

    def close(self) -> None:
        """Stop the compute service (at exit): it shuts its Ray down, and is killed if it takes too long."""
        self._closed = True
        child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGINT)  # Ray's own handler turns SIGTERM into a crash report
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self._kill_service()
        shutil.rmtree(self._dir, ignore_errors=True)

    # Requests

    def _request(self, address: str, method: str, args: tuple, timeout: float) -> dict:
        """One request on a pooled connection to the service at ``address``: its answer dict."""
        return self._send(address, method, args)(timeout)

    def _send(self, address: str, method: str, args: tuple):
        """Send a request now; return a function that waits up to its ``timeout`` for the answer."""
        with self._lock:
            found = next((i for i, (a, _) in enumerate(self._idle) if a == address), None)
            conn = self._idle.pop(found)[1] if found is not None else None
        if conn is None:
            conn = Client(address, family="AF_UNIX", authkey=self._authkey)
        try:
            conn.send((method, args))
        except OSError:
            conn.close()
            raise

        def answer(timeout: float) -> dict:
            try:
                if not conn.poll(timeout):
                    raise TimeoutError(method)
                reply = conn.recv()
            except BaseException:
                conn.close()
                raise
            with self._lock:
                current = address == self._address
                if current:
                    self._idle.append((address, conn))
            if not current:
                conn.close()
            return reply

        return answer

    def call_later(self, method: str, *args):
        """Send ``method(*args)`` to the compute service now; return a function that waits for its value.

        The function raises LstmLabError: the service refused, timed out, or is not there.
        """
        status, address = self.status, self._address
        try:
            if not status.ready or address is None:
                raise LstmLabError(status.message, code=f"compute_{status.state}")
            answer = self._send(address, method, args)
        except (OSError, EOFError):
            return lambda timeout=CALL_TIMEOUT: _raise(self._gone())
        except LstmLabError as e:
            return lambda timeout=CALL_TIMEOUT, error=e: _raise(error)

        def value(timeout: float = CALL_TIMEOUT):
            try:
                reply = answer(timeout)
            except TimeoutError:
                raise LstmLabError("The Keras workers took too long to answer; try again.",
                                   code="compute_timeout") from None  # fmt: skip
            except (OSError, EOFError):
                raise self._gone() from None
            if "error" in reply:
                raise LstmLabError.from_dict(reply["error"])
            return reply["value"]

        return value

    def call(self, method: str, *args, timeout: float = CALL_TIMEOUT):
        """``method(*args)`` in the compute service: its value (raises LstmLabError like :meth:`call_later`)."""
        return self.call_later(method, *args)(timeout)

    def _gone(self) -> LstmLabError:
        why = "the compute service went away"
        return LstmLabError(MESSAGES["restarting"].format(why=why), code="compute_restarting")

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait while the compute tier first starts; return at once when it is ready.

        Raises:
            LstmLabError: it is restarting, unavailable, or still starting after ``timeout``.
        """
        with self._changed:
            self._changed.wait_for(lambda: self.status.state != "starting", timeout)
        status = self.status
        if not status.ready:
            raise LstmLabError(status.message, code=f"compute_{status.state}")

    @property
    def is_ready(self) -> bool:
        return self.status.ready

    # What pages ask for

    def shape_table_later(self, spec: dict):
        """Send the request for a model spec dict's shape table now; return a function that waits for its
        :class:`~lstm_lab.records.ShapeRow` list (cached, bounded). A page can draw its controls meanwhile.

        The function raises LstmLabError when the spec is invalid, over the limits, Keras rejected it, or
        the Keras workers are not there.
        """
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
        pending = self.call_later("shapes_call", "shape_table", spec) if self.is_ready else None

        def result() -> list[ShapeRow]:
            nonlocal pending
            if pending is None:
                if self.status.state == "starting":
                    self.wait_ready()
                pending = self.call_later("shapes_call", "shape_table", spec)
            try:
                reply = {"value": pending()}
            except LstmLabError as e:
                if e.code.startswith("compute_"):
                    raise
                reply = {"error": e.to_dict()}  # Keras's refusal: cached like an answer
            with self._lock:
                self._cache[key] = reply
                while len(self._cache) > 256:
                    self._cache.popitem(last=False)
            return _rows(reply)

        return result

    def ask(self, method: str, *args):
        """``method(*args)`` on the warm Keras worker: its value (waits while the tier first starts).

        Raises:
            LstmLabError: the worker refused (the error it sent back), or it is not available.
        """
        if self.status.state == "starting":
            self.wait_ready()
        return self.call("shapes_call", method, *args)

    def forget(self, run_id: str, generation: int) -> None:
        """Let the compute service drop a training run's result (sent by the supervisor, never blocks)."""
        self._forgets.put((run_id, generation))

    @property
    def capacity(self) -> int:
        """How many trainings may run at once on this server or cluster."""
        return self.call("capacity")


def service_env() -> dict:
    """The compute service's environment: this one, with the project on ``PYTHONPATH`` and, when joining a
    cluster, Ray's token auth on if a token is at hand (``ray start`` turns it on for its cluster, and a
    driver that does not ask sends no token)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    token_file = Path(env.get("RAY_AUTH_TOKEN_PATH") or Path.home() / ".ray" / "auth_token")
    if env.get("RAY_ADDRESS") and (env.get("RAY_AUTH_TOKEN") or token_file.is_file()):
        env.setdefault("RAY_AUTH_MODE", "token")
    return env


def _rows(answer: dict) -> list[ShapeRow]:
    if "error" in answer:
        raise LstmLabError.from_dict(answer["error"])
    return [ShapeRow.from_dict(r) for r in answer["value"]]


def _raise(error: Exception):
    raise error


_engine: Engine | None = None
_engine_lock = threading.Lock()


def engine() -> Engine:
    """The process-wide engine, started on first call (returns at once; the service starts in background)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine()
        return _engine


def shape_table_later(spec: dict):
    """Ask the warm worker for a model spec dict's shape table; call the result to wait for the rows."""
    return engine().shape_table_later(spec)
