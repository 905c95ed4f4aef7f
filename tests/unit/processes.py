"""Finding the compute tier's processes, to kill them in tests: by what Ray calls them."""

from __future__ import annotations

import time

import psutil


def title(process: psutil.Process) -> str:
    """A process's title as ``ps`` shows it: Ray names its workers ``ray::ShapesWorker.shape_table``."""
    try:
        words = process.cmdline()
        return words[0] if words else process.name()
    except psutil.Error:
        return ""


def find(root: int, *prefixes: str) -> list[psutil.Process]:
    """The running descendants of process ``root`` whose name or title starts with one of ``prefixes``."""
    found = []
    for p in psutil.Process(root).children(recursive=True):
        try:
            names = (p.name(), title(p))
            if p.status() != psutil.STATUS_ZOMBIE and any(n.startswith(prefixes) for n in names):
                found.append(p)
        except psutil.Error:
            pass
    return found


def busiest(processes: list[psutil.Process]) -> psutil.Process:
    """The one using the most CPU over half a second: of two training workers, the one training."""
    for p in processes:
        p.cpu_percent()
    time.sleep(0.5)
    return max(processes, key=lambda p: p.cpu_percent())


def kill(processes: list[psutil.Process]) -> None:
    """SIGKILL each (as the OOM killer does), and wait until it is gone."""
    assert processes, "nothing to kill"
    for p in processes:
        p.kill()
    psutil.wait_procs(processes, timeout=10)


def alive(pids) -> list[int]:
    """Those of ``pids`` still running (zombies count as gone)."""
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.Error:
            pass
    return out
