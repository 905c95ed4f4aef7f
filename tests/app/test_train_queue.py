"""The Train page and the training line: the cap per browser, and the queue position, under AppTest."""

import time

from app_helpers import goto, session

LONG = {"epochs": "200", "rows": "4000", "batch_size": "8"}  # minutes: stopped by the test


def progress_text(at) -> str:
    bars = at.get("progress")
    assert len(bars) == 1, bars
    return bars[0].proto.text


def rerun_until(at, prefix: str, timeout: float = 30) -> str:
    """Rerun the page (as its timer does) until its progress text starts with ``prefix``."""
    deadline = time.monotonic() + timeout
    while not progress_text(at).startswith(prefix):
        assert time.monotonic() < deadline, progress_text(at)
        time.sleep(0.3)
        at.run()
    return progress_text(at)


def train(at):
    at.button(key="train_button").click().run()
    assert not at.exception, at.exception
    return at


def stop(at) -> None:
    at.session_state["job"].stop()


def test_a_second_tab_of_the_same_browser_is_told_the_cap(token):
    first = goto(session(LONG), "train")
    second = goto(session(LONG), "train")  # another tab, open already: same cookie, its own session
    train(first)
    assert not first.session_state["job"].ended
    train(second)
    assert "job" not in second.session_state
    assert [e.value.replace("\\", "") for e in second.error] == [
        "You already have 1 training running or queued (the limit per browser on this server); stop it or wait "
        "for it to finish."
    ]
    stop(first)


def test_a_queued_training_shows_how_many_are_ahead(one_slot, monkeypatch):
    from lstm_lab.store import new_token
    from ui import persist

    tabs = []
    for _ in range(3):  # three browsers
        monkeypatch.setattr(persist, "_cookie", new_token)
        tabs.append(train(goto(session(LONG), "train")))
    first, second, third = tabs
    assert progress_text(second).startswith("Queued: 1 training ahead of yours; it starts when a training slot")
    assert progress_text(third).startswith("Queued: 2 trainings ahead of yours;")
    assert not progress_text(first).startswith("Queued")
    second.button(key="stop_button").click().run()  # Stop on a queued training takes it out of the line
    rerun_until(second, "Training stopped. Epoch 0 of 200.")
    assert any("Stopped before it started" in i.value for i in second.info)
    rerun_until(third, "Queued: 1 training ahead of yours;")
    stop(first)
    stop(third)
