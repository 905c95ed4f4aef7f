"""Simulated workshop participants, run by Locust in this process of their own (gevent patches its sockets).

Each participant is a :class:`st_protocol.Tab` on the app: it opens the lab from a preset link and every
``--every`` seconds changes one setting in turn (units, the number of layers, bidirectional, then on the
Data page the timesteps, and back), as a user's slider move or click would, while its fragment timers
poll as the frontend's do. Trainers open the Train page from the same preset with few epochs and press
Train again each time a training ends. Every change is a Locust request event (``rerun``, named after
what changed) timed from sending the ``BackMsg`` to ``script_finished``; Train → the first epoch shown
is a ``queue`` event. A failed connection, an exception or ``st.error`` element, a units change whose
shape is not shown, or a run that never finishes is a failure.

Measured after every participant has opened the lab and ``--settle`` seconds more, for ``--seconds``;
the figures go to ``--out`` as JSON (the window in ``time.time()``, every event, Locust's own stats).

Usage: ``.venv/bin/python bench/workshop_participants.py --host URL --participants 10 --trainers 2 --out f.json``
(``bench/workshop_load.py`` runs it; never import this module elsewhere: importing Locust patches sockets).
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import sys
import time

import gevent
from locust import User, constant, events, task
from locust.env import Environment
from locust.exception import StopUser
from st_protocol import FINISHED, ProtocolError, Tab, epochs_shown

PRESET = "stacked"
CYCLE = ("units", "layers", "bidirectional", "page:data", "timesteps", "page:model")
ENDED = ("Training finished", "Training stopped", "Training failed")


class Shown(Exception):
    """What a run showed that counts as a failure (an error element, or a change not shown)."""


class Visitor(User):
    """A browser tab on the lab (a new ``lstm_lab_sid`` cookie): opens ``/<path>?<query>``, then its task."""

    abstract = True
    wait_time = constant(0)  # tasks pace themselves, polling fragment timers in between
    every = 5.0
    timeout = 60.0
    open_timeout = 300.0  # the first page of a fresh server waits for its compute tier to start
    path = "model"

    def on_start(self) -> None:
        self.tab = Tab(self.host, cookies={"lstm_lab_sid": secrets.token_urlsafe(32)}, timeout=self.timeout)
        try:
            self._timed("open", self.path, lambda: self.tab.open(self.path, self.query(), self.open_timeout))
        except Exception as e:  # recorded as a failure by _timed; this participant cannot go on
            self.environment.participants_failed += 1
            raise StopUser from e
        self.environment.participants_open += 1
        self.next_at = time.monotonic() + random.uniform(0, self.every)  # participants do not move in step

    def on_stop(self) -> None:
        self.tab.close()

    def query(self) -> str:
        return f"preset={PRESET}"

    def idle_until(self, when: float) -> None:
        """Wait until ``when`` (``time.monotonic()``), running the fragment timers that fire meanwhile."""
        for _ in range(10_000):
            due = self.tab.next_poll()
            if due is None or due[1] >= when:
                break
            gevent.sleep(max(0.0, due[1] - time.monotonic()))
            self.on_poll(self._timed("poll", "fragment", lambda fid=due[0]: self.tab.poll(fid)))
        gevent.sleep(max(0.0, when - time.monotonic()))

    def on_poll(self, run) -> None:
        """What a fragment's rerun showed (trainers read their progress here)."""

    def _timed(self, kind: str, name: str, action):
        """Run ``action`` (one rerun) and report it to Locust; returns its :class:`st_protocol.Run` or None."""
        started = time.perf_counter()
        run, error = None, None
        try:
            run = action()
            if run.errors:
                error = Shown("; ".join(run.errors)[:300])
            elif run.status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                error = Shown("the script did not compile")
        except (ProtocolError, OSError, KeyError) as e:
            error = e
        seconds = run.seconds if run is not None else time.perf_counter() - started
        self.environment.events.request.fire(
            request_type=kind, name=name, response_time=seconds * 1000, response_length=0, exception=error,
            context={"user": id(self)},
        )  # fmt: skip
        if error is not None and run is None and kind == "open":
            raise error
        return run


class Participant(Visitor):
    """Opens ``/model?preset=stacked`` and changes one setting every ``every`` seconds."""

    abstract = True  # made concrete with its settings by :func:`user_classes`

    def on_start(self) -> None:
        self.step = random.randrange(3)  # participants start at different settings, all on the Model page
        self.direction = random.choice((1, -1))
        super().on_start()

    @task
    def change_a_setting(self) -> None:
        self.idle_until(self.next_at)
        self.next_at = max(self.next_at + self.every, time.monotonic())
        what = CYCLE[self.step % len(CYCLE)]
        if what.startswith("page:") and self.tab.page_hash != self.tab.pages.get(what[5:]):
            self._timed("rerun", "page", lambda: self.tab.goto(what[5:]))
        elif not what.startswith("page:"):
            self._timed("rerun", what, lambda: self._change(what))
        self.step += 1

    def _change(self, what: str):
        tab = self.tab
        if what == "units":
            slider = tab.widget("slider", "Units (`units`)")
            units = int(slider.value[0]) + self.direction
            if not 8 <= units <= 256:
                self.direction, units = -self.direction, int(slider.value[0]) - self.direction
            run = tab.change(slider, [float(units)])
            if not run.errors and not (run.shows(f"{units})") or run.shows(f"{2 * units})")):  # 2·units if bi
                run.errors.append(f"units {units} not shown")
            return run
        if what == "layers":
            slider = tab.widget("slider", "LSTM layers stacked")
            return tab.change(slider, [3.0 if slider.value[0] <= 2 else 2.0])
        if what == "bidirectional":
            toggle = tab.widget("toggle", "Bidirectional")
            return tab.change(toggle, not toggle.value)
        slider = tab.widget("slider", "Timesteps")
        return tab.change(slider, [31.0 if slider.value[0] <= 30 else 30.0])


