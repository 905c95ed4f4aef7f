"""Widgets bound to a path in the lab spec: they read from it and write every change back."""

from __future__ import annotations

import streamlit as st

from lstm_lab.errors import LstmLabError
from lstm_lab.spec import get_path, set_path
from ui import state
from ui.render import safe_markdown


def bound(widget, label: str, path: str, *, after=None, **kwargs):
    """Draw ``widget`` for the lab setting at ``path`` (e.g. ``"model.layers.0.units"``).

    ``after(old_dict, new_dict)`` may adjust the new settings (for example to keep a stack
    valid) and return them. Returns the widget's current value.
    """
    if state.hidden(path):
        return get_path(state.lab_dict(), path)
    key = state.WIDGET_PREFIX + path
    current = get_path(state.lab_dict(), path)
    if key not in st.session_state:
        st.session_state[key] = current
    if "max_value" in kwargs and isinstance(current, (int, float)) and current > kwargs["max_value"]:
        kwargs["max_value"] = current
    if "min_value" in kwargs and isinstance(current, (int, float)) and current < kwargs["min_value"]:
        kwargs["min_value"] = current
    return widget(label, key=key, on_change=_commit, args=(path, key, after), **kwargs)


def _commit(path: str, key: str, after) -> None:
    old = state.lab_dict()
    new = set_path(old, path, st.session_state[key])
    if after is not None:
        new = after(old, new)
    try:
        state.set_lab(new, reseed_widgets=after is not None)
        st.session_state["last_change"] = (path, st.session_state.get(key))
    except LstmLabError as e:
        st.session_state["setting_error"] = e.message
        st.session_state[key] = get_path(old, path)


def setting_error() -> None:
    """Show (once) the message of a setting that could not be applied."""
    message = st.session_state.pop("setting_error", None)
    if message:
        st.error(safe_markdown(message))


def changes() -> None:
    """Show (once) the one-line explanations of what the last change did to other settings."""
    for text in state.take_changes():
        st.info(safe_markdown(text), icon=":material/lightbulb:")
