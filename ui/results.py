"""The Predictions page's parts: metrics beside the naive baseline, and the charts."""

from __future__ import annotations

import streamlit as st

from lstm_lab.charts import figures
from lstm_lab.records import ClassificationPredictions, Predictions, RegressionPredictions
from ui import state


def predictions_section(pred: Predictions) -> None:
    if isinstance(pred, RegressionPredictions):
        _regression(pred)
    else:
        _classification(pred)


def _regression(pred: RegressionPredictions) -> None:
    target = 0
    if len(pred.target_names) > 1:  # each target in its own units: metrics for the one shown
        target = pred.target_names.index(st.selectbox("Target", pred.target_names, key="pred_target"))
    m = pred.target_metrics[target]
    cols = st.columns(4)
    cols[0].metric("MAE", f"{m['mae']:.4g}")
    cols[1].metric("RMSE", f"{m['rmse']:.4g}")
    baseline = "repeat the last value seen" if pred.x_is_time else "predict the training mean"
    cols[2].metric("Baseline MAE", f"{m['baseline_mae']:.4g}", help=f"A naive forecast: {baseline}.")
    cols[3].metric("Baseline RMSE", f"{m['baseline_rmse']:.4g}")
    time = state.job_time() if pred.x_is_time else None
    baseline = st.toggle("Draw the naive baseline", value=True, key="pred_baseline")
    st.plotly_chart(figures.predictions_figure(pred, time, target, baseline), width="stretch", key="predictions_chart")
    band = pred.interval
    if band is not None:
        st.markdown(f"**{band['level']:.0%} prediction band: {band['coverage'][target]:.0%} of test points inside** "
                    f"(nominal {band['level']:.0%}). Split conformal: ± {band['half_width'][target]:.4g}, the "
                    f"{band['level']:.0%} quantile of the absolute errors on the {band['samples']} validation "
                    "samples.")  # fmt: skip
    else:
        st.caption("No prediction band: it is calibrated on the validation samples, and this split has too few.")
    st.plotly_chart(figures.residuals_figure(pred, time, target), width="stretch", key="residuals_chart")
    st.caption("Values are in the data's own units: scaling is undone before comparing.")


def _classification(pred: ClassificationPredictions) -> None:
    m = pred.metrics
    cols = st.columns(3)
    cols[0].metric("Accuracy", f"{m['accuracy']:.1%}")
    cols[1].metric("Baseline accuracy", f"{m['baseline_accuracy']:.1%}",
                   help="Always answer the most common training label.")  # fmt: skip
    cols[2].metric("Test samples", f"{len(pred.actual):,}")
    left, right = st.columns([2, 3])
    left.plotly_chart(figures.confusion_figure(pred), width="stretch", key="confusion_chart")
    right.plotly_chart(figures.probabilities_figure(pred), width="stretch", key="probabilities_chart")
