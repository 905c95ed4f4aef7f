"""Inside the cell in a real browser: upload a CSV, train, step through a sample, export its trace."""

import re

import pandas as pd
from browser_helpers import open_page, settle, upload_and_train
from playwright.sync_api import expect


def test_upload_train_step_through_a_sample_and_export_its_trace(server, page, tmp_path):
    open_page(page, server)
    upload_and_train(page, 1)

    page.get_by_role("link", name="Inside the cell").click()
    expect(page.get_by_text("Traced: the trained model (1 epoch, done).")).to_be_visible()
    expect(page.get_by_text("Test sample 1 of 21 (the first).")).to_be_visible()  # 98 train, 21 validation
    expect(page.locator(".js-plotly-plot").first).to_contain_text("temperature")  # the input, above the heatmaps
    for title in ("i: input gate", "f: forget gate", "g: candidate", "o: output gate", "c: cell state"):
        expect(page.locator(".js-plotly-plot", has_text=title)).to_be_visible()
    for _ in range(2):
        page.get_by_role("button", name="t + 1 ▶").click()
        settle(page)
    expect(page.get_by_text(re.compile(r"at t = 2 \(the red box"))).to_be_visible()
    step = re.compile(r"c\[t=2, unit \d+\] = f·c_prev")
    arithmetic = page.locator('[data-testid="stMarkdownContainer"]', has_text=step).inner_text()
    unit, c_shown = re.search(r"c\[t=2, unit (\d+)\] = f·c_prev \+ i·g = .* = (-?\d+\.\d+)", arithmetic).groups()

    page.get_by_role("link", name="Export").click()
    script_line = "python lstm_lab_model.py --trace 119 --layer 0 --model lstm_lab_model.keras"
    expect(page.get_by_text(script_line)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Cell trace (CSV)").click()
    path = tmp_path / "trace.csv"
    download.value.save_as(path)
    trace = pd.read_csv(path)
    assert list(trace.columns) == ["t", "unit", "real", "i", "f", "g", "o", "c", "h"]
    assert len(trace) == 20 * 32  # 20 timesteps × 32 units: nothing thinned
    row = trace[(trace.t == 2) & (trace.unit == int(unit))]
    assert f"{row.c.item():.4f}" == c_shown  # the exported number is the one the page showed
