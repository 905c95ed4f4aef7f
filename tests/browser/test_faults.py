"""Faults in the compute tier, against a real `streamlit run`: a killed training worker, a killed shapes
worker, and Ray's own daemons killed. The server keeps serving and nobody's work is lost.

The tests share one server, in this order: the last one kills its whole Ray.
"""

import re
import time
import urllib.request

import pytest
from browser_helpers import Server, open_page, settle, start_training, upload_and_train
from playwright.sync_api import expect
from processes import busiest, find, kill

TABLE = '[data-testid="stTable"]'
EXCEPTION = '[data-testid="stException"]'


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    s = Server({"LSTM_LAB_DATA_DIR": str(tmp_path_factory.mktemp("data"))})
    yield s
    s.stop()


def set_units(page, units: int) -> None:
    """On the Model page: move the first layer's units slider to ``units`` with the keyboard."""
    slider = page.locator('input[type="range"][aria-label="Units (`units`)"]').first
    slider.focus()
    now = int(slider.input_value())
    for _ in range(abs(units - now)):
        page.keyboard.press("ArrowRight" if units > now else "ArrowLeft")


def no_exception_anywhere(page) -> None:
    for name in ("Data", "Model", "Train", "Predictions", "Export"):
        page.get_by_role("link", name=name, exact=True).click()
        settle(page)
        expect(page.locator(EXCEPTION)).to_have_count(0)
        expect(page.get_by_text("Something went wrong")).to_have_count(0)


def test_a_killed_training_worker_fails_that_training_and_editing_goes_on(faulty, page):
    open_page(page, faulty, "train")
    page.get_by_label("Batch size (`batch_size`)").click()
    page.get_by_role("option", name="1", exact=True).click()  # minutes of training: still running when killed
    settle(page)
    start_training(page, 200)
    expect(page.get_by_text(re.compile(r"Training… Epoch [1-9]"))).to_be_visible(timeout=120_000)
    kill([busiest(find(faulty.proc.pid, "ray::TrainingWorker"))])  # the one training; the other is the spare
    expect(page.get_by_text(re.compile(r"^Training failed. Epoch"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text("The training worker was lost")).to_be_visible()
    expect(page.get_by_text("press Train to start again")).to_be_visible()
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled()
    page.get_by_role("link", name="Model").click()
    set_units(page, 35)
    expect(page.locator(TABLE)).to_contain_text("(None, 35)")
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_a_killed_shapes_worker_answers_again_within_30_s(faulty, page):
    open_page(page, faulty, "model")
    expect(page.locator(TABLE)).to_contain_text("(None, 32)")
    kill(find(faulty.proc.pid, "ray::ShapesWorker"))
    set_units(page, 37)
    expect(page.locator(TABLE)).to_contain_text("(None, 37)", timeout=30_000)
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_killing_rays_daemons_keeps_the_server_and_everyones_work(faulty, page):
    open_page(page, faulty)
    upload_and_train(page, 2)
    page.get_by_role("link", name="Model").click()
    expect(page.locator(TABLE)).to_contain_text("(None, 32)")

    kill(find(faulty.proc.pid, "gcs_server", "raylet"))
    killed = time.monotonic()
    page.wait_for_timeout(3_000)  # the supervisor pings every 2 s
    set_units(page, 40)
    restarting = page.get_by_text("Keras workers are restarting").first
    table = page.locator(TABLE)
    expect(restarting.or_(table.filter(has_text="(None, 40)"))).to_be_visible()
    expect(table).to_contain_text("(None, 40)", timeout=90_000)  # no reload: the page redraws by itself
    expect(page.get_by_text("Keras workers ready")).to_be_visible()

    page.get_by_role("link", name="Predictions").click()
    expect(page.locator(".js-plotly-plot").first).to_contain_text("predicted temperature")
    no_exception_anywhere(page)

    page.wait_for_timeout(max(0, 120 - (time.monotonic() - killed)) * 1000)
    assert faulty.proc.poll() is None, "the web server exited"
    with urllib.request.urlopen(f"{faulty.url}/_stcore/health", timeout=10) as r:
        assert r.status == 200
    page.reload()
    settle(page)
    page.get_by_role("link", name="Predictions").click()
    expect(page.locator(".js-plotly-plot").first).to_contain_text("predicted temperature")
    page.get_by_role("link", name="Model").click()
    set_units(page, 41)
    expect(page.locator(TABLE)).to_contain_text("(None, 41)")
