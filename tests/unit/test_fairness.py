"""Fair shares of the training slots, on real Ray: one line in order, positions, a cap per browser, and
queued runs cancelled when their page stops asking (a closed tab) or their owner presses Stop.

The tier here has one training slot (``LSTM_LAB_MAX_CONCURRENT_TRAININGS=1``) and its own compute service,
so the rest of the suite's tier is untouched.
"""

import time

import pytest

from lstm_lab import LabSpec, LstmLabError, compute
from lstm_lab.compute.runs import STOPPED_IN_LINE
from lstm_lab.data.generate import sine_table

LONG = {
    "data": {"rows": 4000, "timesteps": 8},
    "model": {"layers": [{"units": 4}]},
    "train": {"epochs": 200, "batch_size": 8},
}  # minutes: stopped by the test
SHORT = {"data": {"rows": 160, "timesteps": 8}, "model": {"layers": [{"units": 3}]}, "train": {"epochs": 1}}
DATA = sine_table(4000, 1, 0.1, 0)
UNWATCHED = 8  # seconds a queued run waits for a page that stopped asking


@pytest.fixture
def one_slot_env():
    """The shared ``one_slot`` tier, with queued runs cancelled soon after their page stops asking."""
    return {"LSTM_LAB_QUEUED_UNWATCHED_SECONDS": str(UNWATCHED)}


def job(browser: str, lab: dict = LONG) -> compute.TrainingJob:
    return compute.TrainingJob(LabSpec.from_dict(lab), DATA, browser)


def until(what, *watched, timeout: float = 120):
    """Poll ``watched`` jobs as their pages would (every 0.3 s) until ``what()`` is true."""
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, [j.progress() for j in watched]
        for j in watched:
            j.progress()
        time.sleep(0.3)


def test_one_line_in_order_with_positions_and_a_cap_per_browser(one_slot):
    assert one_slot.capacity == 1
    alice = job("alice")
    until(lambda: alice.progress().state == "training", alice)
    bob, carol = job("bob"), job("carol")
    until(lambda: (bob.progress().ahead, carol.progress().ahead) == (1, 2), alice, bob, carol, timeout=10)
    assert (bob.progress().state, carol.progress().state) == ("queued", "queued")

    with pytest.raises(LstmLabError) as refused:  # another tab of Alice's browser
        job("alice", SHORT)
    assert refused.value.code == "browser_cap"
    assert refused.value.message == ("You already have 1 training running or queued (the limit per browser on "
                                     "this server); stop it or wait for it to finish.")  # fmt: skip

    alice.stop()
    until(lambda: alice.ended and bob.progress().state in ("starting", "training"), alice, bob, carol)
    assert carol.progress().state == "queued"
    until(lambda: carol.progress().ahead == 1, bob, carol, timeout=10)  # Bob, now running
    assert job("alice", SHORT) is not None  # Alice's training ended: she may queue another

    bob.stop()
    until(lambda: bob.ended and carol.progress().state in ("starting", "training"), bob, carol)
    carol.stop()
    until(lambda: carol.ended, carol)
    assert [j.progress().state for j in (alice, bob, carol)] == ["stopped"] * 3


def test_queued_runs_leave_the_line_when_stopped_or_no_longer_watched(one_slot):
    running = job("dave")
    until(lambda: running.progress().state == "training", running)
    stopped, closed, waiting = job("erin"), job("frank"), job("grace")
    until(lambda: waiting.progress().ahead == 3, running, stopped, closed, waiting, timeout=10)

    stopped.stop()
    p = stopped.progress()
    assert (p.state, p.message, p.epoch) == ("stopped", STOPPED_IN_LINE, 0)
    until(lambda: waiting.progress().ahead == 2, running, closed, waiting, timeout=10)

    # Frank's tab closes: nothing asks for his progress any more (a check of `ended` is not a look)
    started = time.monotonic()
    until(lambda: closed.ended, running, waiting, timeout=UNWATCHED + 30)
    assert time.monotonic() - started >= UNWATCHED - 1
    p = closed.progress()
    assert p.state == "failed" and p.error.code == "queue_abandoned" and "was its tab closed?" in p.message
    until(lambda: waiting.progress().ahead == 1, running, waiting, timeout=10)
    assert running.progress().state == "training" and waiting.progress().state == "queued"

    running.stop()
    until(lambda: waiting.progress().state in ("starting", "training"), running, waiting)
    waiting.stop()
    until(lambda: waiting.ended, waiting)
