"""Keep a browser's uploaded data and trained model across a page reload.

A reload starts a new Streamlit session, so ``st.session_state`` is empty again. Each browser
gets a random token in a cookie (never in the share URL, so a shared link never shares data);
the server keeps that browser's upload and training job under it, for a while, in memory.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict

import streamlit as st

COOKIE = "lstm_lab_sid"
BROWSER = "browser_token"  # session key: this browser's token
SET_COOKIE = "set_cookie"  # session key: the cookie still has to be written
KEPT = ("upload", "job", "job_time", "job_lab")  # the session keys a reload must not lose (see ui.state)
MAX_BROWSERS = 200
TTL_SECONDS = 2 * 3600

_store: OrderedDict[str, dict] = OrderedDict()
_lock = threading.Lock()


def restore() -> None:
    """At a session's start: take back this browser's upload and job, or give the browser a token."""
    token = st.context.cookies.get(COOKIE)
    with _lock:
        _expire()
        kept = _store.get(token) if token else None
    if kept is not None:
        st.session_state.update({k: v for k, v in kept["values"].items() if v is not None})
        st.session_state[BROWSER] = token
        return
    st.session_state[BROWSER] = secrets.token_urlsafe(24)
    st.session_state[SET_COOKIE] = True


def save() -> None:
    """At the end of every run: remember what a reload must not lose."""
    token = st.session_state.get(BROWSER)
    if token is None:
        return
    values = {k: st.session_state.get(k) for k in KEPT}
    with _lock:
        _store[token] = {"values": values, "seen": time.monotonic()}
        _store.move_to_end(token)
        while len(_store) > MAX_BROWSERS:
            _store.popitem(last=False)


def set_cookie() -> None:
    """Write the token into a cookie once (a zero-height snippet; the token is ours, never user text)."""
    if st.session_state.pop(SET_COOKIE, False):
        token = st.session_state[BROWSER]
        st.iframe(
            f"<script>document.cookie = '{COOKIE}={token}; path=/; max-age={TTL_SECONDS}; SameSite=Strict';</script>",
            height=1,
        )


def _expire() -> None:
    now = time.monotonic()
    for token in [t for t, kept in _store.items() if now - kept["seen"] > TTL_SECONDS]:
        job = _store.pop(token)["values"].get("job")
        if job is not None:
            job.stop()
