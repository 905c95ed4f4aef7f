"""Runs page: every training of this browser, compared, and any of them brought back."""

import streamlit as st

from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS
from ui import runs, state
from ui.widgets import changes

st.title("Runs")
st.caption(f"Every training started in this browser, kept with your other work (the last {LIMITS.max_runs}; the "
           "oldest goes first). Runs are never in a share link: a link shares settings only.")  # fmt: skip
changes()

job = state.job()
running = job is not None and not job.ended


@st.fragment(run_every=1.0 if running else None)
def live_runs() -> None:
    views = runs.views()
    if not views:
        st.info("No runs yet: each training you start on the **Train** page becomes a run here.")
        return
    runs.table_section(views)
    runs.curves_section(views)
    if running and state.job().ended:
        st.rerun()


live_runs()
try:
    dataset = state.dataset()
except LstmLabError:
    dataset = None
runs.actions_section(runs.views(), dataset)
