"""The sidebar on every page: worker and training status, presets, the share link, instructor mode."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from lstm_lab import compute, edits
from lstm_lab.limits import describe
from lstm_lab.presets import PRESETS
from lstm_lab.share import HIDEABLE, to_query
from ui import persist, state
from ui.render import safe_markdown


def render() -> None:
    with st.sidebar:
        st.caption("LSTM Lab: see why every LSTM shape is what it is.")
        _status()
        _link_problems()
        _presets()
        _share()
        _limits()
        persist.set_cookie()


def _status() -> None:
    engine = compute.engine()
    job = state.job()
    seen = engine.status
    busy = not seen.ready or (job is not None and not job.ended)

    @st.fragment(run_every=2.0 if busy else None)
    def status() -> None:
        now = engine.status
        if now.state == "starting":
            st.info(now.message)
        elif now.ready:
            st.caption(f":material/check_circle: {now.message}")
        else:
            st.warning(now.message, icon=":material/sync_problem:")
        if job is not None:
            p = job.progress()
            st.caption(f"Training: {p.state}, epoch {p.epoch} of {p.epochs}")
        came_back = now.state != seen.state or (now.generation != seen.generation and now.ready)
        if came_back or (busy and now.ready and (job is None or job.ended)):
            st.rerun()  # the tier came back (or a training ended): one full run redraws the page with it

    status()


def _limits() -> None:
    with st.expander("Server limits"):
        st.caption("Settings over these limits are refused before any work starts. An admin changes them with "
                   "the environment variables shown.")  # fmt: skip
        st.markdown("\n".join(f"- {what}: **{value}** (`{env}`)" for what, value, env in describe()))


def _link_problems() -> None:
    for text in st.session_state.pop(state.LINK_PROBLEMS, []):
        st.warning(safe_markdown(text))


def _load_preset() -> None:
    state.apply(edits.load_preset(st.session_state[state.PRESET_CHOICE], state.lab().seed))
    st.session_state.pop(state.PREV_ROWS, None)


def _presets() -> None:
    st.subheader("Presets")
    name = st.selectbox("Start from", list(PRESETS), format_func=lambda n: PRESETS[n]["title"], key=state.PRESET_CHOICE)
    st.caption(PRESETS[name]["context"])
    st.button("Load preset", on_click=_load_preset, key="load_preset", width="stretch")


def _share() -> None:
    st.subheader("Share")
    st.caption("The address bar always holds this lab: data, model, training and seed. Copy it to share.")
    hidden = st.session_state.get(state.HIDDEN, set())
    if hidden:
        st.caption(f"Instructor view: {len(hidden)} control(s) hidden by the link.")
    instructor = st.expander("Instructor mode", key=state.INSTRUCTOR, on_change="rerun")
    if instructor.open:  # drawn only when open: a section's change then redraws the page (ui.section)
        with instructor:
            chosen = st.multiselect("Hide these controls in the link", HIDEABLE, key="hide_choice")
            query = to_query(state.lab())
            if chosen:
                query["hide"] = ",".join(chosen)
            base = str(st.context.url or "").split("?")[0]
            st.code(f"{base}?{urlencode(query)}" if query else base, language=None, wrap_lines=True)
            st.session_state[state.LINKED] = state.lab_dict()
