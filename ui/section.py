"""Page sections that rerun alone: a change to a widget inside one redraws that section, not the page.

Each section is an ``st.fragment``. A fragment run skips the page's setup and the sidebar, so the section
itself writes the lab to the address bar and the store when it ends, as a full run does; and when the
sidebar's instructor link is open and no longer shows the lab, it redraws the whole page so the link
follows.
"""

from __future__ import annotations

import functools

import streamlit as st

from ui import persist, state


def section(draw):
    """Make the function ``draw`` a section of its page; call it where the section goes.

    ``draw`` returns (never calls ``st.stop()``) when it has nothing more to show.
    """

    @st.fragment
    @functools.wraps(draw)
    def run(*args, **kwargs):
        try:
            draw(*args, **kwargs)
        finally:
            state.sync_url()
            persist.save()
        if state.link_is_stale():
            st.rerun(scope="app")

    return run
