"""What each task implies: the head that fits it, its loss and metrics.

>>> suggested_head("multiclass", "next", n_targets=1, horizon=1, n_classes=3)
{'units': 3, 'activation': 'softmax'}
"""

from __future__ import annotations

from lstm_lab.errors import LstmLabError

DEFAULT_LOSS = {"regression": "mse", "binary": "binary_crossentropy", "multiclass": "sparse_categorical_crossentropy"}
METRICS = {"regression": ["mae"], "binary": ["accuracy"], "multiclass": ["accuracy"]}
LOSSES_FOR = {
    "regression": ("mse", "mae", "huber"),
    "binary": ("binary_crossentropy",),
    "multiclass": ("sparse_categorical_crossentropy",),
}


def loss_for(task: str, loss: str = "auto") -> tuple[str, list[str]]:
    """The Keras loss and metrics for ``task``; ``loss="auto"`` picks the usual one.

    Raises:
        LstmLabError: the loss does not fit the task.
    """
    chosen = DEFAULT_LOSS[task] if loss == "auto" else loss
    if chosen not in LOSSES_FOR[task]:
        raise LstmLabError(
            f"Loss `{chosen}` does not fit a {task} task; use one of {', '.join(LOSSES_FOR[task])} (or auto).",
            field="train.loss",
        )
    return chosen, METRICS[task]


def suggested_head(task: str, target_mode: str, n_targets: int, horizon: int, n_classes: int = 2) -> dict:
    """The Dense head that produces one prediction of the right shape per sample (or per step)."""
    if task == "binary":
        return {"units": 1, "activation": "sigmoid"}
    if task == "multiclass":
        return {"units": n_classes, "activation": "softmax"}
    units = n_targets * horizon if target_mode == "next_k" else n_targets
    return {"units": units, "activation": "linear"}


def needs_sequences(target_mode: str) -> bool:
    """True when the last LSTM must return sequences (a prediction for every timestep)."""
    return target_mode == "seq2seq"


def fit_model_to_task(lab: dict, n_targets: int, n_classes: int, variable_length: bool) -> tuple[dict, list[str]]:
    """Adjust a lab dict's head (and last layer, masking) to its data's task; say what changed.

    The user can still change everything afterwards; this only gives each task a sensible start.
    """
    data, model = lab["data"], {**lab["model"]}
    layers = [dict(layer) for layer in model["layers"]]
    notes = []
    head = suggested_head(data["task"], data["target_mode"], n_targets, data["horizon"], n_classes)
    if model.get("head") != head:
        notes.append(f"Head set to Dense({head['units']}, activation={head['activation']!r}) for this task.")
    model["head"] = head
    wants_sequences = needs_sequences(data["target_mode"]) and data["task"] == "regression"
    if layers[-1]["return_sequences"] != wants_sequences:
        layers[-1]["return_sequences"] = wants_sequences
        notes.append(f"Last LSTM layer: return_sequences={wants_sequences} so the output matches the targets.")
    if variable_length and not model.get("masking"):
        model["masking"] = True
        notes.append("Masking turned on: padded steps are skipped instead of read as real zeros.")
    model["layers"] = layers
    return {**lab, "model": model}, notes


def check_targets(output_shape: tuple, y_shape: tuple, task: str = "regression", n_classes: int = 2) -> None:
    """Raise when the model's output cannot be compared with the targets.

    Args:
        output_shape: The model's main output shape, batch first.
        y_shape: The targets' shape, samples first (labels: ``(samples,)``).

    Raises:
        LstmLabError: the output's rank or width does not fit the task's targets.
    """
    out = tuple(output_shape[1:])
    if task == "regression":
        want = tuple(y_shape[1:])
    else:
        want = (1,) if task == "binary" else (n_classes,)
    if out == want:
        return
    if len(out) == 2 and len(want) == 1:
        raise LstmLabError(
            f"The model outputs one prediction per timestep, shape (None, {out[0]}, {out[1]}), but each "
            f"sample has one target of shape {want}. Turn `return_sequences` off on the last LSTM layer"
            + (", or predict a sequence (target mode seq2seq)." if task == "regression" else "."),
            field="model.return_sequences",
        )
    if len(out) == 1 and len(want) == 2:
        raise LstmLabError(
            f"The model outputs one vector per sample, shape (None, {out[0]}), but the targets are sequences "
            f"of shape {want}. Turn `return_sequences` on for the last LSTM layer.",
            field="model.return_sequences",
        )
    what = {"binary": "a binary task needs", "multiclass": f"{want[-1]} classes need"}.get(task, "the targets need")
    raise LstmLabError(
        f"The model outputs shape (None, {', '.join(map(str, out))}) but {what} "
        f"(None, {', '.join(map(str, want))}). Set the head's `units` to {want[-1]}.",
        field="model.head.units",
    )
