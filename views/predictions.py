"""Predictions page: the trained model against the held-out, last samples."""

import streamlit as st

from lstm_lab.charts import figures as plots
from ui import state

st.title("Predictions")
st.caption("The test samples are the last part of the data, never seen in training.")

job = state.job()
running = job is not None and not job.ended


def regression(pred: dict) -> None:
    target = 0
    if len(pred["target_names"]) > 1:  # each target in its own units: metrics for the one shown
        target = pred["target_names"].index(st.selectbox("Target", pred["target_names"], key="pred_target"))
    m = pred["target_metrics"][target]
    cols = st.columns(4)
    cols[0].metric("MAE", f"{m['mae']:.4g}")
    cols[1].metric("RMSE", f"{m['rmse']:.4g}")
    baseline = "repeat the last value seen" if pred["x_is_time"] else "predict the training mean"
    cols[2].metric("Baseline MAE", f"{m['baseline_mae']:.4g}", help=f"A naive forecast: {baseline}.")
    cols[3].metric("Baseline RMSE", f"{m['baseline_rmse']:.4g}")
    time = state.job_time() if pred["x_is_time"] else None
    st.plotly_chart(plots.predictions_figure(pred, time, target), width="stretch", key="predictions_chart")
    st.caption("Values are in the data's own units: scaling is undone before comparing.")


def classification(pred: dict) -> None:
    m = pred["metrics"]
    cols = st.columns(3)
    cols[0].metric("Accuracy", f"{m['accuracy']:.1%}")
    cols[1].metric("Baseline accuracy", f"{m['baseline_accuracy']:.1%}",
                   help="Always answer the most common training label.")  # fmt: skip
    cols[2].metric("Test samples", f"{len(pred['actual']):,}")
    left, right = st.columns([2, 3])
    left.plotly_chart(plots.confusion_figure(pred), width="stretch", key="confusion_chart")
    right.plotly_chart(plots.probabilities_figure(pred), width="stretch", key="probabilities_chart")


@st.fragment(run_every=1.0 if running else None)
def live_predictions() -> None:
    job = state.job()
    p = job.progress() if job is not None else None
    if p is None or not p.get("predictions"):
        st.info("No predictions yet: train a model on the **Train** page. They appear while it trains (refreshed "
                "as long as that costs under 5% of the training time) and when it ends.")  # fmt: skip
        return
    if p["state"] in ("queued", "starting", "training"):
        st.caption(f"Refreshing while training: epoch {p['epoch']} of {p['epochs']}.")
    note = state.stale_results_note("These predictions")
    if note:
        st.warning(note)
    pred = p["predictions"]
    regression(pred) if pred["kind"] == "regression" else classification(pred)
    if running and job.ended:
        st.rerun()


live_predictions()
