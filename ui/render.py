"""Streamlit renderings of lstm_lab's plain data: shape tables and errors."""

from __future__ import annotations

import re
import time

import pandas as pd
import streamlit as st

from lstm_lab import compute, edits
from lstm_lab.errors import LstmLabError
from lstm_lab.records import ShapeRow, format_shape
from lstm_lab.teach.explain import Explanation


def shape_frame(rows: list[ShapeRow]) -> pd.DataFrame:
    """One line per layer output; a layer with state outputs gets one line per tensor."""
    lines = []
    for r in rows:
        for i, (s, name, dims) in enumerate(zip(r.output_shapes, r.output_names, r.dims, strict=True)):
            first = i == 0
            lines.append(
                {
                    "Layer": r.layer if first else "",
                    "Type": r.kind if first else "",
                    "Output": name,
                    "Shape": format_shape(s),
                    "Dimensions": dims,
                    "Params": f"{r.params:,}" if first else "",
                    "Formula": r.formula if first else "",
                }
            )
    return pd.DataFrame(lines)


def error(e: LstmLabError, title: str = "This setting does not work") -> None:
    """A plain explanation, with Keras's own words one click away; never a traceback. The Keras workers
    restarting is one line of warning: it passes by itself."""
    if e.code.startswith("compute_"):
        st.warning(e.message, icon=":material/sync_problem:")
        _redraw_when_back(time.monotonic())
        return
    st.error(f"**{safe_markdown(title)}.** {safe_markdown(e.message)}")
    if e.keras_message:
        with st.expander("Keras's own message"):
            st.code(e.keras_message, language=None)


@st.fragment(run_every=2.0)
def _redraw_when_back(since: float) -> None:
    """Every 2 s, until the Keras workers answer again; then the whole page is drawn again."""
    if time.monotonic() - since > 1.5 and compute.engine().is_ready:
        st.rerun()


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~$:"})
_CODE = re.compile(r"`[^`\n]+`")


def plain(text: str) -> str:
    """User text (a column or file name) made safe to place inside Markdown: shown literally, never as markup."""
    return str(text).translate(_MARKDOWN)


def safe_markdown(text: str) -> str:
    r"""A message that may quote user text, as Markdown: `code spans` stay, everything else is literal.

    Column names from a file could otherwise become links, images or HTML.

    >>> print(safe_markdown("Column `a` and ![x](y)"))
    Column `a` and \!\[x\]\(y\)
    """
    out, last = [], 0
    for m in _CODE.finditer(text):
        out += [plain(text[last : m.start()]), m.group(0)]
        last = m.end()
    return "".join([*out, plain(text[last:])])


def problem(ex: Explanation, error: LstmLabError | None = None, key: str = "fix") -> None:
    """The explanation, Keras's own words one click away, and a button per fix."""
    st.error(f"**{safe_markdown(ex.title)}.** {safe_markdown(ex.plain)}")
    if error is not None and error.keras_message:
        with st.expander("Keras's own message", expanded=True):
            st.code(error.keras_message, language=None, wrap_lines=True)
    for i, fix in enumerate(ex.fixes):
        kind = "primary" if i == 0 else "secondary"
        st.button(f"Fix: {fix.label}", key=f"{key}.{i}", on_click=_apply, args=(fix,), type=kind)


def _apply(fix) -> None:
    from ui import state

    try:
        state.apply(edits.apply_fix(state.lab(), fix))
    except LstmLabError as e:
        state.refuse_setting(e.message)
