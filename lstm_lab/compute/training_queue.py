"""One first-in, first-out line of trainings for a whole Ray cluster, shared by every compute service.

Ray queues an actor that finds no free CPU, but in no order anyone can read, and it knows nothing of
browsers. So a run waits in its compute service (holding its settings, with no worker yet) and gets a worker
only when this line says its turn has come. The line itself lives in a named, detached Ray actor on the
cluster (created with ``get_if_exists``), not in one compute service, so that several web replicas joined
to one cluster share one fair line and one cap per browser (the browser's cookie token is the same on
every replica).

The actor's state is soft: every compute service sends it the whole list of its runs about twice a second
(:meth:`TrainingQueue.sync`). A service that stops sending for ``LEASE`` seconds (it died with its web
server) loses its place, and an actor restarted by Ray rebuilds the line from the next syncs, in the order
the runs first joined.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import ray

NAME, NAMESPACE = "lstm_lab_training_queue", "lstm_lab"
LEASE = 30.0  # seconds without a sync after which a compute service's runs leave the line


@dataclass
class Ticket:
    """A run in line: whose browser, which compute service holds it, when it joined, whether it runs."""

    browser: str
    service: str
    joined: int
    running: bool = False


@ray.remote(num_cpus=0, max_restarts=-1)
class TrainingQueue:
    """The line: who may start next, how many are ahead of each run, how many runs each browser has."""

    def __init__(self):
        self._tickets: dict[str, Ticket] = {}
        self._synced: dict[str, float] = {}

    def ready(self) -> bool:
        return True

    def join(self, service: str, ticket: str, browser: str, cap: int) -> dict:
        """Put a run at the end of the line: ``{"ahead": n, "joined": its place}``, or ``{"refused": n}`` when
        ``browser`` already has ``cap`` runs running or queued (``cap`` 0: no cap)."""
        self._expire()
        mine = sum(1 for t in self._tickets.values() if t.browser == browser)
        if cap and mine >= cap:
            return {"refused": mine}
        self._tickets[ticket] = Ticket(browser, service, time.time_ns())
        self._synced.setdefault(service, time.monotonic())
        return {"ahead": self._ahead(ticket), "joined": self._tickets[ticket].joined}

    def sync(self, service: str, runs: list[dict], capacity: int) -> dict:
        """Take ``service``'s current runs (``ticket``, ``browser``, ``joined``, ``running``; those not listed
        have ended or left), let the first queued ones start while fewer than ``capacity`` run.

        Returns:
            ``{"start": [tickets of this service that may start now], "ahead": {ticket: n} for the rest}``.
        """
        self._synced[service] = time.monotonic()
        listed = {r["ticket"] for r in runs}
        for ticket in [k for k, t in self._tickets.items() if t.service == service and k not in listed]:
            del self._tickets[ticket]
        for r in runs:
            known = self._tickets.get(r["ticket"])
            if known is None:  # this actor was restarted: the run keeps the place it joined at
                self._tickets[r["ticket"]] = Ticket(r["browser"], service, r["joined"], r["running"])
            else:
                known.running = known.running or r["running"]
        self._expire()
        self._tickets = dict(sorted(self._tickets.items(), key=lambda item: item[1].joined))
        free = capacity - sum(1 for t in self._tickets.values() if t.running)
        due = [k for k, t in self._tickets.items() if not t.running][: max(free, 0)]
        start = [k for k in due if self._tickets[k].service == service]
        for ticket in start:
            self._tickets[ticket].running = True
        # a start this service never heard of (its last answer was lost) is sent again
        start += [r["ticket"] for r in runs if not r["running"] and self._tickets[r["ticket"]].running
                  and r["ticket"] not in start]  # fmt: skip
        ahead = {r["ticket"]: self._ahead(r["ticket"]) for r in runs if r["ticket"] not in start}
        return {"start": start, "ahead": ahead}

    def _ahead(self, ticket: str) -> int:
        """Runs in line before ``ticket``: every running one, and the queued ones that joined before it."""
        me = self._tickets[ticket]
        return sum(1 for k, t in self._tickets.items() if k != ticket and (t.running or t.joined < me.joined))

    def _expire(self) -> None:
        gone = {s for s, at in self._synced.items() if time.monotonic() - at > LEASE}
        self._tickets = {k: t for k, t in self._tickets.items() if t.service not in gone}
        for service in gone:
            del self._synced[service]


def training_queue():
    """The cluster's line, created by the first compute service that asks (it outlives that service)."""
    return TrainingQueue.options(name=NAME, namespace=NAMESPACE, lifetime="detached", get_if_exists=True).remote()
