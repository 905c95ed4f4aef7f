"""Concurrency: does one session's training slow other sessions' editing on the same server?

Four browser contexts (four sessions) on one app server: one trains, three edit on the Model
page. The editors take turns changing units (each walks its own range, so no answer comes from
the app's shape cache); each change is timed in the browser, key press → the new shape in the
table. Blocks of rounds rotate through three phases in one run:

- ``idle``: no training;
- ``busy``: the training session trains (e.g. 200 epochs on the default data) and watches its
  Train page, whose loss curve and progress redraw live;
- ``busy_away``: the same training goes on while that session is on the Data page, so only the
  training itself (its Ray worker) runs, not the live page.

Train is pressed before the first busy block of a stretch, Stop before an idle block.

Usage: ``.venv/bin/python bench/concurrency.py [cycles]``
"""

from __future__ import annotations

import re
import sys
import time

import common
import procs
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

# Where each editor starts, as keys pressed on its slider, and its direction.
EDITORS = [([], 1), (["End"], -1), (["PageUp"] * 4, 1)]
# The order of the phases in each cycle, rotating so none always follows another.
ORDERS = [("idle", "busy", "busy_away"), ("busy_away", "busy", "idle"), ("busy", "idle", "busy_away")]


def run(cycles: int = 3, rounds: int = 4, epochs: int = 200, warmup: int = 2, env: dict | None = None) -> dict:
    """Latency of three editors with no training, with a watched training, and with an unwatched one.

    ``env`` adds environment variables for the server (e.g. Ray settings to compare).
    """
    common.say(f"concurrency: {cycles} cycles of idle / busy / busy_away blocks, {rounds} rounds × 3 editors")
    samples: dict[str, list[dict]] = {"idle": [], "busy": [], "busy_away": []}
    with common.Server("app.py", env=env) as server, common.chromium() as browser:
        meters = {phase: procs.CpuMeter({"server": server.pid}) for phase in samples}
        trainer = Trainer(browser, server.url, epochs)
        editors = [_editor(browser, f"{server.url}/model", keys, step) for keys, step in EDITORS]
        _rounds(editors, warmup)
        for cycle in range(cycles):
            for phase in ORDERS[cycle % len(ORDERS)]:
                trainer.enter(phase)
                meters[phase].start()
                samples[phase] += _rounds(editors, rounds)
                meters[phase].stop()
                trainer.check()
                common.say(f"  cycle {cycle + 1} {phase}: median {_median(samples[phase]):.0f} ms so far")
        trainer.enter("idle")
    result = {phase: common.summary([s["ms"] for s in values]) for phase, values in samples.items()}
    for phase in ("busy", "busy_away"):
        result[f"ratio_{phase}"] = common.ratio(result[phase]["median"], result["idle"]["median"])
        result[f"ratio_{phase}_p95"] = common.ratio(result[phase]["p95"], result["idle"]["p95"])
    result["to_run_ms"] = {p: common.summary([s["to_run_ms"] for s in v]).get("median") for p, v in samples.items()}
    result["cores"] = {phase: meter.cores() for phase, meter in meters.items()}
    result.update(epochs=epochs, trainings=trainer.trainings, training_ran_through=trainer.ran_through)
    for phase in samples:
        common.say(f"  {phase:9s} median {result[phase]['median']} ms, p95 {result[phase]['p95']} ms")
    common.say(f"  ratio to idle (median): busy {result['ratio_busy']}×, busy_away {result['ratio_busy_away']}×")
    for phase, cores in result["cores"].items():
        common.say(f"  cores while {phase}: " + ", ".join(f"{role} {c}" for role, c in cores.items()))
    return result


class Trainer:
    """The session that trains: Train and Stop on the Train page; the Data page to look away."""

    def __init__(self, browser, url: str, epochs: int):
        self.page = common.new_page(browser)
        common.open_page(self.page, f"{url}/train")
        field = self.page.get_by_label("Epochs (`epochs`)")
        field.fill(str(epochs))
        field.press("Enter")
        common.settle(self.page)
        self.running = False
        self.trainings = 0
        self.ran_through = True  # still training at the end of every busy block

    def enter(self, phase: str) -> None:
        """Get into ``phase``: start or stop the training, watch the Train page or look away."""
        if phase == "idle":
            if self.running:
                self._goto("Train")
                self._stop()
            return
        if not self.running:
            self._goto("Train")
            self._start()
        self._goto("Train" if phase == "busy" else "Data")
        time.sleep(1)

    def check(self) -> None:
        """Note whether the training was still going at the end of a busy block watched on the Train page."""
        if self.running and "/train" in self.page.url:
            self.ran_through &= self._button("Stop").is_enabled()

    def _button(self, name: str):
        return self.page.get_by_test_id("stMainBlockContainer").get_by_role("button", name=name, exact=True)

    def _goto(self, page: str) -> None:
        if (page == "Train") != ("/train" in self.page.url):
            self.page.get_by_role("link", name=page).click()
            self.page.wait_for_url(re.compile("/train" if page == "Train" else r"^(?!.*/train)"))
            common.settle(self.page)

    def _start(self) -> None:
        """Press Train and wait until epochs are ticking (so the worker is past its start-up)."""
        self._button("Train").click()
        expect(self._button("Stop")).to_be_enabled(timeout=60_000)
        try:
            self.page.get_by_text(re.compile(r"Epoch [2-9]\d* of")).first.wait_for(timeout=120_000)
        except PlaywrightTimeout:  # the progress text changed: give the worker a few seconds instead
            time.sleep(5)
        self.running = True
        self.trainings += 1

    def _stop(self) -> None:
        """Press Stop and wait until Train is enabled again, and the worker has gone."""
        self.ran_through &= self._button("Stop").is_enabled()
        self._button("Stop").click()
        expect(self._button("Train")).to_be_enabled(timeout=60_000)
        common.settle(self.page)
        self.running = False
        time.sleep(2)


def _editor(browser, url: str, keys: list[str], step: int) -> common.UnitsEditor:
    page = common.new_page(browser)
    common.open_page(page, url)
    editor = common.UnitsEditor(page, step)
    editor.shows(editor.value)
    for key in keys:
        editor.jump(key)
    return editor


def _rounds(editors: list[common.UnitsEditor], rounds: int) -> list[dict]:
    """Each editor changes units once per round, one after another."""
    return [editor.change() for _ in range(rounds) for editor in editors]


def _median(values: list[dict]) -> float:
    return common.summary([s["ms"] for s in values]).get("median", 0.0)


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
