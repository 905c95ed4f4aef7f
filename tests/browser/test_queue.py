"""The training line in Chromium, on a server with one training slot: a queued training shows how many are
ahead and starts when the one ahead ends; a closed tab's queued training leaves the line."""

import re

import pytest
from browser_helpers import IDLE, Server, new_page, open_page
from playwright.sync_api import expect

LONG = "train?epochs=200&rows=4000&batch_size=8&seed={seed}"  # minutes of training: stopped by the test
RUNNING = re.compile(r"Training… Epoch [1-9]")
UNWATCHED = 60  # seconds a queued training waits for a page that stopped asking (on a loaded CI machine an
# open page's one-second polls stalled for over 10 s)


@pytest.fixture(scope="module")
def one_slot():
    s = Server(env={"LSTM_LAB_MAX_CONCURRENT_TRAININGS": "1", "LSTM_LAB_QUEUED_UNWATCHED_SECONDS": str(UNWATCHED)})
    try:
        yield s
    finally:
        s.stop()


def open_ready(page, server, path: str) -> None:
    """Open a page once the Keras workers are ready (the page redraws itself when they come up)."""
    open_page(page, server, path)
    expect(page.get_by_text("Keras workers ready")).to_be_visible(timeout=240_000)
    page.locator(IDLE).wait_for()


def press(page, button: str) -> None:
    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name=button, exact=True).click()


def queued(ahead: str):
    return re.compile(rf"Queued: {ahead} ahead of yours; it starts when a training slot frees up\.")


def test_a_queued_training_shows_its_place_and_starts_when_the_one_ahead_ends(one_slot, browser):
    alice, bob = new_page(browser), new_page(browser)
    try:
        open_ready(alice, one_slot, LONG.format(seed=1))
        open_ready(bob, one_slot, LONG.format(seed=2))
        press(alice, "Train")
        expect(alice.get_by_text(RUNNING)).to_be_visible(timeout=180_000)
        press(bob, "Train")
        expect(bob.get_by_text(queued("1 training"))).to_be_visible()
        expect(alice.get_by_text(RUNNING)).to_be_visible()  # one slot: Bob waits while Alice trains
        press(alice, "Stop")
        expect(alice.get_by_text("Training stopped.")).to_be_visible(timeout=120_000)
        expect(bob.get_by_text(RUNNING)).to_be_visible(timeout=180_000)
        press(bob, "Stop")
        expect(bob.get_by_text("Training stopped.")).to_be_visible(timeout=120_000)
    finally:
        alice.context.close()
        bob.context.close()


def test_closing_a_tab_takes_its_queued_training_out_of_the_line(one_slot, browser):
    alice, carol, dave = new_page(browser), new_page(browser), new_page(browser)
    try:
        for page, seed in ((alice, 1), (carol, 2), (dave, 3)):
            open_ready(page, one_slot, LONG.format(seed=seed))
        press(alice, "Train")
        expect(alice.get_by_text(RUNNING)).to_be_visible(timeout=180_000)
        press(carol, "Train")
        expect(carol.get_by_text(queued("1 training"))).to_be_visible()
        press(dave, "Train")
        expect(dave.get_by_text(queued("2 trainings"))).to_be_visible()

        carol_browser = carol.context
        carol.close()  # the tab, not the browser: its cookie stays
        expect(dave.get_by_text(queued("1 training"))).to_be_visible(timeout=(UNWATCHED + 60) * 1000)
        expect(alice.get_by_text(RUNNING)).to_be_visible()
        press(alice, "Stop")
        expect(dave.get_by_text(RUNNING)).to_be_visible(timeout=180_000)

        back = carol_browser.new_page()  # Carol comes back: her training says what happened to it
        back.goto(f"{one_slot.url}/train")
        back.locator(IDLE).wait_for()
        expect(back.get_by_text("This training was cancelled while it waited in the queue")).to_be_visible()
        press(dave, "Stop")
        expect(dave.get_by_text("Training stopped.")).to_be_visible(timeout=120_000)
    finally:
        for page in (alice, carol, dave):
            page.context.close()
