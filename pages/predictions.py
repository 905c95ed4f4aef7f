"""Predictions page: the trained model against the held-out, chronologically last samples."""

import streamlit as st

from lstm_lab import plots
from ui import navigation, state

navigation.ensure()

st.title("Predictions")
st.caption("The test period is the last part of the series, never seen in training.")

job = state.job()
running = job is not None and not job.ended


@st.fragment(run_every=1.0 if running else None)
def live_predictions() -> None:
    job = state.job()
    p = job.progress() if job is not None else None
    if p is None or not p.get("predictions"):
        st.info("No predictions yet: train a model on the **Train** page. They appear after its first epoch.")
        return
    pred = p["predictions"]
    if p["state"] in ("queued", "starting", "training"):
        st.caption(f"Refreshing while training: epoch {p['epoch']} of {p['epochs']}.")
    m = pred["metrics"]
    cols = st.columns(4)
    cols[0].metric("MAE", f"{m['mae']:.4g}")
    cols[1].metric("RMSE", f"{m['rmse']:.4g}")
    cols[2].metric("Baseline MAE", f"{m['baseline_mae']:.4g}", help="Predict that the last value seen persists.")
    cols[3].metric("Baseline RMSE", f"{m['baseline_rmse']:.4g}")
    target = 0
    if len(pred["target_names"]) > 1:
        target = pred["target_names"].index(st.selectbox("Target", pred["target_names"], key="pred_target"))
    st.plotly_chart(plots.predictions_figure(pred, state.job_time(), target), width="stretch", key="predictions_chart")
    st.caption("Errors are in the data's own units: scaling is undone before comparing.")
    if running and job.ended:
        st.rerun()


live_predictions()
