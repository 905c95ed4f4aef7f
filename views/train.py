"""Train page: fit the model in its own worker and watch the loss curves update live."""

import streamlit as st

from lstm_lab.charts import figures as plots
from lstm_lab.compute import TrainingJob
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS
from lstm_lab.model.task import DEFAULT_LOSS, LOSSES_FOR
from ui import render, state
from ui.widgets import bound, setting_error

POLL_SECONDS = 1.0
BATCH_SIZES = [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 256, 512]
LEARNING_RATES = [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0, 5.0]
STATE_TEXT = {
    "queued": "Queued: every training slot on this server is busy; it starts when one frees up.",
    "starting": "Starting a Keras worker for this training…",
    "training": "Training…",
    "done": "Training finished.",
    "stopped": "Training stopped.",
    "failed": "Training failed.",
}


def loss_figure(history: list[dict], epochs: int):
    """The loss chart, rebuilt only when an epoch has been added (polls are frequent, epochs are not)."""
    cached = st.session_state.get("loss_figure")
    if cached is None or cached[0] != (len(history), epochs):
        cached = ((len(history), epochs), plots.loss_figure(history, epochs))
        st.session_state["loss_figure"] = cached
    return cached[1]


def start_training() -> None:
    lab = state.lab()
    try:
        dataset = state.dataset()
        job = TrainingJob(lab.to_dict(), dataset.to_payload())
    except LstmLabError as e:
        st.session_state["setting_error"] = e.message
        return
    state.set_job(job, dataset)


def stop_training() -> None:
    if state.job() is not None:
        state.job().stop()


st.title("Train")
st.caption("Each training runs in its own Keras worker; switch pages freely, it keeps going.")
setting_error()

a, b, c, d, e = st.columns(5)
with a:
    bound(st.number_input, "Epochs (`epochs`)", "train.epochs", min_value=1, max_value=LIMITS.max_epochs, step=1)
with b:
    options = sorted({*BATCH_SIZES, state.lab().train.batch_size})
    bound(st.selectbox, "Batch size (`batch_size`)", "train.batch_size", options=options)
with c:
    options = sorted({*LEARNING_RATES, state.lab().train.learning_rate})
    bound(st.select_slider, "Learning rate (`learning_rate`)", "train.learning_rate", options=options)
with d:
    task = state.lab().data.task
    bound(st.selectbox, "Loss (`loss`)", "train.loss", options=["auto", *LOSSES_FOR[task]],
          format_func=lambda x: f"auto ({DEFAULT_LOSS[task]})" if x == "auto" else x)  # fmt: skip
with e:
    bound(st.number_input, "Seed", "seed", min_value=0, max_value=2**31 - 1, step=1,
          help="The same seed gives the same loss curve on the same machine.")  # fmt: skip

job = state.job()
running = job is not None and not job.ended
left, right, _ = st.columns([1, 1, 4])
left.button("Train", type="primary", on_click=start_training, disabled=running, key="train_button")
right.button("Stop", on_click=stop_training, disabled=not running, key="stop_button")


@st.fragment(run_every=POLL_SECONDS if running else None)
def live_progress() -> None:
    job = state.job()
    if job is None:
        st.info("Press **Train** to fit the model from the Model page on the data from the Data page.")
        return
    p = job.progress()
    note = state.stale_results_note("The curves below")
    if note:
        st.caption(note)
    done = p["epoch"] / max(p["epochs"], 1)
    st.progress(min(done, 1.0), text=f"{STATE_TEXT[p['state']]} Epoch {p['epoch']} of {p['epochs']}.")
    if p["state"] == "failed":
        keras_message = (p.get("error") or {}).get("keras_message")
        render.error(LstmLabError(p["message"] or "Unknown error.", keras_message=keras_message), "Training failed")
    elif p.get("message"):
        st.info(p["message"])
    if p["history"]:
        last = p["history"][-1]
        cols = st.columns(3)
        cols[0].metric("Training loss", f"{last['loss']:.4f}")
        if "val_loss" in last:
            cols[1].metric("Validation loss", f"{last['val_loss']:.4f}")
        cols[2].metric("Seconds", f"{last['seconds']:.1f}")
    if p["history"] or p["state"] in ("queued", "starting", "training"):  # no empty chart after a failed start
        st.plotly_chart(loss_figure(p["history"], p["epochs"]), width="stretch", key="loss_curve")
    if running and job.ended:
        st.rerun()


live_progress()