class Trainer(Visitor):
    """Opens ``/train?preset=stacked&epochs=E``, presses Train, watches it to the end, and again."""

    abstract = True
    path = "train"
    epochs = 2
    train_timeout = 300.0

    def query(self) -> str:
        return f"preset={PRESET}&epochs={self.epochs}"

    @task
    def train(self) -> None:
        self.pressed = time.monotonic()
        self.first_epoch = None
        self.ended = None
        run = self._timed("rerun", "train", lambda: self.tab.press(self.tab.widget("button", "Train")))
        if run is not None:
            self.on_poll(run)
        deadline = self.pressed + self.train_timeout
        while self.ended is None and time.monotonic() < deadline and self.tab.next_poll() is not None:
            self.idle_until(min(self.tab.next_poll()[1] + 0.01, deadline))
        if self.ended is None:
            self._fail("train", "the training never ended")
        elif self.ended != "Training finished":
            self._fail("train", self.ended)
        gevent.sleep(1.0)

    def on_poll(self, run) -> None:
        if run is None:
            return
        shown = epochs_shown(run)
        if self.first_epoch is None and shown and shown[0] >= 1:
            self.first_epoch = time.monotonic() - self.pressed
            self.environment.events.request.fire(
                request_type="queue", name="Train → first epoch shown", response_time=self.first_epoch * 1000,
                response_length=0, exception=None, context={"user": id(self)},
            )  # fmt: skip
        for text in run.progress:
            self.ended = next((e for e in ENDED if text.startswith(e)), self.ended)

    def _fail(self, name: str, why: str) -> None:
        self.environment.events.request.fire(
            request_type="rerun", name=name, response_time=0, response_length=0, exception=Shown(why),
            context={"user": id(self)},
        )  # fmt: skip


def user_classes(args) -> list[type]:
    """Concrete user classes with this run's settings: participants by weight, trainers by fixed count."""
    settings = {"every": args.every, "timeout": args.timeout, "open_timeout": args.open_timeout, "abstract": False}
    participant = type("Participant", (Participant,), {**settings, "weight": 1})
    trainer = type("Trainer", (Trainer,), {**settings, "fixed_count": args.trainers, "epochs": args.epochs})
    return [participant, trainer] if args.trainers else [participant]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True, help="the app, e.g. http://127.0.0.1:8501 (loopback only)")
    parser.add_argument("--participants", type=int, default=1)
    parser.add_argument("--trainers", type=int, default=0)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between one participant's changes")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to measure")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds after the last participant opened")
    parser.add_argument("--open-timeout", type=float, default=300.0, help="longest wait for a participant to open")
    parser.add_argument("--spawn-rate", type=float, default=3.0)
    parser.add_argument("--timeout", type=float, default=60.0, help="a run slower than this never finished")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if not args.host.startswith(("http://127.", "http://localhost")):
        parser.error("the load goes to a server on this machine only (loopback)")

    recorded, window = [], {}  # events: [type, name, ms, error, time.time()]

    def record(request_type, name, response_time, exception, **_):  # every event: failures count from the start
        recorded.append([request_type, name, round(response_time, 1), None if exception is None else
                         f"{type(exception).__name__}: {exception}", round(time.time(), 3)])  # fmt: skip

    events.request.add_listener(record)
    env = Environment(user_classes=user_classes(args), host=args.host, events=events)
    env.participants_open = env.participants_failed = 0
    runner = env.create_local_runner()
    users = args.participants + args.trainers
    runner.start(users, spawn_rate=args.spawn_rate)
    opened_by = time.monotonic() + users / args.spawn_rate + args.open_timeout + 10
    while env.participants_open + env.participants_failed < users and time.monotonic() < opened_by:
        gevent.sleep(0.2)
    gevent.sleep(args.settle)
    env.stats.reset_all()
    window["start"] = time.time()
    gevent.sleep(args.seconds)
    window["end"] = time.time()
    runner.quit()
    out = {
        "window": window,
        "participants": args.participants,
        "trainers": args.trainers,
        "every_s": args.every,
        "opened": env.participants_open,
        "failed_to_open": env.participants_failed,
        "events": recorded,
        "locust": {f"{e.method} {e.name}": _locust_stats(e) for e in env.stats.entries.values()},
        "locust_errors": [_locust_error(e) for e in env.stats.errors.values()],
    }
    with open(args.out, "w") as f:
        json.dump(out, f)
    return 0


def _locust_error(entry) -> dict:
    return {"name": f"{entry.method} {entry.name}", "error": str(entry.error), "count": entry.occurrences}


def _locust_error(entry) -> dict:
    return {"name": f"{entry.method} {entry.name}", "error": str(entry.error), "count": entry.occurrences}


def _locust_stats(entry) -> dict:
    return {
        "n": entry.num_requests,
        "failures": entry.num_failures,
        "median_ms": entry.median_response_time,
        "p95_ms": entry.get_response_time_percentile(0.95),
    }


if __name__ == "__main__":
    sys.exit(main())
