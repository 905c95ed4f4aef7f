"""The Train page's parts: the training settings, Train and Stop, and the live progress."""

from __future__ import annotations

import streamlit as st

from lstm_lab.charts import figures
from lstm_lab.compute import TrainingJob
from lstm_lab.errors import LstmLabError
from lstm_lab.model.task import DEFAULT_LOSS, LOSSES_FOR
from lstm_lab.records import Progress
from ui import render, state
from ui.widgets import setting

POLL_SECONDS = 1.0
LOSS_FIGURE = "loss_figure"  # session key: the loss chart and the (epochs seen, epochs) it was drawn for
BATCH_SIZES = [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 256, 512]
LEARNING_RATES = [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0, 5.0]
STATE_TEXT = {
    "queued": "Queued: {ahead}; it starts when a training slot frees up.",
    "starting": "Starting a Keras worker for this training…",
    "training": "Training…",
    "done": "Training finished.",
    "stopped": "Training stopped.",
    "failed": "Training failed.",
}


def settings_section() -> None:
    """Epochs, batch size, learning rate, loss and seed, each named after its Keras argument."""
    train = state.lab().train
    a, b, c, d, e = st.columns(5)
    with a:
        setting(st.number_input, "Epochs (`epochs`)", "train.epochs", min_value=1, step=1)
    with b:
        setting(st.selectbox, "Batch size (`batch_size`)", "train.batch_size",
                options=sorted({*BATCH_SIZES, train.batch_size}))  # fmt: skip
    with c:
        setting(st.select_slider, "Learning rate (`learning_rate`)", "train.learning_rate",
                options=sorted({*LEARNING_RATES, train.learning_rate}))  # fmt: skip
    with d:
        task = state.lab().data.task
        setting(st.selectbox, "Loss (`loss`)", "train.loss", options=["auto", *LOSSES_FOR[task]],
                format_func=lambda x: f"auto ({DEFAULT_LOSS[task]})" if x == "auto" else x)  # fmt: skip
    with e:
        setting(st.number_input, "Seed", "seed", min_value=0, max_value=2**31 - 1, step=1,
                help="The same seed gives the same loss curve on the same machine.")  # fmt: skip


def buttons(running: bool) -> None:
    left, right, _ = st.columns([1, 1, 4])
    left.button("Train", type="primary", on_click=_start, disabled=running, key="train_button")
    right.button("Stop", on_click=_stop, disabled=not running, key="stop_button")


def _start() -> None:
    try:
        dataset = state.dataset()
        job = TrainingJob(state.lab(), dataset, st.session_state.get(state.BROWSER))
    except LstmLabError as e:
        state.refuse_setting(e.message)
        return
    state.set_job(job, dataset)


def _stop() -> None:
    if state.job() is not None:
        state.job().stop()


def progress_section(p: Progress) -> None:
    """Where the training is and its last losses, with the loss chart beside them (in view at 1366×768);
    a failure with its message."""
    status, chart = st.columns([1, 2], gap="medium")
    with status:
        done = p.epoch / max(p.epochs, 1)
        text = STATE_TEXT[p.state].format(ahead=ahead_text(p.ahead))
        st.progress(min(done, 1.0), text=f"{text} Epoch {p.epoch} of {p.epochs}.")
        if p.state == "failed":
            render.error(p.error or LstmLabError(p.message or "Unknown error."), "Training failed")
        elif p.message:
            st.info(p.message)
        if p.history:
            last = p.history[-1]
            st.metric("Training loss", f"{last['loss']:.4f}")
            if "val_loss" in last:
                st.metric("Validation loss", f"{last['val_loss']:.4f}")
            st.metric("Seconds", f"{last['seconds']:.1f}")
        if p.place is not None:
            _place(p)
    if p.history or not p.ended:  # no empty chart after a failed start
        chart.plotly_chart(_loss_figure(p), width="stretch", key="loss_curve")


def ahead_text(n: int) -> str:
    """How many trainings are in line before a queued one, in words.

    >>> ahead_text(0), ahead_text(1), ahead_text(2)
    ('none ahead of yours', '1 training ahead of yours', '2 trainings ahead of yours')
    """
    return "none ahead of yours" if n == 0 else f"{n} training{'s' if n > 1 else ''} ahead of yours"


def _place(p: Progress) -> None:
    """The Ray node the training runs on, and (for a workshop host) where its worker and code were."""
    place = p.place
    st.caption(f"{'Trained' if p.ended else 'Training'} on node {place.label}.")
    with st.expander("Where this training ran"):
        st.markdown(f"- Ray node: `{place.ip}`, id `{place.node_id}`\n- Worker process: `{place.pid}`\n"
                    f"- `lstm_lab` loaded from: `{place.package}`")  # fmt: skip


def _loss_figure(p: Progress):
    """The loss chart, rebuilt only when an epoch has been added (polls are frequent, epochs are not)."""
    cached = st.session_state.get(LOSS_FIGURE)
    if cached is None or cached[0] != (len(p.history), p.epochs):
        cached = ((len(p.history), p.epochs), figures.loss_figure(list(p.history), p.epochs))
        st.session_state[LOSS_FIGURE] = cached
    return cached[1]
