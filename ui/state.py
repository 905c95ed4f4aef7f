"""Session state: the lab (the one source of truth), the upload and the training job, under named keys.

Every ``st.session_state`` key the app uses is named here. Settings live in plain keys, never only in
widgets (Streamlit deletes a widget's state when its page is not rendered); widget keys start with
``w.`` and are re-seeded from the lab whenever an edit changes what they show.
"""

from __future__ import annotations

import streamlit as st

from lstm_lab.data.dataset import Dataset
from lstm_lab.data.generate import generated
from lstm_lab.data.sources import dataset_for, generation_key
from lstm_lab.edits import Edit
from lstm_lab.errors import LstmLabError
from lstm_lab.presets import preset_lab
from lstm_lab.share import HIDEABLE, control_name, from_query, to_query
from lstm_lab.spec import DataSpec, LabSpec
from lstm_lab.teach.changes import changed_parts, stale_note

LAB = "lab"  # the LabSpec
LAB_DICT = "lab_dict"  # the same lab as a dict, made once per change, for widgets bound to paths
UPLOAD = "upload"  # the uploaded Dataset
UPLOAD_FILE = "upload_file"  # the file uploader widget
UPLOAD_PARSED = "upload_parsed"  # (file id, what reading it gave), so a rerun does not read it again
UPLOAD_IN_USE = "upload_in_use"  # (file id, NaN policy) of the upload in use
JOB = "job"  # the TrainingJob, or a lstm_lab.saved.SavedRun restored from the store
JOB_TIME = "job_time"  # x-axis values (dates) of the data the job trains on
JOB_LAB = "job_lab"  # what the job was started with: the lab dict and the dataset's identity
RUNS = "runs"  # run id → lstm_lab.saved.SavedRun: this browser's ended trainings, oldest first
NOTES = "notes"  # one line on what the last edit changed besides the setting itself
LAST_CHANGE = "last_change"  # (path, value) of the last setting change, for the Model page's what-changed line
PREV_ROWS = "prev_rows"  # the shape rows shown last, to compare with
SETTING_ERROR = "setting_error"  # the message of a setting that could not be applied
HIDDEN = "hidden"  # controls the link hides (instructor mode)
LINK_PROBLEMS = "link_problems"  # what the link asked for that could not be done
PRESET_CHOICE = "preset_choice"
INSTRUCTOR = "instructor_mode"  # the sidebar's instructor-mode expander: open or not
LINKED = "linked_lab"  # the lab dict the sidebar's instructor link was last drawn for
BROWSER = "browser_token"  # this browser's token (ui.persist keeps its work under it)
SET_COOKIE = "set_cookie"  # the cookie still has to be written
SAVED = "saved"  # what this session last wrote to the store or read from it, so a run writes only what changed
CELL = "cell"  # the Inside the cell page: its last trace, what it traced, and the picks to restore on return
WIDGET_PREFIX = "w."
WIDGET_VERSIONS = "widget_versions"  # widget name → (version, value shown): see widget_key
TYPED = "#typed"  # the key suffix of a setting's number box beside its slider


def init() -> None:
    """Create the session's state once, from the link it was opened with (preset, settings, hidden controls)."""
    if LAB in st.session_state:
        return
    params = st.query_params.to_dict()
    base, problems = None, []
    if "preset" in params:
        try:
            base = preset_lab(params["preset"])
            st.session_state[PRESET_CHOICE] = params["preset"]
        except LstmLabError as e:
            problems.append(e.message)
    lab, ignored = from_query(params, base)
    set_lab(LabSpec.from_dict(lab))
    asked = [h for h in params.get("hide", "").split(",") if h]
    unknown = [h for h in asked if h not in HIDEABLE]
    if unknown:
        problems.append(
            f"Ignored `hide` names that are no control: {', '.join(unknown)}. Known: {', '.join(HIDEABLE)}."
        )
    st.session_state[LINK_PROBLEMS] = problems + ignored
    st.session_state[HIDDEN] = {h for h in asked if h in HIDEABLE}
    from ui import persist  # imported here: persist reads and writes the keys named in this module

    persist.restore()


def sync_url() -> None:
    """Write the current lab into the address bar, so copying it shares the lab."""
    wanted = to_query(lab())
    if st.session_state.get(HIDDEN):
        wanted["hide"] = ",".join(sorted(st.session_state[HIDDEN]))
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def link_is_stale() -> bool:
    """True when the sidebar's instructor link is open and shows another lab than this one."""
    return bool(st.session_state.get(INSTRUCTOR)) and st.session_state.get(LINKED) != lab_dict()


def hidden(path: str) -> bool:
    """True when the link hides the control for ``path`` (instructor mode)."""
    return control_name(path) in st.session_state.get(HIDDEN, set())


def lab() -> LabSpec:
    """The current lab settings."""
    return st.session_state[LAB]


def lab_dict() -> dict:
    """The current lab settings as a dict (read-only: edits go through :func:`apply`)."""
    return st.session_state[LAB_DICT]


