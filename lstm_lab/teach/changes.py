"""What a setting change did to the shapes, and why, in one line.

The reasons are about Keras arguments, so the line teaches the argument: "return_sequences on
(layer 1): the output keeps the time axis (one vector per timestep), (None, 64) → (None, 20, 64)".
"""

from __future__ import annotations

import re

from lstm_lab.records import ShapeRow, format_shape

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


def describe_change(path: str, value, before: list[ShapeRow], after: list[ShapeRow]) -> str | None:
    """One line saying what a setting change did to the shapes, and why.

    >>> before = [ShapeRow("lstm_1", "LSTM", ((None, 64),), ("output",), ("batch × units",), 0, "")]
    >>> after = [ShapeRow("lstm_1", "LSTM", ((None, 20, 64),), ("output",), ("batch × timesteps × units",), 0, "")]
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


def _first_difference(before: list[ShapeRow], after: list[ShapeRow]) -> str | None:
    def fmt(shapes):
        text = [format_shape(s) for s in shapes]
        return text[0] if len(text) == 1 else "[" + ", ".join(text) + "]"

    def layers(rows):  # a Masking row that comes or goes would shift the others: it never changes a shape
        return [r.output_shapes for r in rows if r.kind != "Masking"]

    for old, new in zip(layers(before), layers(after), strict=False):
        if old != new:
            return f"{fmt(old)} → {fmt(new)}"
    return None


CHANGED_WORDS = {"dataset": "the dataset", "data": "the data settings", "model": "the model",
                 "train": "the training settings", "seed": "the seed"}  # fmt: skip


def changed_parts(before: dict, now: dict) -> list[str]:
    """The parts of a lab that differ, in words (each lab dict may carry a ``dataset`` identity too).

    >>> changed_parts({"seed": 0, "train": {"epochs": 2}}, {"seed": 1, "train": {"epochs": 2}})
    ['the seed']
    """
    return [words for key, words in CHANGED_WORDS.items() if now.get(key) != before.get(key)]


def stale_note(what: str, changed: list[str]) -> str | None:
    """A sentence saying ``what`` came from earlier settings, or None when nothing changed.

    >>> stale_note("These predictions", ["the model", "the seed"])
    'These predictions come from the last training; the model and the seed changed since. Train again for the \
current settings.'
    """
    if not changed:
        return None
    listed = changed[0] if len(changed) == 1 else ", ".join(changed[:-1]) + " and " + changed[-1]
    return f"{what} come from the last training; {listed} changed since. Train again for the current settings."
