"""Widgets bound to the lab: each change goes through an edit in :mod:`lstm_lab.edits`, which decides the rest."""

from __future__ import annotations

import streamlit as st

from lstm_lab import edits
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import check_setting
from lstm_lab.spec import get_path
from ui import state
from ui.render import safe_markdown


def setting(widget, label: str, path: str, key_suffix: str = "", **kwargs):
    """Draw ``widget`` for the lab setting at ``path`` (``"model.layers.0.units"``) and return its value.

    A change is applied with :func:`lstm_lab.edits.set_setting`, with the rule that follows that setting;
    a value over the server's limits is refused with the limits message. A control the link hides is not
    drawn. ``key_suffix`` names a second widget for the same setting.
    """
    current = get_path(state.lab_dict(), path)
    if state.hidden(path):
        return current
    key = state.widget_key(path + key_suffix, current)
    if "max_value" in kwargs and isinstance(current, (int, float)) and current > kwargs["max_value"]:
        kwargs["max_value"] = current
    if "min_value" in kwargs and isinstance(current, (int, float)) and current < kwargs["min_value"]:
        kwargs["min_value"] = current
    return widget(label, key=key, on_change=_set, args=(path, key), **_showing(widget, current, kwargs))


def typed_setting(label: str, path: str, min_value: int, max_value: int, step: int = 1, **kwargs):
    """An integer setting as a slider over its usual range (moving by ``step``) and, beside it, a box to
    type any exact value (up to the server's limits); both always show the lab's value."""
    if state.hidden(path):
        return get_path(state.lab_dict(), path)
    slide, typed = st.columns(2, vertical_alignment="bottom")
    with slide:
        setting(st.slider, label, path, min_value=min_value, max_value=max_value, step=step, **kwargs)
    with typed:
        return setting(st.number_input, label, path, key_suffix=state.TYPED, min_value=min_value, step=1,
                       label_visibility="collapsed", **kwargs)  # fmt: skip


def control(widget, label: str, name: str, value, edit, **kwargs):
    """Draw ``widget`` for a control that is not one setting (the number of layers, the head on or off).

    ``value`` is what the lab shows now; ``edit(lab, new_value)`` returns the :class:`~lstm_lab.edits.Edit`,
    or ``None`` to leave the lab as it is.
    """
    key = state.widget_key(name, value)
    return widget(label, key=key, on_change=_edit, args=(key, edit), **_showing(widget, value, kwargs))


def _showing(widget, value, kwargs: dict) -> dict:
    """``kwargs`` with the argument that makes ``widget`` show ``value`` when it is first drawn.

    Every widget is given the lab's value, never seeded through ``st.session_state``: a widget seeded that
    way and drawn anew (its min or max changed, or it was off the page for a run) starts in the browser at
    its default, its minimum, and sends that back on the next change.
    """
    if widget in (st.selectbox, st.radio):
        options = list(kwargs["options"])
        return {**kwargs, "index": options.index(value) if value in options else 0}
    if widget is st.multiselect:
        return {**kwargs, "default": value}
    return {**kwargs, "value": value}


def _set(path: str, key: str) -> None:
    if key not in st.session_state or not state.is_current(key):  # a widget already replaced: the lab decides
        return
    value = st.session_state[key]
    try:
        check_setting(path, value)
        edit = edits.set_setting(state.lab(), path, value, state.dataset_of)
    except LstmLabError as e:
        state.refuse_setting(e.message)
        state.redraw(key)  # it still shows the refused value
        return
    state.apply(edit, change=(path, value))


def _edit(key: str, edit) -> None:
    if key not in st.session_state or not state.is_current(key):
        return
    try:
        made = edit(state.lab(), st.session_state[key])
    except LstmLabError as e:
        state.refuse_setting(e.message)
        state.redraw(key)
        return
    if made is not None:
        state.apply(made)


def setting_error() -> None:
    """Show (once) the message of a setting that could not be applied."""
    message = state.take_setting_error()
    if message:
        st.error(safe_markdown(message))


def changes() -> None:
    """Show (once) the line on what the last edit changed besides the setting itself."""
    text = state.take_notes()
    if text:
        st.info(safe_markdown(text), icon=":material/lightbulb:")
