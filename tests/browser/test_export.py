"""Leaving with working code: the downloaded script prints the shapes the page shows. A reload keeps
the trained model."""

import re
import subprocess
import sys

from browser_helpers import open_page, settle
from playwright.sync_api import expect

TABLE = '[data-testid="stMainBlockContainer"] [data-testid="stTable"]'


def test_downloaded_script_prints_the_pages_shapes(server, page, tmp_path):
    open_page(page, server, "model?layers=24%2Bseq,12%2Bbi-sum&timesteps=16&channels=3")
    table = page.locator(TABLE)
    expect(table).to_contain_text("(None, 16, 24)")
    shown = re.findall(r"\(None(?:, \d+)+\)", table.inner_text())
    page.get_by_role("link", name="Export").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download lstm_lab_model.py").click()
    path = tmp_path / "lstm_lab_model.py"
    download.value.save_as(path)
    out = subprocess.run([sys.executable, path.name, "--shapes"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    printed = re.findall(r"\(None(?:, \d+)+\)", out.stdout)
    assert printed == shown
    assert re.search(r"Total params: [\d,]+", out.stdout)


def test_a_reload_keeps_the_trained_model(server, page):
    open_page(page, server, "train?epochs=2&layers=6")
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text("Training finished. Epoch 2 of 2.")).to_be_visible(timeout=120_000)
    page.reload()
    settle(page)
    expect(page.get_by_text("Training finished. Epoch 2 of 2.")).to_be_visible()
    page.get_by_role("link", name="Export").click()
    expect(page.get_by_role("button", name="Model (.keras)")).to_be_visible()
