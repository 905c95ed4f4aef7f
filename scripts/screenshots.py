"""Walk through every page in headless Chromium and save full-page screenshots.

    .venv/bin/python scripts/screenshots.py            # to artifacts/screens/ (git-ignored)
    .venv/bin/python scripts/screenshots.py --docs     # also refresh the README's images in docs/

It starts its own `streamlit run` on a free port, trains a small model so the Train,
Predictions, Inside the cell and Export pages have something to show, and stops the server
afterwards. Each page is taken at a laptop's width (1366 px: ``<name>.png``, a full page, and
``<name>-fold.png``, the 1366×768 first screen) and a large screen's (1920 px: ``<name>-wide.png``).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, Server, open_page, settle  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

OUT = ROOT / "artifacts" / "screens"
DOCS = {
    "model": "model-page.png",
    "data": "data-page.png",
    "predictions": "predictions-page.png",
    "cell": "cell-page.png",
    "runs": "runs-page.png",
}
LAB = "preset=stacked&epochs=12&rows=800&channels=2"


def shoot(page, name: str) -> Path:
    """Screenshots of the page at 1366 and 1920 px wide; the path of the 1366 px full page."""
    settle(page)
    for width, suffix in ((1920, "-wide"), (1366, "")):
        page.set_viewport_size({"width": width, "height": 768})
        settle(page)
        page.wait_for_timeout(1500)  # charts redraw after the resize
        if not suffix:
            page.screenshot(path=str(OUT / f"{name}-fold.png"))
        height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": width, "height": max(768, min(int(height) + 40, 5000))})
        settle(page)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(OUT / f"{name}{suffix}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    path = OUT / f"{name}.png"
    print(path)
    return path


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    server = Server()
    shots = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.set_default_timeout(120_000)
            open_page(page, server, f"?{LAB}")
            shots["data"] = shoot(page, "data")
            page.get_by_role("link", name="Model").click()
            expect(page.locator('[data-testid="stTable"]')).to_be_visible()
            shots["model"] = shoot(page, "model")
            page.get_by_role("link", name="Train").click()
            page.get_by_role("button", name="Train", exact=True).click()
            expect(page.get_by_text("Training finished.")).to_be_visible(timeout=300_000)
            shots["train"] = shoot(page, "train")
            page.get_by_role("link", name="Predictions").click()
            expect(page.get_by_text("MAE", exact=True)).to_be_visible()
            shots["predictions"] = shoot(page, "predictions")
            page.get_by_role("link", name="Inside the cell").click()
            expect(page.get_by_text("Traced:")).to_be_visible()
            shots["cell"] = shoot(page, "cell")
            page.get_by_role("link", name="Export").click()
            shots["export"] = shoot(page, "export")
            page.get_by_role("link", name="Model").click()  # a second run, with a smaller first layer
            box = page.locator('input[type="number"][aria-label="Units (`units`)"]').first
            box.fill("16")
            box.press("Enter")
            settle(page)
            page.get_by_role("link", name="Train").click()
            page.get_by_role("spinbutton", name="Epochs (`epochs`)").fill("10")
            page.keyboard.press("Enter")
            settle(page)
            page.get_by_role("button", name="Train", exact=True).click()
            expect(page.get_by_text("Training finished. Epoch 10 of 10.")).to_be_visible(timeout=300_000)
            page.get_by_role("link", name="Runs").click()
            expect(page.locator('[data-testid="stTable"]')).to_contain_text("#2")
            shots["runs"] = shoot(page, "runs")
            open_page(page, server, "model?preset=broken-stack")
            shots["error"] = shoot(page, "model-error")
            open_page(page, server, "?preset=multiclass&epochs=4")
            page.get_by_role("link", name="Train").click()
            page.get_by_role("button", name="Train", exact=True).click()
            expect(page.get_by_text("Training finished. Epoch 4 of 4.")).to_be_visible(timeout=300_000)
            page.get_by_role("link", name="Predictions").click()
            expect(page.get_by_text("Accuracy", exact=True)).to_be_visible()
            shots["classification"] = shoot(page, "predictions-classification")
            browser.close()
    finally:
        server.stop()
    if "--docs" in sys.argv:
        (ROOT / "docs").mkdir(exist_ok=True)
        for name, target in DOCS.items():
            shutil.copy(shots[name], ROOT / "docs" / target)


if __name__ == "__main__":
    main()
