"""A server restart loses nobody's work: the same browser gets its upload, settings and trained model back."""

import csv
import io
import os
import signal
import subprocess
import zipfile

from browser_helpers import Server, csv_bytes, open_page, settle, train_to_the_end, upload
from playwright.sync_api import expect

PREDICTED = "predicted temperature"


def terminate(server: Server) -> int:
    """SIGTERM to the server process alone, as a supervisor sends it; its exit code. Leftovers are killed."""
    os.kill(server.proc.pid, signal.SIGTERM)
    try:
        code = server.proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        code = None
    try:
        os.killpg(server.proc.pid, signal.SIGKILL)  # its process group: Ray's daemons, if any are left
    except ProcessLookupError:
        pass
    server.stop()
    return code


def download(page, label: str) -> bytes:
    with page.expect_download() as d:
        page.get_by_role("button", name=label).click()
    return open(d.value.path(), "rb").read()


def test_after_a_restart_the_upload_settings_and_finished_training_are_back(page, tmp_path):
    env = {"LSTM_LAB_DATA_DIR": str(tmp_path / "data")}
    server = Server(env)
    again = None
    try:
        open_page(page, server)
        upload(page, "weather.csv", csv_bytes())
        expect(page.get_by_text("(140, 20, 2)")).to_be_visible()
        page.get_by_role("link", name="Train").click()
        seed = page.get_by_role("spinbutton", name="Seed")
        seed.fill("7")
        seed.press("Enter")
        settle(page)
        train_to_the_end(page, 2)
        page.get_by_role("link", name="Predictions").click()
        expect(page.locator(".js-plotly-plot").first).to_contain_text(PREDICTED)
        mae = page.locator('[data-testid="stMetric"]').filter(has_text="MAE").first.inner_text()

        code = terminate(server)
        # Issue 13 part 1 (a clean exit on SIGTERM) is another change; if only this fails, look there first.
        assert code == 0, f"the server exited with {code} on SIGTERM (clean-exit part of issue 13)"

        again = Server(env, port=server.port)
        page.reload()
        settle(page)
        expect(page.locator(".js-plotly-plot").first).to_contain_text(PREDICTED)
        assert page.locator('[data-testid="stMetric"]').filter(has_text="MAE").first.inner_text() == mae
        expect(page.get_by_text("come from the last training")).to_have_count(0)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)

        page.get_by_role("link", name="Export").click()
        model = download(page, "Model (.keras)")
        assert "config.json" in zipfile.ZipFile(io.BytesIO(model)).namelist()
        rows = list(csv.reader(io.StringIO(download(page, "Predictions (CSV)").decode())))
        assert len(rows) > 10 and any("temperature" in cell for cell in rows[0])
        assert download(page, "Training history (CSV)").decode().count("\n") >= 3  # a header and two epochs

        page.get_by_role("link", name="Train").click()
        expect(page.get_by_text("Training finished. Epoch 2 of 2.")).to_be_visible()
        assert page.get_by_role("spinbutton", name="Seed").input_value() == "7"

        open_page(page, again, "data")  # the bare address: the settings come from the store, not the link
        expect(page.get_by_text("Loaded: weather.csv")).to_be_visible()
        expect(page.get_by_text("(140, 20, 2)")).to_be_visible()
        page.get_by_role("link", name="Train").click()
        expect(page.get_by_text("Training finished. Epoch 2 of 2.")).to_be_visible()
        assert page.get_by_role("spinbutton", name="Seed").input_value() == "7"
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    finally:
        for s in (server, again):
            if s is not None and s.proc.poll() is None:
                terminate(s)
