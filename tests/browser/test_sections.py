"""A change inside a page section reruns that section alone (an st.fragment), and the address bar, the
store and the instructor link still follow it."""

import base64
import re

from browser_helpers import open_page, settle
from playwright.sync_api import expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

TABLE = '[data-testid="stTable"]'


class Runs:
    """How the app's script runs ended, read from the ForwardMsgs on the page's websocket."""

    def __init__(self, page):
        self.ended: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if isinstance(payload, str):
            return
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        if msg.WhichOneof("type") == "script_finished":
            self.ended.append(ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished))

    def since(self, n: int) -> list[str]:
        return self.ended[n:]


def diagram_text(page) -> str:
    """The SVG of the Model page's diagram, as the browser has it."""
    src = page.locator('[data-testid="stImage"] img').first.get_attribute("src")
    assert src.startswith("data:image/svg+xml;base64,"), src[:40]
    return base64.b64decode(src.split(",", 1)[1]).decode()


def slider(page, label: str, nth: int = 0):
    return page.locator(f'input[type="range"][aria-label="{label}"]').nth(nth)


def quiet(page) -> None:
    """Wait until no run is due: the workers are ready, so the sidebar's status no longer polls (a run
    could otherwise replace a slider between its focus and the key)."""
    expect(page.get_by_text("Keras workers ready")).to_be_visible()
    settle(page)


def press_right(page, label: str) -> None:
    """Move a slider one step with the keyboard (focusing it scrolls it into view)."""
    control = slider(page, label)
    control.focus()
    expect(control).to_be_focused()
    page.keyboard.press("ArrowRight")


def test_a_units_change_reruns_the_layer_editor_alone_and_is_kept(server, page):
    runs = Runs(page)
    open_page(page, server, "model")
    table = page.locator(TABLE)
    expect(table).to_contain_text("(None, 32)")
    quiet(page)
    before = len(runs.ended)
    press_right(page, "Units (`units`)")
    expect(table).to_contain_text("(None, 33)")
    expect(page.get_by_text("(None, 32) → (None, 33)", exact=False).first).to_be_visible()  # what changed
    settle(page)
    assert runs.since(before) == ["FINISHED_FRAGMENT_RUN_SUCCESSFULLY"]
    assert "LSTM, 33 units" in diagram_text(page)  # the diagram follows
    expect(page).to_have_url(re.compile(r"layers=33\b"))  # the address bar follows
    page.reload()  # and the store: a reload brings the change back
    expect(page.locator(TABLE)).to_contain_text("(None, 33)")


def test_a_window_change_on_the_data_page_reruns_its_section_alone(server, page):
    runs = Runs(page)
    open_page(page, server)
    expect(page.get_by_text("(580, 20, 1)")).to_be_visible()
    quiet(page)
    before = len(runs.ended)
    press_right(page, "Timesteps (`timesteps`, the window length)")
    expect(page.get_by_text("(579, 21, 1)")).to_be_visible()
    settle(page)
    assert runs.since(before) == ["FINISHED_FRAGMENT_RUN_SUCCESSFULLY"]
    expect(page).to_have_url(re.compile(r"timesteps=21\b"))


def test_the_instructor_link_follows_a_change_made_in_a_section(server, page):
    open_page(page, server, "model")
    expect(page.locator(TABLE)).to_contain_text("(None, 32)")
    page.get_by_text("Instructor mode").click()
    link = page.locator('[data-testid="stSidebar"] [data-testid="stCode"]')
    expect(link).to_be_visible()
    expect(link).not_to_contain_text("layers=")
    quiet(page)
    press_right(page, "Units (`units`)")
    expect(page.locator(TABLE)).to_contain_text("(None, 33)")
    expect(link).to_contain_text("layers=33")


def test_the_data_page_keeps_the_shape_in_view_at_1366x768(server, browser):
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.set_default_timeout(60_000)
    try:
        open_page(page, server)
        shape = page.get_by_text("(580, 20, 1)")
        expect(shape).to_be_visible()
        for label, after in (("Channels (each one becomes a feature)", "(580, 20, 2)"),
                             ("Timesteps (`timesteps`, the window length)", "(579, 21, 2)")):  # fmt: skip
            quiet(page)
            press_right(page, label)
            shape = page.get_by_text(after)
            expect(shape).to_be_visible()
            settle(page)
            where = shape.bounding_box()
            assert 0 <= where["y"] and where["y"] + where["height"] <= 768, (label, where)
    finally:
        page.context.close()
