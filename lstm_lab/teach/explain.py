"""Plain words for the errors people really hit, each with the fixes that make the lab work again.

:func:`explain` picks the explanation by the error's ``code`` (see :mod:`lstm_lab.errors`), never by its
wording, and reads the numbers from the error's ``values``. A :class:`Fix` is data: dotted lab paths
and the values to set. Pages turn it into a button; :func:`lstm_lab.edits.apply_fix` applies it.

>>> from lstm_lab.spec import LabSpec
>>> lab = LabSpec.from_dict({"model": {"layers": [{"units": 64}, {"units": 32}]}})
>>> e = LstmLabError("Keras could not build layer `lstm_2`: …", code="no_time_axis", layer=1)
>>> explain(e, lab).fixes[0].changes
{'model.layers.0.return_sequences': True}
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from lstm_lab.data.pipeline import window_count
from lstm_lab.data.window import split_counts
from lstm_lab.errors import LstmLabError
from lstm_lab.limits import LIMITS
from lstm_lab.records import format_shape
from lstm_lab.spec import LabSpec


@dataclass(frozen=True)
class Fix:
    """A one-click change: ``label`` for the button, ``changes`` maps dotted lab paths to values."""

    label: str
    changes: dict


@dataclass(frozen=True)
class Explanation:
    """What went wrong in plain words, with the fixes that make it work."""

    title: str
    plain: str
    fixes: list[Fix] = field(default_factory=list)


def explain(error: LstmLabError, lab: LabSpec, rows: int | None = None) -> Explanation:
    """Explain ``error`` for the lab it came from (``rows``: the table's length, for window errors)."""
    rule = RULES.get(error.code)
    found = rule(error, lab, rows) if rule else None
    return found or Explanation("This setting does not work", error.message)


def _no_feature_axis(error, lab, rows):
    return Explanation(
        "The data has no features axis",
        f"An LSTM reads 3-D input: (samples, timesteps, features). This X is 2-D, (samples, "
        f'{error.values["timesteps"]}): each timestep holds one number, but the axis that says "1 feature" is '
        "missing, so Keras sees a 2-D array where it expects 3-D. In code the fix is `X = X.reshape(len(X), -1, 1)` "
        "(or `X[:, :, None]`).",
        [Fix("Add the features axis: reshape X to (samples, timesteps, 1)", {"data.add_feature_axis": True})],
    )


def _no_time_axis(error, lab, rows):
    prev = error.values["layer"]  # 1-based number of the layer before, which is also its 0-based index + 1
    return Explanation(
        "An LSTM is stacked on a layer that returns only its last step",
        f"Layer {prev + 1} is an LSTM, so it reads a 3-D sequence (batch, timesteps, features). "
        f"Layer {prev} has `return_sequences` off, so it hands over only its last output, a 2-D "
        f"(batch, units) tensor: there is no time axis left to read. Every LSTM that feeds another "
        "LSTM must return its whole sequence.",
        [Fix(f"Turn on return_sequences in layer {prev}", {f"model.layers.{prev - 1}.return_sequences": True})],
    )


def _several_inputs(error, lab, rows):
    prev = error.values["layer"] - 1  # the layer that hands out several tensors
    before = lab.model.layers[prev]
    receiver = "The Dense head" if error.values["layer"] == len(lab.model.layers) else f"Layer {prev + 2}"
    if before.bidirectional and before.merge_mode is None:
        return Explanation(
            "Two outputs go into a layer that takes one",
            f"Layer {prev + 1} is Bidirectional with `merge_mode=None`, so it returns the forward and "
            f"backward outputs as two separate tensors. {receiver} takes one tensor. Merge the two "
            "directions (concat puts them side by side: 2·units wide).",
            [_merge_fix(prev)],
        )
    return Explanation(
        "`return_state` in the middle of a stack",
        f"With `return_state` on, layer {prev + 1} returns {error.values['received']} tensors: its output and its "
        f"last states (h and c{', for each direction' if before.bidirectional else ''}). {receiver} takes one "
        "tensor, the sequence. Only the last layer can hand its states out as extra outputs here.",
        [Fix(f"Turn off return_state in layer {prev + 1}", {f"model.layers.{prev}.return_state": False})],
    )


def _per_timestep_output(error, lab, rows):
    last = len(lab.model.layers) - 1
    fixes = [Fix("Turn off return_sequences in the last layer", {f"model.layers.{last}.return_sequences": False})]
    if lab.data.task == "regression":
        fixes.append(Fix("Predict the whole sequence (seq2seq)", {"data.target_mode": "seq2seq"}))
    return Explanation(
        "The head predicts every timestep, the targets have one value per sample",
        "The last LSTM returns sequences, so the Dense head is applied at every timestep and the model "
        "outputs (batch, timesteps, units). Each sample's target is a single value (or vector), so "
        "Keras would compare shapes that don't match. " + error.message,
        fixes,
    )


def _sequence_targets(error, lab, rows):
    last = len(lab.model.layers) - 1
    return Explanation(
        "The targets are sequences, the model outputs one vector",
        error.message,
        [Fix("Turn on return_sequences in the last layer", {f"model.layers.{last}.return_sequences": True})],
    )


def _output_width(error, lab, rows):
    units = error.values["expected"]
    head = {**(lab.model.head.to_dict() if lab.model.head else {"units": 1, "activation": "linear"}), "units": units}
    if lab.model.head is None:  # no head at all: the last LSTM's units are the model's output width
        return Explanation(
            "The model's output does not match the targets",
            f"Without a Dense head the last LSTM's output is the prediction. The model outputs shape "
            f"{format_shape(error.values['output'])} but the targets need {format_shape(error.values['target'])}. "
            "A Dense head maps it to the width the targets need.",
            [Fix(f"Add a Dense({units}) head", {"model.head": head})],
        )
    return Explanation(
        "The head's width does not match the targets",
        error.message,
        [Fix(f"Set the head's units to {units}", {"model.head": head})],
    )


def _window_too_long(error, lab, rows):
    if rows is None:
        return None
    best = longest_window(rows, lab)
    if best < 1:
        return Explanation("The data is too short", error.message)
    return Explanation(
        "The window is longer than the data allows",
        f"Each sample needs `timesteps` + `horizon` consecutive rows, and the chronological split needs "
        f"enough samples for training, validation and test. {error.message} The longest window that leaves "
        f"samples for all three here is `timesteps`={best}.",
        [Fix(f"Set timesteps to {best}", {"data.timesteps": best})],
    )


def _stateful_bidirectional_state(error, lab, rows):
    layer = error.values["layer"]
    return Explanation(
        "Keras cannot return the states of a stateful Bidirectional LSTM",
        f"Layer {layer + 1} is Bidirectional, `stateful` and `return_state` at once; Keras 3 fails while "
        "building that combination (its message below is about Python internals, not your data). Drop one of "
        "the three.",
        [
            Fix(f"Turn off return_state in layer {layer + 1}", {f"model.layers.{layer}.return_state": False}),
            Fix("Turn stateful off", {"model.stateful": False}),
        ],
    )


def _two_outputs(error, lab, rows):
    last = error.values["layer"]
    plain = (
        f"Layer {last + 1} is Bidirectional with `merge_mode=None`, so the model ends in two tensors, the forward "
        "and the backward output. Keras builds that, but training compares one prediction with each target. "
        "Merge the two directions (concat puts them side by side: 2·units wide)."
    )
    return Explanation("Two outputs, one target", plain, [_merge_fix(last)])


def _merge_fix(index: int) -> Fix:
    return Fix(f"Set merge_mode to concat in layer {index + 1}", {f"model.layers.{index}.merge_mode": "concat"})


def _stateful_batch(error, lab, rows):
    sizes, batch = error.values["sizes"], error.values["batch_size"]
    common = math.gcd(*sizes)
    best = max(d for d in range(1, min(batch, common) + 1) if common % d == 0)
    names = ", ".join(f"{s:,}" for s in sizes)
    return Explanation(
        "A stateful LSTM needs batches that divide the data",
        f"With `stateful=True` the batch size is part of the model's input shape, so every batch must hold "
        f"exactly {batch} samples and state carries from one batch to the next. The splits have {names} "
        f"samples, which {batch} does not divide, so the last batch would be smaller and Keras fails "
        f"with incompatible shapes. {best} divides all of them.",
        [
            Fix(f"Set batch_size to {best}", {"train.batch_size": best}),
            Fix("Turn stateful off", {"model.stateful": False}),
        ],
    )


def _over_limit(error, lab, rows):
    """A number over the server's limit: offer the limit itself, when the setting is one number."""
    if error.field == "data.timesteps":
        return _window_too_long(error, lab, rows)
    if error.field is None or error.field.rsplit(".", 1)[-1] not in ("units", "epochs", "batch_size"):
        return None
    name = error.field.rsplit(".", 1)[-1]
    limit = error.values["limit"]
    return Explanation(
        "Over this server's limit", error.message, [Fix(f"Set {name} to {limit:,}", {error.field: limit})]
    )


RULES = {
    "no_feature_axis": _no_feature_axis,
    "no_time_axis": _no_time_axis,
    "several_inputs": _several_inputs,
    "per_timestep_output": _per_timestep_output,
    "sequence_targets": _sequence_targets,
    "output_width": _output_width,
    "window_too_long": _window_too_long,
    "too_few_samples": _window_too_long,
    "stateful_bidirectional_state": _stateful_bidirectional_state,
    "two_outputs": _two_outputs,
    "stateful_batch": _stateful_batch,
    "over_limit": _over_limit,
}


def longest_window(rows: int, lab: LabSpec, min_train: int = 20) -> int:
    """The longest ``timesteps`` leaving ``min_train`` training samples (or, for short data, any), else 0."""
    d = lab.data
    fits = []
    for t in range(min(rows, LIMITS.max_timesteps), 0, -1):
        try:
            n_train, _, _ = split_counts(window_count(rows, t, d.horizon, d.stride), d.val_fraction, d.test_fraction)
        except LstmLabError:
            continue
        if n_train >= min_train:
            return t
        fits.append(t)
    return fits[0] if fits else 0
