"""Plain words for what Keras says, and one-click fixes for the errors people really hit.

A :class:`Fix` is data: dotted paths in the lab dict and the values to set. Pages turn it into a
button; tests apply it with :func:`apply_fix`.

>>> from lstm_lab.spec import LabSpec
>>> lab = LabSpec.from_dict({"model": {"layers": [{"units": 64}, {"units": 32}]}})
>>> e = LstmLabError("...", field="lstm_2", keras_message="... expected ndim=3, found ndim=2 ...")
>>> explain(e, lab).fixes[0].changes
{'model.layers.0.return_sequences': True}
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from lstm_lab.data.window import split_counts, window_count
from lstm_lab.errors import LstmLabError
from lstm_lab.spec import LabSpec, set_path


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


def apply_fix(lab: dict, fix: Fix) -> dict:
    """The lab dict with the fix's changes made."""
    for path, value in fix.changes.items():
        lab = set_path(lab, path, value)
    return lab


def explain(error: LstmLabError, lab: LabSpec, rows: int | None = None) -> Explanation:
    """Explain ``error`` for the lab it came from (``rows``: the table length, for window errors)."""
    text = error.keras_message or error.message
    layer = _layer_index(error.field)
    rules = (_no_feature_axis, _no_sequences, _too_many_inputs, _per_timestep_head, _head_width, _window_too_long,
             _stateful_bidi_state)  # fmt: skip
    for rule in rules:
        found = rule(error, text, layer, lab, rows)
        if found is not None:
            return found
    return Explanation("This setting does not work", error.message)


def _layer_index(name: str | None) -> int | None:
    """0-based LSTM layer index from a Keras layer name like ``lstm_2`` or ``bidirectional_2``."""
    m = re.fullmatch(r"(?:lstm|bidirectional)_(\d+)", name or "")
    return int(m.group(1)) - 1 if m else None


def _no_feature_axis(error, text, layer, lab, rows):
    found = re.search(r"expected ndim=3, found ndim=2. Full shape received: \(None, (\d+)\)", text)
    if layer != 0 or not found:
        return None
    return Explanation(
        "The data has no features axis",
        f"An LSTM reads 3-D input: (samples, timesteps, features). This X is 2-D, (samples, {found.group(1)}): "
        'each timestep holds one number, but the axis that says "1 feature" is missing, so Keras sees a 2-D '
        "array where it expects 3-D. In code the fix is `X = X.reshape(len(X), -1, 1)` (or `X[:, :, None]`).",
        [Fix("Add the features axis: reshape X to (samples, timesteps, 1)", {"data.add_feature_axis": True})],
    )


def _no_sequences(error, text, layer, lab, rows):
    if "expected ndim=3, found ndim=2" not in text or not layer:
        return None
    prev = layer  # 1-based number of the layer before, which is also its 0-based index + 1
    return Explanation(
        "An LSTM is stacked on a layer that returns only its last step",
        f"Layer {layer + 1} is an LSTM, so it reads a 3-D sequence (batch, timesteps, features). "
        f"Layer {prev} has `return_sequences` off, so it hands over only its last output, a 2-D "
        f"(batch, units) tensor: there is no time axis left to read. Every LSTM that feeds another "
        "LSTM must return its whole sequence.",
        [Fix(f"Turn on return_sequences in layer {prev}", {f"model.layers.{prev - 1}.return_sequences": True})],
    )


def _too_many_inputs(error, text, layer, lab, rows):
    m = re.search(r"expects 1 input\(s\), but it received (\d+) input tensors", text)
    if not m:
        return None
    received = int(m.group(1))
    prev = len(lab.model.layers) - 1 if error.field == "head" else (layer or 1) - 1
    before = lab.model.layers[prev]
    receiver = "The Dense head" if error.field == "head" else f"Layer {prev + 2}"
    if before.bidirectional and before.merge_mode is None:
        return Explanation(
            "Two outputs go into a layer that takes one",
            f"Layer {prev + 1} is Bidirectional with `merge_mode=None`, so it returns the forward and "
            f"backward outputs as two separate tensors. {receiver} takes one tensor. Merge the two "
            "directions (concat puts them side by side: 2·units wide).",
            [Fix(f"Set merge_mode to concat in layer {prev + 1}", {f"model.layers.{prev}.merge_mode": "concat"})],
        )
    return Explanation(
        "`return_state` in the middle of a stack",
        f"With `return_state` on, layer {prev + 1} returns {received} tensors: its output and its last "
        f"states (h and c{', for each direction' if before.bidirectional else ''}). {receiver} takes one "
        "tensor, the sequence. Only the last layer can hand its states out as extra outputs here.",
        [Fix(f"Turn off return_state in layer {prev + 1}", {f"model.layers.{prev}.return_state": False})],
    )


