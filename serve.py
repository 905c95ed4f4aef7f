"""LSTM Lab's server: ``streamlit run app.py`` with the lab already warm when the server answers.

Streamlit runs ``app.py`` only when a browser opens a session, so ``streamlit run app.py`` alone
starts Ray and the Keras workers on the first visit. This launcher starts the compute tier
(:func:`lstm_lab.compute.engine`) first, then hands over to Streamlit's own ``streamlit run app.py``
in the same process; the app's ``compute.engine()`` returns that same engine, already warming or warm.
The server's log says when the Keras workers are ready. Options are those of ``streamlit run``.

Usage: ``.venv/bin/python serve.py [--server.port 8501 ...]``
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from pathlib import Path

from lstm_lab import compute

APP = Path(__file__).resolve().parent / "app.py"
PRELOAD = ("ui.navigation", "ui.data_controls", "ui.model_controls", "ui.training", "ui.results", "ui.cell", "ui.runs")


def main(options: list[str]) -> None:
    """Start the compute tier, then run Streamlit's ``streamlit run app.py <options>`` (blocks until it stops)."""
    engine = compute.engine()
    threading.Thread(target=_log_when_ready, args=(engine, time.monotonic()), name="lstm-lab-warm", daemon=True).start()
    threading.Thread(target=_preload, args=(time.monotonic(),), name="lstm-lab-preload", daemon=True).start()
    from streamlit.web import cli

    cli.main(["run", str(APP), *options], prog_name="streamlit")


def _preload(started: float) -> None:
    """Import what the pages use and draw a chart once while Streamlit starts, so that the first visitor's
    run finds them loaded (it took 1.3–1.5 s at idle, 0.75–1.1 s with this: README, Performance)."""
    for module in PRELOAD:
        importlib.import_module(module)
    import plotly.graph_objects as go

    go.Figure(go.Scatter(x=[0, 1], y=[0, 1])).to_json()  # plotly loads its validators and JSON encoder lazily
    from streamlit.logger import get_logger

    get_logger("lstm_lab.serve").info("Pages loaded, %.1f s after the server started", time.monotonic() - started)


def _log_when_ready(engine, started: float) -> None:
    """Log the compute tier's state each time it changes, until it is first ready."""
    from streamlit.logger import get_logger

    log, seen = get_logger("lstm_lab.serve"), engine.status
    while not (status := engine.status).ready:
        if status != seen:
            log.warning("%s", status.message)
            seen = status
        time.sleep(0.1)
    log.info("Keras workers ready, %.1f s after the server started", time.monotonic() - started)


if __name__ == "__main__":
    main(sys.argv[1:])
