"""What each task asks of the model: the head that fits it, its loss and metrics, and why a model does not fit.

>>> suggested_head("multiclass", "next", n_targets=1, horizon=1, n_classes=3)
{'units': 3, 'activation': 'softmax'}
"""

from __future__ import annotations

from lstm_lab.errors import LstmLabError
from lstm_lab.records import format_shape
from lstm_lab.spec import LabSpec

DEFAULT_LOSS = {"regression": "mse", "binary": "binary_crossentropy", "multiclass": "sparse_categorical_crossentropy"}
METRICS = {"regression": ["mae"], "binary": ["accuracy"], "multiclass": ["accuracy"]}
LOSSES_FOR = {
    "regression": ("mse", "mae", "huber"),
    "binary": ("binary_crossentropy",),
    "multiclass": ("sparse_categorical_crossentropy",),
}


def loss_for(task: str, loss: str = "auto") -> tuple[str, list[str]]:
    """The Keras loss and metrics for ``task``; ``loss="auto"`` picks the usual one.

    >>> loss_for("binary")
    ('binary_crossentropy', ['accuracy'])

    Raises:
        LstmLabError: the loss does not fit the task (code ``loss_task_mismatch``).
    """
    chosen = DEFAULT_LOSS[task] if loss == "auto" else loss
    if chosen not in LOSSES_FOR[task]:
        raise LstmLabError(
            f"Loss `{chosen}` does not fit a {task} task; use one of {', '.join(LOSSES_FOR[task])} (or auto).",
            code="loss_task_mismatch", field="train.loss", task=task,
        )  # fmt: skip
    return chosen, METRICS[task]


def suggested_head(task: str, target_mode: str, n_targets: int, horizon: int, n_classes: int = 2) -> dict:
    """The Dense head that produces one prediction of the right shape per sample (or per step)."""
    if task == "binary":
        return {"units": 1, "activation": "sigmoid"}
    if task == "multiclass":
        return {"units": n_classes, "activation": "softmax"}
    units = n_targets * horizon if target_mode == "next_k" else n_targets
    return {"units": units, "activation": "linear"}


def needs_sequences(task: str, target_mode: str) -> bool:
    """True when the last LSTM must return sequences (a regression prediction for every timestep)."""
    return task == "regression" and target_mode == "seq2seq"


def fit_problems(
    lab: LabSpec, output_shape: tuple, y_shape: tuple | None, splits: tuple[int, int, int], n_classes: int = 2
) -> list[LstmLabError]:
    """Every reason the model cannot train on the data, each an error with a code (empty: it can).

    The Model page shows them before training; training raises the first.

    Args:
        lab: The lab settings.
        output_shape: The model's main output shape, batch first.
        y_shape: The targets' shape, samples first (``None``: no targets, nothing to compare).
        splits: Training, validation and test sample counts.
        n_classes: Classes of a classification task.

    Codes: ``two_outputs`` (a Bidirectional last layer with ``merge_mode=None`` and no head),
    ``per_timestep_output``, ``sequence_targets``, ``output_width`` (see :func:`check_targets`) and
    ``stateful_batch`` (a fixed batch that does not divide every split).
    """
    problems = []
    last = len(lab.model.layers) - 1
    top = lab.model.layers[last]
    if lab.model.head is None and top.bidirectional and top.merge_mode is None:
        problems.append(
            LstmLabError(
                "With `merge_mode`=None and no head the model has two outputs (forward and backward), "
                "so there is no single prediction to train. Add a head or choose a merge_mode.",
                code="two_outputs", field=f"model.layers.{last}.merge_mode", layer=last,
            )
        )  # fmt: skip
    elif y_shape is not None:
        try:
            check_targets(output_shape, y_shape, lab.data.task, n_classes, last)
        except LstmLabError as e:
            problems.append(e)
    batch = lab.train.batch_size
    sizes = [s for s in splits if s]
    if lab.model.stateful and any(s % batch for s in sizes):
        problems.append(
            LstmLabError(
                f"With `stateful` on, every batch must hold exactly {batch} samples, but {batch} does not divide "
                f"the splits ({', '.join(f'{s:,}' for s in sizes)}).",
                code="stateful_batch", field="train.batch_size", sizes=sizes, batch_size=batch,
            )
        )  # fmt: skip
    return problems


def check_targets(output_shape: tuple, y_shape: tuple, task: str = "regression", n_classes: int = 2,
                  last_layer: int = 0) -> None:  # fmt: skip
    """Raise when the model's output cannot be compared with the targets.

    Args:
        output_shape: The model's main output shape, batch first.
        y_shape: The targets' shape, samples first (labels: ``(samples,)``).
        last_layer: 0-based index of the last LSTM layer, named in the error's ``field``.

    Raises:
        LstmLabError: the output's rank or width does not fit the task's targets. Codes:
            ``per_timestep_output`` (the output keeps the time axis, the targets do not),
            ``sequence_targets`` (the reverse) and ``output_width`` (``expected`` holds the width).
    """
    out = tuple(output_shape[1:])
    want = tuple(y_shape[1:]) if task == "regression" else (1,) if task == "binary" else (n_classes,)
    if out == want:
        return
    shapes = dict(output=(None, *out), target=(None, *want), task=task)
    sequences = f"model.layers.{last_layer}.return_sequences"
    if len(out) == 2 and len(want) == 1:
        raise LstmLabError(
            f"The model outputs one prediction per timestep, shape {format_shape((None, *out))}, but each "
            f"sample has one target of shape {want}. Turn `return_sequences` off on the last LSTM layer"
            + (", or predict a sequence (target mode seq2seq)." if task == "regression" else "."),
            code="per_timestep_output", field=sequences, **shapes,
        )  # fmt: skip
    if len(out) == 1 and len(want) == 2:
        raise LstmLabError(
            f"The model outputs one vector per sample, shape {format_shape((None, *out))}, but the targets are "
            f"sequences of shape {want}. Turn `return_sequences` on for the last LSTM layer.",
            code="sequence_targets", field=sequences, **shapes,
        )  # fmt: skip
    what = {"binary": "a binary task needs", "multiclass": f"{want[-1]} classes need"}.get(task, "the targets need")
    raise LstmLabError(
        f"The model outputs shape {format_shape((None, *out))} but {what} {format_shape((None, *want))}. "
        f"Set the head's `units` to {want[-1]}.",
        code="output_width", field="model.head.units", expected=want[-1], **shapes,
    )  # fmt: skip
