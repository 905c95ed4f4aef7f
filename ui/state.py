"""Session state: the lab spec (the one source of truth), the loaded dataset and the training job.

Settings live in plain ``st.session_state`` keys, never only in widgets: Streamlit deletes a
widget's state when its page is not rendered.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from lstm_lab.data.dataset import Dataset
from lstm_lab.data.generate import generated
from lstm_lab.data.window import pick_columns
from lstm_lab.errors import LstmLabError
from lstm_lab.model.task import fit_model_to_task
from lstm_lab.presets import preset_lab
from lstm_lab.share import from_query, to_query
from lstm_lab.spec import DataSpec, LabSpec
from ui import persist

LAB = "lab"
WIDGET_PREFIX = "w."


# Controls an instructor's link may hide (``hide=units,bidirectional``).
HIDEABLE = [
    "source", "rows", "channels", "noise", "task", "columns", "target_mode", "timesteps", "horizon", "stride",
    "scaling", "padding", "layers", "units", "return_sequences", "bidirectional", "merge_mode", "return_state",
    "dropout", "head", "masking", "stateful", "epochs", "batch_size", "learning_rate", "loss", "seed",
]  # fmt: skip


def init() -> None:
    """Create the session's state once, from the link it was opened with (preset, settings, hidden controls)."""
    if LAB in st.session_state:
        return
    params = st.query_params.to_dict()
    base, problems = None, []
    if "preset" in params:
        try:
            base = preset_lab(params["preset"])
            st.session_state["preset_choice"] = params["preset"]
        except LstmLabError as e:
            problems.append(e.message)
    lab, ignored = from_query(params, base)
    st.session_state[LAB] = lab
    st.session_state["changes"] = []
    asked = [h for h in params.get("hide", "").split(",") if h]
    unknown = [h for h in asked if h not in HIDEABLE]
    if unknown:
        problems.append(
            f"Ignored `hide` names that are no control: {', '.join(unknown)}. Known: {', '.join(HIDEABLE)}."
        )
    st.session_state["link_problems"] = problems + ignored
    st.session_state["hidden"] = {h for h in asked if h in HIDEABLE}
    persist.restore()


def sync_url() -> None:
    """Write the current lab into the address bar, so copying it shares the lab."""
    wanted = to_query(lab())
    if st.session_state.get("hidden"):
        wanted["hide"] = ",".join(sorted(st.session_state["hidden"]))
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def hidden(path: str) -> bool:
    """True when the link hides the control for ``path`` (instructor mode)."""
    return control_name(path) in st.session_state.get("hidden", set())


def control_name(path: str) -> str:
    """The name a link uses to hide a control: ``model.layers.0.units`` → ``units``, ``model.head.units`` → ``head``."""
    parts = path.split(".")
    if parts[:2] == ["model", "head"]:
        return "head"
    return parts[-1]


def lab() -> LabSpec:
    """The current lab settings."""
    return LabSpec.from_dict(st.session_state[LAB])


def lab_dict() -> dict:
    return st.session_state[LAB]


def set_lab(new: dict, *, reseed_widgets: bool = True) -> LabSpec:
    """Replace the lab settings after checking them; widgets re-read their values.

    Raises:
        LstmLabError: the new settings are invalid (the old ones stay).
    """
    spec = LabSpec.from_dict(new)
    st.session_state[LAB] = spec.to_dict()
    if reseed_widgets:
        for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(WIDGET_PREFIX)]:
            del st.session_state[key]
    return spec


def note_change(text: str) -> None:
    """Remember a one-line explanation of what the last change did, shown on the next render."""
    st.session_state["changes"] = [text]


def take_changes() -> list[str]:
    changes, st.session_state["changes"] = st.session_state.get("changes", []), []
    return changes


@st.cache_resource(max_entries=16, show_spinner=False)  # shared and never mutated: no copy per run
def _generated(source: str, rows: int, channels: int, noise: float, timesteps: int, seed: int) -> Dataset:
    spec = DataSpec(source=source, rows=rows, channels=channels, noise=noise, timesteps=max(timesteps, 1))
    return generated(spec, seed)


def dataset() -> Dataset:
    """The dataset the lab's data settings point to.

    Raises:
        LstmLabError: the source is an upload and no file has been loaded.
    """
    return dataset_for(lab())


def dataset_for(spec: LabSpec) -> Dataset:
    d = spec.data
    if d.source == "upload":
        uploaded = st.session_state.get("upload")
        if uploaded is None:
            raise LstmLabError("No file has been uploaded yet: choose a CSV or NumPy file above.", field="data.source")
        if uploaded.missing_feature_axis and d.add_feature_axis:
            return replace(uploaded, X=uploaded.X[:, :, None])
        return uploaded
    steps = d.timesteps if d.source in ("trend", "frequency", "varlen") else 0
    return _generated(d.source, d.rows, d.channels, d.noise, steps, spec.seed)


def refit_model(new: dict) -> dict:
    """Give the model a head (and last layer, masking) that fits the new data settings' task."""
    try:
        spec = LabSpec.from_dict(new)
        data = dataset_for(spec)
        _, targets = pick_columns(data, spec.data)
    except LstmLabError:
        return new
    fitted, notes = fit_model_to_task(new, len(targets), class_count(data, targets[0]), data.lengths is not None)
    if notes:
        note_change(" ".join(notes))
    return fitted


def class_count(data: Dataset, target: str) -> int:
    """How many classes the labels hold (2 when unknown)."""
    if data.class_names:
        return len(data.class_names)
    if data.is_series and target in data.table:
        return max(2, int(data.table[target].nunique()))
    if data.y is not None:
        return max(2, len(np.unique(data.y)))
    return 2


def job():
    """The session's current training job, or None."""
    return st.session_state.get("job")


def set_job(new_job, data: Dataset) -> None:
    """Keep the session's training job, the x-axis of the data it trains on, and what it trains with."""
    st.session_state["job"] = new_job
    st.session_state["job_time"] = data.time if data.is_series else None
    st.session_state["job_lab"] = _trained_with(lab_dict(), data)


def _trained_with(lab: dict, data: Dataset | None) -> dict:
    return {**lab, "dataset": None if data is None else (data.name, data.rows)}


CHANGED_WORDS = {"dataset": "the dataset", "data": "the data settings", "model": "the model",
                 "train": "the training settings", "seed": "the seed"}  # fmt: skip


def stale_results_note(what: str) -> str | None:
    """A sentence saying ``what`` came from earlier settings, or None when the settings are unchanged."""
    changed = changed_since_training()
    if not changed:
        return None
    listed = changed[0] if len(changed) == 1 else ", ".join(changed[:-1]) + " and " + changed[-1]
    return f"{what} come from the last training; {listed} changed since. Train again for the current settings."


def changed_since_training() -> list[str]:
    """What differs from the settings the current job was started with, in words (empty: nothing)."""
    before = st.session_state.get("job_lab")
    if before is None:
        return []
    try:
        data = dataset()
    except LstmLabError:
        data = None
    now = _trained_with(lab_dict(), data)
    return [words for key, words in CHANGED_WORDS.items() if now.get(key) != before.get(key)]


def job_time():
    """x-axis values (dates) of the data the current job trained on, or None for row numbers."""
    return st.session_state.get("job_time")
