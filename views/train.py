"""Train page: fit the model in its own worker and watch the loss curves update live."""

import streamlit as st

from ui import state, training
from ui.section import section
from ui.widgets import setting_error

st.title("Train")
st.caption("Each training runs in its own Keras worker; switch pages freely, it keeps going.")


@section
def training_settings() -> None:
    """Epochs, batch size, learning rate, loss and seed: a change reruns this section alone."""
    setting_error()
    training.settings_section()
    note = state.stale_results_note("The curves below")
    if note:
        st.caption(note)


training_settings()
job = state.job()
running = job is not None and not job.ended
training.buttons(running)


@st.fragment(run_every=training.POLL_SECONDS if running else None)
def live_progress() -> None:
    job = state.job()
    if job is None:
        st.info("Press **Train** to fit the model from the Model page on the data from the Data page.")
        return
    training.progress_section(job.progress())
    if running and job.ended:
        st.rerun()


live_progress()