def _per_timestep_head(error, text, layer, lab, rows):
    if "one prediction per timestep" in text:
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
    if "the targets are sequences" in text:
        last = len(lab.model.layers) - 1
        return Explanation(
            "The targets are sequences, the model outputs one vector",
            error.message,
            [Fix("Turn on return_sequences in the last layer", {f"model.layers.{last}.return_sequences": True})],
        )
    return None


def _head_width(error, text, layer, lab, rows):
    m = re.search(r"Set the head's `units` to (\d+)", text)
    if not m:
        return None
    units = int(m.group(1))
    if lab.model.head is None:  # no head at all: the last LSTM's units are the model's output width
        return Explanation(
            "The model's output does not match the targets",
            f"Without a Dense head the last LSTM's output is the prediction. {error.message.split(' Set ')[0]} "
            "A Dense head maps it to the width the targets need.",
            [Fix(f"Add a Dense({units}) head", {"model.head": {**_head(lab), "units": units}})],
        )
    return Explanation(
        "The head's width does not match the targets",
        error.message,
        [Fix(f"Set the head's units to {units}", {"model.head": {**_head(lab), "units": units}})],
    )


def _head(lab: LabSpec) -> dict:
    return lab.model.head.to_dict() if lab.model.head else {"units": 1, "activation": "linear"}


def _window_too_long(error, text, layer, lab, rows):
    if error.field != "data.timesteps" or rows is None:
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


def _stateful_bidi_state(error, text, layer, lab, rows):
    if not lab.model.stateful or layer is None or not lab.model.layers[layer].bidirectional:
        return None
    if not lab.model.layers[layer].return_state:
        return None
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


def longest_window(rows: int, lab: LabSpec, min_train: int = 20) -> int:
    """The longest ``timesteps`` leaving ``min_train`` training samples (or, for short data, any), else 0."""
    d = lab.data
    fits = []
    for t in range(min(rows, 500), 0, -1):
        try:
            n_train, _, _ = split_counts(window_count(rows, t, d.horizon, d.stride), d.val_fraction, d.test_fraction)
        except LstmLabError:
            continue
        if n_train >= min_train:
            return t
        fits.append(t)
    return fits[0] if fits else 0


def two_outputs_problem(lab: LabSpec) -> Explanation | None:
    """Explain a model whose last layer hands out two outputs (Bidirectional, ``merge_mode=None``) and no head.

    Keras builds it, but one target cannot be compared with two outputs, so training would fail.
    """
    last = len(lab.model.layers) - 1
    layer = lab.model.layers[last]
    if lab.model.head is not None or not layer.bidirectional or layer.merge_mode is not None:
        return None
    return Explanation(
        "Two outputs, one target",
        f"Layer {last + 1} is Bidirectional with `merge_mode=None`, so the model ends in two tensors, the "
        "forward and the backward output. Keras builds that, but training compares one prediction with each "
        "target. Merge the two directions (concat puts them side by side: 2·units wide).",
        [Fix(f"Set merge_mode to concat in layer {last + 1}", {f"model.layers.{last}.merge_mode": "concat"})],
    )


