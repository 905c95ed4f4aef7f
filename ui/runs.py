"""The Runs page's parts: every training of this browser in one table, their curves overlaid, and per run
its settings back, its model and script, or its removal."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lstm_lab.charts import figures
from lstm_lab.data.dataset import Dataset
from lstm_lab.edits import Edit
from lstm_lab.errors import LstmLabError
from lstm_lab.export.script import script
from lstm_lab.run_table import RunView, table
from lstm_lab.spec import LabSpec
from ui import persist, render, state

CHOSEN = "run_choice"  # session key: the run the actions below the table act on
SHOWN = "runs_shown"  # session key: the runs whose curves are drawn
SEEN = "runs_seen"  # session key: the runs the chart's choice has already met


def views() -> list[RunView]:
    """This browser's runs, oldest first, numbered; a training still running comes last."""
    views = [RunView(r.run_id, r.number, r.started, r.final, r.trained_with) for r in state.runs().values()]
    job = state.job()
    if job is not None and not job.ended:
        lab = st.session_state.get(state.JOB_LAB)
        views.append(RunView(job.run_id, persist.next_run_number(), job.started, job.progress(), lab))
    return views


def table_section(runs: list[RunView]) -> None:
    st.table(pd.DataFrame(table(runs)), hide_index=True)
    st.caption("Settings columns are those that differ between the runs (named as in a share link); the "
               "losses are the last epoch's; MAE and RMSE are on the test samples, in the data's units.")  # fmt: skip


def curves_section(runs: list[RunView]) -> None:
    labels = [r.label for r in runs]
    seen = st.session_state.setdefault(SEEN, set())
    kept = [label for label in st.session_state.get(SHOWN, []) if label in labels]  # a deleted run leaves
    st.session_state[SHOWN] = kept + [label for label in labels if label not in seen and label not in kept]
    seen.update(labels)
    shown = st.multiselect("Loss curves of", labels, key=SHOWN)
    curves = [(r.label, list(r.progress.history)) for r in runs if r.label in shown]
    st.plotly_chart(figures.runs_loss_figure(curves), width="stretch", key="runs_curves")


def actions_section(runs: list[RunView], dataset: Dataset | None) -> None:
    """For one run: its settings into the lab, its model and script to download, or its removal."""
    ended = [r for r in runs if r.progress.ended]
    if not ended:
        return
    st.subheader("One run")
    by_label = {r.label: r for r in ended}
    label = st.selectbox("Run", list(by_label)[::-1], key=CHOSEN)
    run = by_label[label]
    lab = LabSpec.from_dict({k: v for k, v in run.trained_with.items() if k != "dataset"})
    a, b, c, d = st.columns(4)
    a.button("Restore its settings", on_click=_restore, args=(run,), type="primary", key="run_restore")
    if run.progress.model_bytes:
        b.download_button("Its model (.keras)", run.progress.model_bytes, file_name=f"lstm_lab_run{run.number}.keras",
                          mime="application/octet-stream", key="run_model")  # fmt: skip
    if dataset is not None:
        try:
            code = script(lab, dataset)
        except LstmLabError:
            code = None
        if code is not None:
            c.download_button("Its script (.py)", code, file_name=f"lstm_lab_run{run.number}.py",
                              mime="text/x-python", key="run_script")  # fmt: skip
    d.button("Delete this run", on_click=_delete, args=(run,), key="run_delete")
    trained_on = run.trained_with.get("dataset")
    if trained_on and dataset is not None and tuple(trained_on) != (dataset.name, dataset.rows):
        st.caption(f"Run {run.label} trained on {render.plain(trained_on[0])} ({trained_on[1]:,} rows); the "
                   "script uses the data loaded now.")  # fmt: skip


def _restore(run: RunView) -> None:
    lab = LabSpec.from_dict({k: v for k, v in run.trained_with.items() if k != "dataset"})
    state.apply(Edit(lab, (f"Settings of run {run.label} restored: press Train to train them again.",)))


def _delete(run: RunView) -> None:
    state.runs().pop(run.run_id, None)
    st.session_state.pop(CHOSEN, None)
