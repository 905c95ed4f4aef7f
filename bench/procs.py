"""Processes as /proc shows them: a process tree, stopping it, its memory and its CPU time by role."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, grandchildren, ...), read from /proc."""
    parent_of = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent_of[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        here = frontier.pop()
        kids = [p for p, parent in parent_of.items() if parent == here]
        found += kids
        frontier += kids
    return found


def kill_tree(pid: int, group: bool = True, timeout: float = 20) -> None:
    """Stop a process we started, its process group and any descendant that left the group (by pid)."""
    below = descendants(pid)
    try:
        if group:
            os.killpg(pid, signal.SIGTERM)
        else:
            os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    _reap([pid, *below], timeout)


def stop_on_signal() -> None:
    """From now on, SIGINT or SIGTERM stops every process this one started (servers, Ray, Chromium),
    then exits: a benchmark stopped by a signal leaves nothing running. Without it, a SIGINT left a full
    run carrying on, and a SIGTERM left its servers."""

    def stop(signum, _frame) -> None:
        below = descendants(os.getpid())
        for p in below:
            try:
                os.kill(p, signal.SIGTERM)
            except ProcessLookupError:
                pass
        _reap(below, timeout=10)
        os._exit(128 + signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)


def _reap(pids: list[int], timeout: float) -> None:
    """Wait up to ``timeout`` for ``pids`` to end, then kill those still there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.2)
    for p in pids:
        if _alive(p):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def process_kind(pid: int) -> str:
    """A short name: ``ray::TrainingWorker``, ``raylet``, ``gcs_server``, ``python``..."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "gone"
    first = args[0].decode(errors="replace")
    if first.startswith("ray::"):
        return first.split()[0]
    name = Path(first).name
    if name.startswith("python") and len(args) > 1:
        script = next((a.decode() for a in args[1:] if a.endswith(b".py")), "")
        return f"python {Path(script).name}" if script else name
    return name


def memory_snapshot(pid: int) -> dict:
    """RSS of a server process and, apart, of its descendants (Ray's daemons and workers)."""
    kids = [(p, process_kind(p), rss_mb(p)) for p in descendants(pid)]
    by_kind: dict[str, dict] = {}
    for _, kind, mb in kids:
        entry = by_kind.setdefault(kind, {"count": 0, "mb": 0.0})
        entry["count"] += 1
        entry["mb"] = round(entry["mb"] + mb, 1)
    return {
        "server_mb": round(rss_mb(pid), 1),
        "children_mb": round(sum(mb for _, _, mb in kids), 1),
        "children": len(kids),
        "by_kind": dict(sorted(by_kind.items())),
    }


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) one process has used so far, without its children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


_TICKS = os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float:
    """CPU time every process on the machine has used (all cores), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / _TICKS


class CpuMeter:
    """CPU used while it runs, by role: each server, its Ray processes, Chromium, this benchmark, others.

    ``servers`` maps a name to a server's pid; its Ray processes are its descendants. Between
    :meth:`start` and :meth:`stop` the CPU seconds of every role add up; :meth:`cores` divides
    them by the wall time (1.0 = one core busy all the time). "others" is the rest of the machine.
    """

    def __init__(self, servers: dict[str, int]):
        self.servers = servers
        self.seconds: dict[str, float] = {}
        self.wall = 0.0
        self._start: tuple[float, float, dict] | None = None

    def _roles(self) -> dict[int, str]:
        roles = {}
        for name, pid in self.servers.items():
            roles[pid] = name
            for child in descendants(pid):
                kind = process_kind(child)
                roles[child] = f"{name} {kind}" if kind.startswith("ray::") else f"{name} ray daemons"
        me = os.getpid()
        roles[me] = "benchmark"
        for child in descendants(me):
            if child not in roles:
                roles[child] = "chromium" if "chrom" in process_kind(child) else "benchmark"
        return roles

    def _sample(self) -> tuple[float, float, dict]:
        return time.perf_counter(), _machine_busy_seconds(), {p: (r, cpu_seconds(p)) for p, r in self._roles().items()}

    def start(self) -> None:
        self._start = self._sample()

    def stop(self) -> None:
        t0, busy0, before = self._start
        t1, busy1, after = self._sample()
        self.wall += t1 - t0
        ours = 0.0
        for pid, (role, seconds) in after.items():
            used = seconds - before.get(pid, (role, 0.0))[1]
            self.seconds[role] = self.seconds.get(role, 0.0) + used
            ours += used
        self.seconds["others"] = self.seconds.get("others", 0.0) + max(0.0, busy1 - busy0 - ours)

    def cores(self) -> dict[str, float]:
        """Average cores used by each role (CPU seconds per wall second), largest first."""
        ranked = sorted(self.seconds.items(), key=lambda kv: -kv[1])
        return {role: round(s / self.wall, 2) for role, s in ranked if self.wall and s / self.wall >= 0.005}

    def ms_per(self, events: int) -> dict[str, float]:
        """CPU milliseconds per event (e.g. per settings change) of each role."""
        ranked = sorted(self.seconds.items(), key=lambda kv: -kv[1])
        return {role: round(1000 * s / events, 1) for role, s in ranked if events}
