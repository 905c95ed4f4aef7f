"""Helpers for AppTest tests: where the app is, page switches, metrics, waiting for training."""

import re
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

TIMEOUT = 120
APP = str(Path(__file__).resolve().parents[2] / "app.py")


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}; have {[m.label for m in at.metric]}")


def wait_for_training(at: AppTest, timeout: float = 180) -> dict:
    """Rerun the page until the session's job has ended (AppTest does not run timers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = at.session_state["job"]
        if job.ended:
            at.run()
            return job.progress()
        time.sleep(0.3)
        at.run()
    raise AssertionError("training did not finish")


def restart() -> None:
    """What a server restart leaves: no job in memory, the store opened again."""
    from ui import persist

    for job, *_ in persist._live.values():
        job.stop()
    persist._live.clear()
    if persist.store() is not None:
        persist.store().close()
    persist.store.cache_clear()


def session(query: dict | None = None) -> AppTest:
    """A new session of the app (a new tab, or the same browser after a restart), run once."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, at.exception
    return at


def typed_box(at: AppTest, path: str):
    """The number box beside the slider of the setting at ``path``."""
    return widget(at.number_input, f"{path}#typed")


def widget(found, name: str):
    """The one widget among ``found`` (``at.slider``, ``at.toggle``, …) bound to ``name``: its key is
    ``w.<name>``, or ``w.<name>@<n>`` once the lab has changed what it shows."""
    key = re.compile(re.escape(f"w.{name}") + r"(@\d+)?")
    matches = [w for w in found if w.key and key.fullmatch(w.key)]
    assert len(matches) == 1, [w.key for w in found]
    return matches[0]
