"""Uploads through the real file input: a CSV becomes windows and trains; bad and hostile files
change nothing and inject nothing."""

from browser_helpers import choose, csv_bytes, open_page, settle, train_to_the_end, upload
from playwright.sync_api import expect

HOSTILE = '<img src=x onerror="window.injected=1">'


def test_upload_a_csv_window_it_and_train(server, page):
    open_page(page, server)
    upload(page, "weather.csv", csv_bytes())
    expect(page.get_by_text("(140, 20, 2)")).to_be_visible()  # 160 rows, timesteps 20, horizon 1
    expect(page.get_by_text("city", exact=False).first).to_be_visible()  # the text column is named as left out
    name = "Timesteps (`timesteps`, the window length)"
    box = page.locator(f'input[type="number"][aria-label="{name}"]')
    box.fill("30")
    box.press("Enter")
    expect(page.get_by_text("(130, 30, 2)")).to_be_visible()  # typed: ⌊(160 − 30 − 1)/1⌋ + 1 windows
    settle(page)  # (while a rerun draws, the widget it replaces is still on the page)
    slider = page.locator(f'input[type="range"][aria-label="{name}"]')
    expect(slider).to_have_value("30")  # the slider follows the box
    slider.focus()
    page.keyboard.press("ArrowRight")  # and the box follows the slider
    expect(page.get_by_text("(129, 31, 2)")).to_be_visible()
    settle(page)
    expect(box).to_have_value("31")
    page.get_by_role("link", name="Train").click()
    train_to_the_end(page, 2)
    page.get_by_role("link", name="Predictions").click()
    expect(page.locator(".js-plotly-plot").first).to_contain_text("predicted temperature")


def test_a_broken_file_changes_nothing(server, page):
    open_page(page, server, "?timesteps=25")
    expect(page.get_by_text("(575, 25, 1)")).to_be_visible()
    upload(page, "noise.csv", bytes(range(256)) * 20)
    expect(page.get_by_text("nothing was changed").first).to_be_visible()
    page.get_by_label("Dataset").click()
    page.get_by_role("option", name="Noisy sine waves (regression, generated)").click()
    expect(page.get_by_text("(575, 25, 1)")).to_be_visible()


def test_a_bad_file_after_a_good_one_keeps_the_good_one(server, page):
    open_page(page, server)
    upload(page, "weather.csv", csv_bytes())
    expect(page.get_by_text("(140, 20, 2)")).to_be_visible()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "noise.csv", "mimeType": "text/csv", "buffer": bytes(range(256)) * 20}]
    )
    expect(page.get_by_text("nothing was changed").first).to_be_visible()
    expect(page.get_by_text("Still using: weather.csv")).to_be_visible()
    expect(page.get_by_text("(140, 20, 2)")).to_be_visible()


def test_text_classes_in_a_csv_train_a_classifier(server, page):
    import numpy as np

    lines = ["speed,load,gear"] + [f"{i % 3 + 0.2 * np.sin(i)},{np.cos(i / 4):.3f},{'low mid top'.split()[i % 3]}"
                                   for i in range(150)]  # fmt: skip
    open_page(page, server)
    upload(page, "gears.csv", ("\n".join(lines) + "\n").encode())
    expect(page.get_by_text("holds 3 text classes")).to_be_visible()
    choose(page, "Task", "Multi-class classification")
    expect(page.get_by_role("combobox", name="Label column (the class of each window)")).to_have_value("gear")
    expect(page.get_by_text("(130, 20, 2)")).to_be_visible()  # speed and load in; gear is the label
    page.get_by_role("link", name="Train").click()
    train_to_the_end(page, 1)
    page.get_by_role("link", name="Predictions").click()
    confusion = page.locator(".js-plotly-plot").first
    expect(confusion).to_contain_text("Confusion matrix")
    for name in ("low", "mid", "top"):
        expect(confusion).to_contain_text(name)


def test_hostile_column_names_render_as_text(server, page):
    data = f"step,{HOSTILE},value\n" + "\n".join(f"{i},{i % 7},{(i * 3) % 11}" for i in range(120))
    open_page(page, server)
    upload(page, '<b onmouseover="x">evil</b>.csv', data.encode())
    expect(page.get_by_text("(100, 20, 2)")).to_be_visible()
    settle(page)
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("window.injected") is None
    assert page.locator("b[onmouseover]").count() == 0
    page.get_by_role("link", name="Train").click()
    page.get_by_role("link", name="Data").click()
    expect(page.get_by_text("(100, 20, 2)")).to_be_visible()
    assert page.locator("img[src='x']").count() == 0
