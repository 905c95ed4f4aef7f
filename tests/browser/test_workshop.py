"""A workshop in the browser: shared links, presets, instructor mode, errors fixed in one click,
Stop, page switches during training, and two people training at once without seeing each other."""

import re
from urllib.parse import parse_qs, urlparse

from browser_helpers import new_page, open_page, settle, start_training
from playwright.sync_api import expect

TABLE = '[data-testid="stTable"]'


def test_a_shared_link_reopens_the_same_lab(server, browser):
    first = new_page(browser)
    open_page(first, server, "model?layers=48%2Bseq%2Bbi-sum,12%2Bstate&timesteps=15&seed=4")
    expect(first.locator(TABLE)).to_contain_text("(None, 15, 48)")
    url = first.url
    assert parse_qs(urlparse(url).query)["layers"] == ["48+seq+bi-sum,12+state"]
    other = new_page(browser)
    open_page(other, server, url.split("/", 3)[3])
    table = other.locator(TABLE)
    expect(table).to_contain_text("(None, 15, 48)")
    expect(table).to_contain_text("h (last hidden state)")
    assert first.locator(TABLE).inner_text() == table.inner_text()
    first.context.close()
    other.context.close()


def test_the_address_bar_follows_every_change(server, page):
    open_page(page, server, "model")
    page.locator('input[type="range"][aria-label="Units (`units`)"]').first.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(TABLE)).to_contain_text("(None, 33)")
    expect(page).to_have_url(re.compile(r"layers=33"))


def test_error_explained_and_fixed_in_one_click(server, page):
    open_page(page, server, "model?preset=broken-stack")
    expect(page.get_by_text("An LSTM is stacked on a layer that returns only its last step")).to_be_visible()
    expect(page.get_by_text("expected ndim=3, found ndim=2").first).to_be_visible()
    page.get_by_role("button", name="Fix: Turn on return_sequences in layer 1").click()
    expect(page.locator(TABLE)).to_contain_text("(None, 20, 64)")
    expect(page.get_by_text("Applied: Turn on return_sequences in layer 1.")).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)


def test_preset_from_the_sidebar(server, page):
    open_page(page, server, "model")
    page.get_by_label("Start from").click()
    page.get_by_role("option", name="Stacked LSTM 64 → 32 on (30, 50)").click()
    settle(page)
    page.get_by_role("button", name="Load preset").click()
    table = page.locator(TABLE)
    expect(table).to_contain_text("(None, 30, 64)")
    expect(table).to_contain_text("29,440")


def test_instructor_link_hides_controls(server, page):
    open_page(page, server, "model?hide=bidirectional,return_state,layers,nosuch")
    expect(page.locator(TABLE)).to_contain_text("(None, 32)")
    expect(page.get_by_text("Return sequences (")).to_be_visible()
    expect(page.get_by_text("Bidirectional", exact=True)).to_have_count(0)
    expect(page.get_by_text("LSTM layers stacked")).to_have_count(0)
    expect(page.get_by_text("Instructor view: 3 control(s) hidden by the link.")).to_be_visible()
    expect(page.get_by_text("Ignored hide names that are no control: nosuch.")).to_be_visible()


def test_stop_keeps_the_partly_trained_model(server, page):
    open_page(page, server, "train")
    start_training(page, 150)
    expect(page.get_by_text(re.compile(r"Training… Epoch [1-9]"))).to_be_visible(timeout=120_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("Training stopped.")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Stopped by you; the model keeps the weights it had reached.")).to_be_visible()
    page.get_by_role("link", name="Export").click()
    expect(page.get_by_role("button", name="Model (.keras)")).to_be_visible()


def test_training_continues_across_page_switches(server, page):
    open_page(page, server, "train")
    start_training(page, 40)
    expect(page.get_by_text(re.compile(r"Training… Epoch [1-9]"))).to_be_visible(timeout=120_000)
    page.get_by_role("link", name="Model").click()
    expect(page.locator(TABLE)).to_be_visible()
    page.get_by_role("link", name="Data").click()
    expect(page.get_by_text("What the model sees")).to_be_visible()
    page.get_by_role("link", name="Train").click()
    expect(page.get_by_text("Training finished. Epoch 40 of 40.")).to_be_visible(timeout=180_000)
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_contain_text("training loss")
    assert chart.locator("g.trace").count() >= 2


def test_status_stops_polling_once_training_ends(server, page):
    """An idle tab costs the server nothing: the sidebar's status timer stops when the training ends."""
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    open_page(page, server, "train")
    start_training(page, 3)
    expect(page.get_by_text(re.compile(r"Training: (starting|training)"))).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="Model").click()
    expect(page.locator(TABLE)).to_be_visible()
    expect(page.get_by_text("Training: done, epoch 3 of 3")).to_be_visible(timeout=180_000)
    settle(page)
    before = len(sent)
    page.wait_for_timeout(5_000)  # the timer ran every 2 s: it would have asked for two or three reruns
    assert len(sent) == before


def test_two_sessions_train_at_once_and_never_see_each_other(server, browser):
    alice = new_page(browser)
    bob = new_page(browser)
    open_page(alice, server, "train?layers=5&epochs=6&seed=1")
    open_page(bob, server, "train?source=stocks&layers=7&epochs=4&seed=2")
    alice.get_by_role("button", name="Train", exact=True).click()
    bob.get_by_role("button", name="Train", exact=True).click()
    expect(alice.get_by_text("Training finished. Epoch 6 of 6.")).to_be_visible(timeout=180_000)
    expect(bob.get_by_text("Training finished. Epoch 4 of 4.")).to_be_visible(timeout=180_000)
    alice.get_by_role("link", name="Predictions").click()
    bob.get_by_role("link", name="Predictions").click()
    expect(alice.locator(".js-plotly-plot").first).to_contain_text("predicted sine_1")
    expect(bob.locator(".js-plotly-plot").first).to_contain_text("predicted GOOG")
    expect(alice.get_by_text("GOOG")).to_have_count(0)
    alice.context.close()
    bob.context.close()
