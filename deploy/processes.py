"""Starting and stopping the servers of a stack: free ports, readiness waits, stops by process group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(ready: Callable[[], bool], what: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    """Poll ``ready()`` until it is true.

    Raises:
        RuntimeError: ``proc`` exited first, or ``timeout`` seconds passed; the message ends with the log's tail.
    """
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            state = f"exited with {proc.returncode}" if proc.poll() is not None else f"not ready after {timeout:.0f} s"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
            raise RuntimeError(f"{what} {state}; {log}:\n{tail}")
        time.sleep(0.3)


def stop_group(proc: subprocess.Popen, sig: int = signal.SIGTERM, grace: float = 30.0, leader_only=False) -> None:
    """Send ``sig`` to the process group ``proc`` leads (started with ``start_new_session=True``), or to ``proc``
    alone if ``leader_only`` (a server that stops its own children), wait up to ``grace`` seconds for ``proc``,
    then SIGKILL whatever is left of the group."""
    try:
        os.kill(proc.pid, sig) if leader_only else os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # children that outlived their leader
    except ProcessLookupError:
        pass
    proc.wait()
