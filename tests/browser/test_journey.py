"""The whole journey in Debian's Chromium against a real `streamlit run` server."""

import re

from browser_helpers import Server, open_page, settle, train_to_the_end
from playwright.sync_api import expect

TABLE = '[data-testid="stTable"]'


def units_slider(page, layer: int = 0):
    return page.locator('input[type="range"][aria-label="Units (`units`)"]').nth(layer)


def test_units_change_updates_the_shape_table(server, page):
    open_page(page, server, "model")
    table = page.locator(TABLE)
    expect(table).to_contain_text("(None, 32)")
    units_slider(page).focus()
    page.keyboard.press("ArrowRight")
    expect(table).to_contain_text("(None, 33)")
    expect(table).to_contain_text(f"{4 * 33 * (1 + 33 + 1):,}")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(table).to_contain_text("(None, 31)")


def test_typed_units_show_their_shape_without_scrolling_at_1366x768(server, browser):
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    try:
        open_page(page, server, "model?layers=64%2Bseq,32")
        box = page.locator('input[type="number"][aria-label="Units (`units`)"]').nth(1)  # layer 2, typed
        box.fill("50")
        box.press("Enter")
        row = page.locator('[data-testid="stMarkdown"] tr', has_text="lstm_2")
        expect(row).to_contain_text("(None, 50)")
        settle(page)
        box_of_row = row.bounding_box()
        assert box_of_row["y"] >= 0 and box_of_row["y"] + box_of_row["height"] <= 768, box_of_row
        assert page.evaluate("window.scrollY") == 0  # nobody scrolled the page to see it
        expect(page.locator(TABLE)).to_contain_text(f"{4 * 50 * (64 + 50 + 1):,}")
    finally:
        page.context.close()


def test_data_page_shows_shapes_and_the_window_plot(server, page):
    open_page(page, server)
    expect(page.get_by_text("(580, 20, 1)")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(1)
    expect(page.locator(".js-plotly-plot")).to_contain_text("one window = one sample")


def test_train_then_predictions(server, page):
    open_page(page, server, "train")
    train_to_the_end(page, 2)
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled()
    settle(page)
    chart = page.locator(".js-plotly-plot")
    expect(chart).to_contain_text("training loss")
    expect(chart).to_contain_text("validation loss")
    page.get_by_role("link", name="Predictions").click()
    expect(page.get_by_text("MAE", exact=True)).to_be_visible()
    chart = page.locator(".js-plotly-plot").first
    for trace in ("actual sine_1", "predicted sine_1", "naive baseline (last value seen)", "90% prediction band"):
        expect(chart).to_contain_text(trace)
    expect(page.get_by_text(re.compile(r"90% prediction band: \d+% of test points inside"))).to_be_visible()
    expect(page.locator(".js-plotly-plot").nth(1)).to_contain_text("Residuals: predicted − actual sine_1")
    page.get_by_text("Draw the naive baseline").click()
    expect(chart).not_to_contain_text("naive baseline")
    expect(chart).to_contain_text("predicted sine_1")


def test_server_process_never_loaded_tensorflow(server, page):
    open_page(page, server, "model")
    expect(page.locator(TABLE)).to_contain_text("(None, 32)")
    maps = open(f"/proc/{server.proc.pid}/maps").read()
    assert not re.search(r"tensorflow|_pywrap_tf|libtf", maps), "TensorFlow is loaded in the web server"
    assert "_raylet" not in maps, "Ray is loaded in the web server"
    assert "serve.py" in open(f"/proc/{server.proc.pid}/cmdline").read()  # the web server, as start.sh runs it


def test_a_fresh_server_opened_on_the_model_page(page):
    fresh = Server()
    try:
        open_page(page, fresh, "model")
        expect(page.locator(TABLE)).to_contain_text("(None, 32)", timeout=90_000)
        expect(page.get_by_role("link", name="Data")).to_be_visible()
        expect(page.get_by_text("KeyError")).to_have_count(0)
    finally:
        fresh.stop()


def test_the_data_page_opens_at_its_own_address(server, page):
    open_page(page, server, "data?timesteps=25")
    expect(page.get_by_text("(575, 25, 1)")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
