"""The app's pages and the setup every run needs: ``app.py`` calls :func:`run`, nothing else.

The page scripts live in ``views/``, not ``pages/``: Streamlit would treat a ``pages/`` folder beside the
entry script as a legacy multipage app and run a page without the entry point.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from lstm_lab import compute
from ui import persist, sidebar, state

ROOT = Path(__file__).resolve().parent.parent  # page paths must not depend on where the entry script lives
log = logging.getLogger(__name__)

PAGES = [
    ("views/data.py", "Data", ":material/table_chart:"),
    ("views/model.py", "Model", ":material/stacks:"),
    ("views/train.py", "Train", ":material/model_training:"),
    ("views/predictions.py", "Predictions", ":material/insights:"),
    ("views/cell.py", "Inside the cell", ":material/memory:"),
    ("views/runs.py", "Runs", ":material/compare_arrows:"),
    ("views/export.py", "Export", ":material/download:"),
]


def run() -> None:
    """Set up the session, start the compute tier, draw the sidebar and run the chosen page."""
    st.set_page_config(page_title="LSTM Lab", page_icon=":material/science:", layout="wide")
    state.init()
    compute.engine()  # starts Ray and the warm Keras worker in the background on the first run
    pages = [
        st.Page(ROOT / path, title=title, icon=icon, default=i == 0, url_path="start" if i == 0 else None)
        for i, (path, title, icon) in enumerate(PAGES)
    ]
    # The first page lives at "/", and also at "/data" like the others at "/model", "/train", … for links.
    alias = st.Page(ROOT / PAGES[0][0], title=PAGES[0][1], icon=PAGES[0][2], url_path="data", visibility="hidden")
    page = st.navigation([*pages, alias])
    state.sync_url()
    persist.note_run(state.job())  # a training that ended since the last run is on the Runs page at once
    sidebar.render()
    try:
        page.run()
    except Exception:  # the last line of defence: a message, never a traceback
        log.exception("page failed")
        st.error(
            "Something went wrong drawing this page. Your data, settings and trained model are kept; "
            "try the previous setting again, or reload the page."
        )
    finally:
        persist.save()