def set_lab(new: LabSpec) -> None:
    """Make ``new`` the lab; widgets that showed something else are drawn anew (see :func:`widget_key`)."""
    st.session_state[LAB] = new
    st.session_state[LAB_DICT] = new.to_dict()


def widget_key(name: str, shown) -> str:
    """The key of the widget ``name`` (``"model.layers.0.units"``), which must show ``shown``.

    ``w.<name>`` at first, ``w.<name>@<n>`` once the lab has changed what the widget must show, so the browser
    draws a new widget with the lab's value instead of keeping the old one. Moving the widget itself keeps
    its key, so the keyboard focus stays on it.
    """
    versions = st.session_state.setdefault(WIDGET_VERSIONS, {})
    version, before = versions.get(name, (0, shown))
    key = _versioned(name, version)
    if before != shown and key in st.session_state and st.session_state[key] != shown:
        version += 1
        key = _versioned(name, version)
    versions[name] = (version, shown)
    return key


def is_current(key: str) -> bool:
    """False for a widget that a newer one has replaced: after a section's own rerun the browser still
    reports the old one's value, which must change nothing."""
    name, _, version = key[len(WIDGET_PREFIX) :].partition("@")
    current = st.session_state.get(WIDGET_VERSIONS, {}).get(name, (0, None))[0]
    return int(version or 0) == current


def _versioned(name: str, version: int) -> str:
    return WIDGET_PREFIX + name + (f"@{version}" if version else "")


def redraw(key: str) -> None:
    """Draw the widget with this key anew on the next run, showing the lab's value (a refused change)."""
    name = key[len(WIDGET_PREFIX) :].split("@")[0]
    versions = st.session_state.setdefault(WIDGET_VERSIONS, {})
    version, shown = versions.get(name, (0, None))
    versions[name] = (version + 1, shown)


def apply(edit: Edit, change: tuple | None = None) -> None:
    """Make an edit's lab the lab, and show its notes on the next run.

    ``change`` is the ``(path, value)`` the user changed, for the Model page's what-changed line.
    """
    set_lab(edit.lab)
    if edit.notes:
        st.session_state[NOTES] = " ".join(edit.notes)
    if change is not None:
        st.session_state[LAST_CHANGE] = change


def take_notes() -> str | None:
    """The line on what the last edit changed, once."""
    return st.session_state.pop(NOTES, None)


def refuse_setting(message: str) -> None:
    """Remember the message of a setting that could not be applied, to show on the next run."""
    st.session_state[SETTING_ERROR] = message


def take_setting_error() -> str | None:
    return st.session_state.pop(SETTING_ERROR, None)


@st.cache_resource(max_entries=16, show_spinner=False)  # shared and never mutated: no copy per run
def _generated(key: tuple, seed: int) -> Dataset:
    source, rows, channels, noise, timesteps = key
    return generated(DataSpec(source=source, rows=rows, channels=channels, noise=noise, timesteps=max(timesteps, 1)),
                     seed)  # fmt: skip


def _cached(data: DataSpec, seed: int) -> Dataset:
    return _generated(generation_key(data), seed)


def dataset_of(spec: LabSpec) -> Dataset:
    """The dataset ``spec``'s data settings point to (this session's upload, or a cached built-in one).

    Raises:
        LstmLabError: the source is an upload and no file has been loaded.
    """
    return dataset_for(spec, st.session_state.get(UPLOAD), _cached)


def dataset() -> Dataset:
    """The dataset the current lab points to.

    Raises:
        LstmLabError: the source is an upload and no file has been loaded.
    """
    return dataset_of(lab())


def upload() -> Dataset | None:
    """This browser's uploaded dataset, if any."""
    return st.session_state.get(UPLOAD)


def runs() -> dict:
    """This browser's ended trainings, run id → :class:`~lstm_lab.saved.SavedRun`, oldest first."""
    return st.session_state.setdefault(RUNS, {})


def job():
    """The session's current training job, or None."""
    return st.session_state.get(JOB)


def set_job(new_job, data: Dataset) -> None:
    """Keep the session's training job, the x-axis of the data it trains on, and what it trains with."""
    st.session_state[JOB] = new_job
    st.session_state[JOB_TIME] = data.time if data.is_series else None
    st.session_state[JOB_LAB] = _trained_with(data)


def _trained_with(data: Dataset | None) -> dict:
    return {**lab_dict(), "dataset": None if data is None else (data.name, data.rows)}


def stale_results_note(what: str) -> str | None:
    """A sentence saying ``what`` came from earlier settings, or None when the settings are unchanged."""
    before = st.session_state.get(JOB_LAB)
    if before is None:
        return None
    try:
        data = dataset()
    except LstmLabError:
        data = None
    return stale_note(what, changed_parts(before, _trained_with(data)))


def job_time():
    """x-axis values (dates) of the data the current job trained on, or None for row numbers."""
    return st.session_state.get(JOB_TIME)