def stateful_batch_problem(split_sizes: tuple[int, int, int], batch_size: int) -> Explanation | None:
    """Explain a stateful model's fixed batch that does not divide every split."""
    sizes = [s for s in split_sizes if s]
    if all(s % batch_size == 0 for s in sizes):
        return None
    common = math.gcd(*sizes)
    best = max(d for d in range(1, min(batch_size, common) + 1) if common % d == 0)
    names = ", ".join(f"{s:,}" for s in sizes)
    return Explanation(
        "A stateful LSTM needs batches that divide the data",
        f"With `stateful=True` the batch size is part of the model's input shape, so every batch must hold "
        f"exactly {batch_size} samples and state carries from one batch to the next. The splits have {names} "
        f"samples, which {batch_size} does not divide, so the last batch would be smaller and Keras fails "
        f"with incompatible shapes. {best} divides all of them.",
        [
            Fix(f"Set batch_size to {best}", {"train.batch_size": best}),
            Fix("Turn stateful off", {"model.stateful": False}),
        ],
    )


_REASONS = {
    ("return_sequences", True): "the output keeps the time axis (one vector per timestep)",
    ("return_sequences", False): "the output keeps only the last timestep",
    ("return_state", True): "the last hidden state h and cell state c become extra outputs",
    ("return_state", False): "the state outputs are gone",
    ("bidirectional", True): "a second LSTM reads the sequence backwards; merge_mode combines both",
    ("bidirectional", False): "one direction only",
    ("merge_mode", "concat"): "both directions side by side: 2·units wide",
    ("merge_mode", "sum"): "both directions added element-wise: units wide",
    ("merge_mode", "mul"): "both directions multiplied element-wise: units wide",
    ("merge_mode", "ave"): "both directions averaged element-wise: units wide",
    ("merge_mode", None): "forward and backward come out as two separate tensors",
    ("masking", True): "a Masking layer marks all-zero steps as padding; shapes stay the same",
    ("masking", False): "no Masking layer: padded steps count like any other; shapes stay the same",
    ("stateful", True): "the batch size becomes part of the input shape",
    ("stateful", False): "the batch is free again (None) and state resets after every batch",
}
_GENERAL = {
    "units": "`units` is the last dimension of the layer's output",
    "timesteps": "`timesteps` is the input's time axis",
    "channels": "each channel is a feature: the input's last dimension",
    "dropout": "dropout only zeroes inputs while training; no shape changes",
    "activation": "the activation changes values, not shapes",
}


def describe_change(path: str, value, before: list[dict], after: list[dict]) -> str | None:
    """One line saying what a setting change did to the shapes, and why.

    >>> before = [{"layer": "lstm_1", "output_shapes": [(None, 64)]}]
    >>> after = [{"layer": "lstm_1", "output_shapes": [(None, 20, 64)]}]
    >>> line = describe_change("model.layers.0.return_sequences", True, before, after)
    >>> line.startswith("return_sequences on (layer 1): the output keeps the time axis")
    True
    >>> line.endswith("(None, 64) → (None, 20, 64)")
    True
    """
    name = path.rsplit(".", 1)[-1]
    shown = {True: "on", False: "off"}.get(value, value) if isinstance(value, bool) or value is None else value
    where = _where(path)
    reason = _REASONS.get((name, value)) or _GENERAL.get(name)
    if reason is None:
        return None
    change = _first_difference(before, after)
    head = f"{name} {'None' if shown is None else shown}{where}: {reason}"
    return f"{head}, {change}" if change else head


def _where(path: str) -> str:
    m = re.match(r"model\.layers\.(\d+)\.", path)
    if m:
        return f" (layer {int(m.group(1)) + 1})"
    return " (head)" if path.startswith("model.head") else ""


def _first_difference(before: list[dict], after: list[dict]) -> str | None:
    def fmt(shapes):
        text = [("(" + ", ".join("None" if d is None else str(d) for d in s) + ")") for s in shapes]
        return text[0] if len(text) == 1 else "[" + ", ".join(text) + "]"

    def layers(rows):  # a Masking row that comes or goes would shift the others: it never changes a shape
        return [[tuple(s) for s in r["output_shapes"]] for r in rows if r.get("kind") != "Masking"]

    for old, new in zip(layers(before), layers(after), strict=False):
        if old != new:
            return f"{fmt(old)} → {fmt(new)}"
    return None
