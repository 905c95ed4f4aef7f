"""Export page: a standalone Keras script, the trained model, its history and predictions."""

import streamlit as st

from lstm_lab.errors import LstmLabError
from lstm_lab.export.files import data_file, history_csv, predictions_csv
from lstm_lab.export.script import script
from ui import cell, render, state

st.title("Export")
st.caption("Leave with code and a model that reproduce what you saw.")

lab = state.lab()
try:
    dataset = state.dataset()
    code = script(lab, dataset)
except LstmLabError as e:
    render.error(e, "Fix the data first (Data page)")
    st.stop()

st.subheader("A standalone Keras script")
st.markdown(
    "It rebuilds the same data pipeline (data, windows, split, scaling fitted on the training part) and "
    "the same model, prints each layer's output shapes and parameters as the Model page does, then trains "
    "with the same seed and saves the model. Run `python lstm_lab_model.py --shapes` to print the shapes only, "
    "`--trace` to print a sample's gates and states."
)
st.download_button("Download lstm_lab_model.py", code, file_name="lstm_lab_model.py", mime="text/x-python",
                   type="primary", key="download_script")  # fmt: skip
if lab.data.source == "upload":
    name, data, mime = data_file(dataset)
    st.download_button(f"Download {name} (put it beside the script)", data, file_name=name, mime=mime,
                       key="download_data")  # fmt: skip
with st.expander("Show the script", expanded=False):
    st.code(code, language="python", line_numbers=True)

st.subheader("Inside the cell: one sample's gates and states")
cell.trace_download(dataset)

st.subheader("The trained model and its results")
job = state.job()
final = job.progress() if job is not None and job.ended else None
if final is None or not final.model_bytes:
    st.info("Train a model on the **Train** page (and let it finish or stop it) to download it here.")
    st.stop()
note = state.stale_results_note("The model, history and predictions below")
if note:
    st.warning(note + " (The script above always follows the current settings.)")
a, b, c = st.columns(3)
a.download_button("Model (.keras)", final.model_bytes, file_name="lstm_lab_model.keras",
                  mime="application/octet-stream", key="download_model")  # fmt: skip
b.download_button("Training history (CSV)", history_csv(list(final.history)), file_name="lstm_lab_history.csv",
                  mime="text/csv", key="download_history", disabled=not final.history)  # fmt: skip
if final.predictions:
    c.download_button("Predictions (CSV)", predictions_csv(final.predictions, state.job_time()),
                      file_name="lstm_lab_predictions.csv", mime="text/csv", key="download_predictions")  # fmt: skip
st.caption("Load the model with `keras.saving.load_model(\"lstm_lab_model.keras\")`. Charts download as PNG "
           "from the camera icon in each chart's toolbar.")  # fmt: skip
