"""What else changes when a setting changes: every such rule, as a function from lab to lab.

Each edit takes the lab (and, where the data decides, ``dataset_of``: a function giving the dataset a
lab points to) and returns an :class:`Edit`: the new lab and the notes that tell the user what else
changed. Pages bind widgets to these functions and decide nothing themselves. To change what happens
when, say, the task changes, change :func:`_new_task` here.

>>> from lstm_lab.data.generate import generated
>>> def dataset_of(lab):
...     return generated(lab.data, lab.seed)
>>> edit = set_setting(LabSpec(), "data.source", "frequency", dataset_of)
>>> edit.lab.data.task, edit.lab.model.head
('multiclass', HeadSpec(units=3, activation='softmax'))
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lstm_lab.data.columns import class_count, pick_columns
from lstm_lab.data.sources import SOURCES
from lstm_lab.errors import LstmLabError
from lstm_lab.model.task import needs_sequences, suggested_head
from lstm_lab.presets import PRESETS, preset_lab
from lstm_lab.spec import LabSpec, set_path
from lstm_lab.teach.explain import Fix


@dataclass(frozen=True)
class Edit:
    """A new lab, and one sentence per thing that changed besides the setting itself."""

    lab: LabSpec
    notes: tuple[str, ...] = ()


def set_setting(lab: LabSpec, path: str, value, dataset_of) -> Edit:
    """Set the setting at ``path`` (``"model.layers.0.units"``) and apply the rule that follows it, if any.

    Raises:
        LstmLabError: the value is invalid (the lab is unchanged).
    """
    new = LabSpec.from_dict(set_path(lab.to_dict(), path, value))
    rule = RULES.get(path)
    return rule(new, dataset_of) if rule else Edit(new)


def _new_source(lab: LabSpec, dataset_of) -> Edit:
    """A new source has other columns and its own task: reset both, and refit the head."""
    data = replace(lab.data, features=[], targets=[], task=SOURCES[lab.data.source].task, target_mode="next")
    return fit_to_task(replace(lab, data=data, train=replace(lab.train, loss="auto")), dataset_of)


def _new_channels(lab: LabSpec, dataset_of) -> Edit:
    """Other channels are other columns: the default columns again, and the head refitted."""
    return fit_to_task(replace(lab, data=replace(lab.data, features=[], targets=[])), dataset_of)


def _new_task(lab: LabSpec, dataset_of) -> Edit:
    """Another task predicts another target with another loss; classification predicts the next label."""
    mode = lab.data.target_mode if lab.data.task == "regression" else "next"
    data = replace(lab.data, targets=[], target_mode=mode)
    return fit_to_task(replace(lab, data=data, train=replace(lab.train, loss="auto")), dataset_of)


def set_columns(lab: LabSpec, features: list[str], targets: list[str], dataset_of) -> Edit:
    """Choose the input and target columns; the head follows the number of targets."""
    return fit_to_task(replace(lab, data=replace(lab.data, features=list(features), targets=list(targets))),
                       dataset_of)  # fmt: skip


def after_upload(lab: LabSpec, dataset_of) -> Edit:
    """A file was loaded: it becomes the source, with its own columns; a series is a regression to start."""
    upload = dataset_of(replace(lab, data=replace(lab.data, source="upload")))
    task = "regression" if upload.is_series else lab.data.task
    data = replace(lab.data, source="upload", features=[], targets=[], task=task, target_mode="next")
    return fit_to_task(replace(lab, data=data), dataset_of)


def fit_to_task(lab: LabSpec, dataset_of) -> Edit:
    """Give the model the head (and last layer, masking) its data's task needs; say what changed.

    The user can still change everything afterwards; this only gives each task a sensible start.
    A lab whose data cannot be read yet is left as it is.
    """
    try:
        data = dataset_of(lab)
        _, targets = pick_columns(data, lab.data)
    except LstmLabError:
        return Edit(lab)
    d, model = lab.data, lab.to_dict()["model"]
    notes = []
    head = suggested_head(d.task, d.target_mode, len(targets), d.horizon, class_count(data, targets[0]))
    if model["head"] != head:
        notes.append(f"Head set to Dense({head['units']}, activation={head['activation']!r}) for this task.")
    model["head"] = head
    wants_sequences = needs_sequences(d.task, d.target_mode)
    if model["layers"][-1]["return_sequences"] != wants_sequences:
        model["layers"][-1]["return_sequences"] = wants_sequences
        notes.append(f"Last LSTM layer: return_sequences={wants_sequences} so the output matches the targets.")
    if data.lengths is not None and not model["masking"]:
        model["masking"] = True
        notes.append("Masking turned on: padded steps are skipped instead of read as real zeros.")
    return Edit(replace(lab, model=LabSpec.from_dict({**lab.to_dict(), "model": model}).model), tuple(notes))


def resize_stack(lab: LabSpec, n: int) -> Edit:
    """Stack ``n`` LSTM layers; every layer that feeds another returns sequences, and what the stack hands
    to the head stays the same (the old last layer's ``return_sequences`` and ``return_state``)."""
    layers = [layer.to_dict() for layer in lab.model.layers]
    top = dict(layers[-1])
    while len(layers) < n:
        layers.append({**layers[-1], "return_state": False})
    layers = layers[:n]
    notes = set()
    for layer in layers[:-1]:
        if not layer["return_sequences"]:
            notes.add("Layers that feed another LSTM now return sequences (`return_sequences` on).")
        if layer["return_state"]:
            notes.add("Only the last layer can return its states: `return_state` moved to the new last layer.")
        layer["return_sequences"] = True
        layer["return_state"] = False
    layers[-1]["return_sequences"], layers[-1]["return_state"] = top["return_sequences"], top["return_state"]
    stacked = f"{n} LSTM layer{'s' * (n > 1)} stacked: each one reads the sequence the layer below returns."
    new = LabSpec.from_dict(set_path(lab.to_dict(), "model.layers", layers))
    return Edit(new, (stacked, *sorted(notes)))


def set_head(lab: LabSpec, on: bool) -> Edit:
    """Add a ``Dense(1)`` output head, or remove the head."""
    head = {"units": 1, "activation": "linear"} if on else None
    note = ("Output head on: a Dense layer turns the last LSTM output into the prediction." if on
            else "Output head off: the last LSTM output is the model's output.")  # fmt: skip
    return Edit(LabSpec.from_dict(set_path(lab.to_dict(), "model.head", head)), (note,))


def apply_fix(lab: LabSpec, fix: Fix) -> Edit:
    """The lab with a fix's changes made.

    Raises:
        LstmLabError: a change is not a valid setting.
    """
    new = lab.to_dict()
    for path, value in fix.changes.items():
        new = set_path(new, path, value)
    return Edit(LabSpec.from_dict(new), (f"Applied: {fix.label}.",))


def load_preset(name: str, seed: int) -> Edit:
    """Preset ``name``'s lab, keeping the seed, with the preset's one sentence of context.

    Raises:
        LstmLabError: no preset has that name.
    """
    lab = LabSpec.from_dict(preset_lab(name, seed=seed))
    return Edit(lab, (f"Preset loaded: {PRESETS[name]['title']}. {PRESETS[name]['context']}",))


RULES = {
    "data.source": _new_source,
    "data.channels": _new_channels,
    "data.task": _new_task,
    "data.target_mode": fit_to_task,
    "data.horizon": fit_to_task,
}
