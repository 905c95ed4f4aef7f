"""Memory: the server's RSS, and apart its children's (Ray's daemons and workers), under use.

One app server and one browser session: after the first Model page (start), after ``changes``
settings changes (units, each a new value), after ``trainings`` trainings of 1 epoch on tiny data
(the Data page's rows slider at its minimum), and after ``sessions`` more sessions were opened on
the Model page and closed. RSS is read from /proc; a short pause before each reading lets
finished work (stopped workers, closed sessions) go away.

Usage: ``.venv/bin/python bench/memory.py [changes] [trainings] [sessions]``
"""

from __future__ import annotations

import sys
import time

import common
import procs
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

ROWS = 'input[type="range"][aria-label^="Rows"]'
# The bound we state for one busy session: caches are bounded (256 shape answers, 200 browsers' uploads and
# jobs in ui/persist.py, one job per session) and Keras never loads in the server.
SERVER_BOUND_MB = 400


def run(changes: int = 200, trainings: int = 20, sessions: int = 10, pause: float = 5.0) -> dict:
    """RSS snapshots after each stage and the server's growth between them, in MB."""
    common.say(f"memory: {changes} changes, {trainings} trainings of 1 epoch, {sessions} sessions opened and closed")
    stages: dict[str, dict] = {}
    with common.Server("app.py") as server, common.chromium() as browser:
        page = common.new_page(browser)
        common.open_page(page, f"{server.url}/model")
        editor = common.UnitsEditor(page)
        editor.shows(editor.value)
        stages["start"] = _snapshot(server, "start", pause)
        for _ in range(changes):
            editor.change()
        stages["changes"] = _snapshot(server, f"after {changes} changes", pause)
        tiny = _tiny_data(page)
        _train_page(page)
        not_idle = 0
        curve = [(0, stages["changes"]["server_mb"])]
        for i in range(trainings):
            not_idle += not _train_once(page)
            if (i + 1) % 5 == 0:
                time.sleep(1.0)
                curve.append((i + 1, round(procs.memory_snapshot(server.pid)["server_mb"], 1)))
                elapsed = time.perf_counter() - server.started
                common.say(f"  {i + 1} trainings done ({elapsed:.0f} s): server {curve[-1][1]} MB")
        stages["trainings"] = _snapshot(server, f"after {trainings} trainings", pause)
        for _ in range(sessions):
            other = common.new_page(browser)
            common.open_page(other, f"{server.url}/model")
            other.locator(common.TABLE).wait_for()
            other.context.close()
        stages["sessions"] = _snapshot(server, f"after {sessions} sessions", pause)
    server_mb = {name: s["server_mb"] for name, s in stages.items()}
    result = {
        "stages": stages,
        "changes": changes,
        "trainings": trainings,
        "sessions": sessions,
        "tiny_data_rows": tiny,
        "training_curve_mb": curve,
        "not_idle_after_training": not_idle,
        "growth_mb": {
            "changes": round(server_mb["changes"] - server_mb["start"], 1),
            "trainings": round(server_mb["trainings"] - server_mb["changes"], 1),
            "sessions": round(server_mb["sessions"] - server_mb["trainings"], 1),
            "total": round(server_mb["sessions"] - server_mb["start"], 1),
        },
        "peak_server_mb": max(server_mb.values()),
        "bound_mb": SERVER_BOUND_MB,
        "peak_children_mb": max(s["children_mb"] for s in stages.values()),
    }
    common.say(f"  server RSS growth (MB): {result['growth_mb']}")
    return result


def _snapshot(server: common.Server, label: str, pause: float) -> dict:
    time.sleep(pause)
    snap = {**procs.memory_snapshot(server.pid), "at_s": round(time.perf_counter() - server.started, 1)}
    common.say(
        f"  {label} ({snap['at_s']:.0f} s): server {snap['server_mb']:.0f} MB; "
        f"children {snap['children_mb']:.0f} MB in {snap['children']} processes"
    )
    return snap


def _tiny_data(page) -> int | None:
    """Set the Data page's rows slider to its minimum; returns the rows (None if there is no such slider)."""
    page.get_by_role("link", name="Data").click()
    rows = page.locator(ROWS).first
    try:
        rows.wait_for(state="attached", timeout=30_000)
    except PlaywrightTimeout:  # the Data page changed: train on the default data
        return None
    minimum = rows.get_attribute("min")
    rows.focus()
    page.keyboard.press("Home")
    if minimum:
        expect(rows).to_have_value(minimum)
    common.settle(page)
    return int(rows.input_value())


def _train_page(page) -> None:
    page.get_by_role("link", name="Train").click()
    field = page.get_by_label("Epochs (`epochs`)")
    field.fill("1")
    field.press("Enter")
    common.settle(page)


def _train_once(page) -> bool:
    """Press Train and wait until the training has ended; False if the page then did not go idle."""
    main = page.get_by_test_id("stMainBlockContainer")
    train = main.get_by_role("button", name="Train", exact=True)
    train.click()
    expect(train).to_be_disabled(timeout=60_000)
    expect(train).to_be_enabled(timeout=180_000)
    try:
        page.locator(common.IDLE).wait_for(timeout=30_000)
    except PlaywrightTimeout:
        shot = common.LOGS / "memory-not-idle.png"
        page.screenshot(path=str(shot), full_page=True)
        common.say(f"  the Train page did not go idle within 30 s after a training; screenshot: {shot}")
        return False
    return True


if __name__ == "__main__":
    run(*(int(a) for a in sys.argv[1:4]))
