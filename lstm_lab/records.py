"""What crosses a tier, as frozen records with named fields.

A shape row, the window summary, training progress and predictions are made in one tier and shown
in another. Each is a frozen dataclass; plain dicts exist only at the Ray boundary, through
``to_dict`` and ``from_dict``.

>>> row = ShapeRow("lstm_1", "LSTM", ((None, 64),), ("output",), ("batch × units",), 49408, "…")
>>> format_shape(row.output_shapes[0]), ShapeRow.from_dict(row.to_dict()) == row
('(None, 64)', True)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from lstm_lab.errors import LstmLabError


def format_shape(shape) -> str:
    """A shape as Keras prints it, batch as ``None``.

    >>> format_shape((None, 20, 64)), format_shape((5,))
    ('(None, 20, 64)', '(5,)')
    """
    dims = ["None" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + (",)" if len(dims) == 1 else ")")


@dataclass(frozen=True)
class ShapeRow:
    """One layer of a model: its outputs (one per tensor: output, h, c, …) and its parameters.

    ``output_shapes`` are Keras's own shapes, batch as ``None``; ``dims`` names each dimension
    (``batch × timesteps × 2·units``); ``formula`` shows how ``params`` follows from the settings.
    """

    layer: str
    kind: str
    output_shapes: tuple[tuple[int | None, ...], ...]
    output_names: tuple[str, ...]
    dims: tuple[str, ...]
    params: int
    formula: str

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ShapeRow:
        return cls(
            layer=d["layer"], kind=d["kind"], output_shapes=tuple(tuple(s) for s in d["output_shapes"]),
            output_names=tuple(d["output_names"]), dims=tuple(d["dims"]), params=int(d["params"]),
            formula=d["formula"],
        )  # fmt: skip


@dataclass(frozen=True)
class WindowSummary:
    """The arrays the data yields, without building them: ``X`` and ``y`` shapes and the split sizes.

    ``y`` is ``None`` for uploaded sequences that came without targets.
    """

    samples: int
    X: tuple[int, ...]
    y: tuple[int, ...] | None
    train: int
    val: int
    test: int

    @property
    def splits(self) -> tuple[int, int, int]:
        """Training, validation and test sample counts."""
        return self.train, self.val, self.test


@dataclass(frozen=True)
class RegressionPredictions:
    """Actual against predicted values on the test samples, in the data's own units.

    ``rows`` is the table row (or sample index) of each plotted value; ``actual``, ``predicted`` and
    ``baseline`` (the naive forecast) are rows × targets; ``metrics`` holds MAE and RMSE over all targets
    for the model and the baseline (``baseline_mae``, ``baseline_rmse``), ``target_metrics`` the same per
    target. ``interval`` is the split-conformal band (see :func:`lstm_lab.model.predict.conformal_band`),
    or None without validation samples.
    """

    rows: list[int]
    x_is_time: bool
    target_names: list[str]
    actual: list[list[float]]
    predicted: list[list[float]]
    metrics: dict[str, float]
    target_metrics: list[dict[str, float]]
    baseline: list[list[float]] = field(default_factory=list)
    interval: dict | None = None
    kind: str = field(default="regression", init=False)


@dataclass(frozen=True)
class ClassificationPredictions:
    """Predicted classes against the actual labels of the test samples.

    ``actual`` and ``predicted`` are class codes, ``probabilities`` samples × classes, ``confusion``
    actual × predicted counts; ``metrics`` holds ``accuracy`` and ``baseline_accuracy`` (always the most
    common training label).
    """

    rows: list[int]
    x_is_time: bool
    class_names: list[str]
    actual: list[int]
    predicted: list[int]
    probabilities: list[list[float]]
    confusion: list[list[int]]
    metrics: dict[str, float]
    kind: str = field(default="classification", init=False)


Predictions = RegressionPredictions | ClassificationPredictions


def predictions_from_dict(d: dict | None) -> Predictions | None:
    """The predictions record a ``to_dict`` of either kind described."""
    if d is None:
        return None
    cls = RegressionPredictions if d["kind"] == "regression" else ClassificationPredictions
    return cls(**{f.name: d[f.name] for f in fields(cls) if f.init})


ENDED = ("done", "stopped", "failed")


@dataclass(frozen=True)
class WorkerPlace:
    """Where a training worker ran: its Ray node's address and id, its process id, and the folder
    ``lstm_lab`` was imported from there (under Ray's ``runtime_resources`` when shipped by ``runtime_env``).

    >>> WorkerPlace.from_dict(WorkerPlace("127.0.0.1", "8f3a", 4242, "/tmp/lstm_lab").to_dict()).label
    '127.0.0.1 (node 8f3a)'
    """

    ip: str
    node_id: str
    pid: int
    package: str

    @property
    def label(self) -> str:
        return f"{self.ip} (node {self.node_id[:8]})"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> WorkerPlace | None:
        """The place ``to_dict`` described; None for anything else (a stored row is checked, not trusted)."""
        names = ("ip", "node_id", "package")
        if not isinstance(d, dict) or not all(isinstance(d.get(n), str) for n in names):
            return None
        pid = d.get("pid")
        return cls(d["ip"], d["node_id"], pid, d["package"]) if isinstance(pid, int) else None


@dataclass(frozen=True)
class Progress:
    """What a training run has done so far.

    ``state`` is queued, starting, training, done, stopped or failed; ``history`` holds one dict per
    epoch (``epoch``, ``loss``, ``val_loss``, metrics, ``seconds``); ``error`` says why a run failed;
    ``model_bytes`` (the ``.keras`` file) is there only once the run has ended; ``params`` is the
    model's parameter count; ``ahead`` counts, while it is queued, the trainings in line before it (running
    or queued earlier); ``place`` says where its worker ran.
    """

    state: str = "starting"
    epoch: int = 0
    epochs: int = 0
    steps: int = 0
    history: tuple[dict, ...] = ()
    predictions: Predictions | None = None
    message: str | None = None
    error: LstmLabError | None = field(default=None, compare=False)
    model_bytes: bytes | None = field(default=None, repr=False)
    params: int = 0
    ahead: int = 0
    place: WorkerPlace | None = None

    @property
    def ended(self) -> bool:
        return self.state in ENDED

    def lost(self, why: str) -> Progress:
        """This run, ended as failed because its worker went away (``why``), saying what to do.

        >>> Progress("training", epoch=2, epochs=5).lost("it stopped").error.code
        'worker_lost'
        """
        message = f"The training worker was lost ({why}); press Train to start again. Your data and settings are kept."
        return replace(self, state="failed", message=message, error=LstmLabError(message, code="worker_lost"))

    def to_dict(self) -> dict:
        return {
            "state": self.state, "epoch": self.epoch, "epochs": self.epochs, "steps": self.steps,
            "history": [dict(h) for h in self.history], "message": self.message,
            "predictions": None if self.predictions is None else asdict(self.predictions),
            "error": None if self.error is None else self.error.to_dict(), "model_bytes": self.model_bytes,
            "params": self.params, "ahead": self.ahead, "place": None if self.place is None else self.place.to_dict(),
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict) -> Progress:
        return cls(
            state=d["state"], epoch=d["epoch"], epochs=d["epochs"], steps=d.get("steps", 0),
            history=tuple(d.get("history", ())), predictions=predictions_from_dict(d.get("predictions")),
            message=d.get("message"), error=None if d.get("error") is None else LstmLabError.from_dict(d["error"]),
            model_bytes=d.get("model_bytes"), params=d.get("params", 0),
            ahead=d["ahead"] if isinstance(d.get("ahead"), int) else 0,
            place=WorkerPlace.from_dict(d.get("place")),
        )  # fmt: skip


TRACED = ("i", "f", "g", "o", "c", "h")


@dataclass(frozen=True, eq=False)
class CellTrace:
    """One LSTM layer (one direction) run over one sample: every gate and state at every timestep.

    ``values`` maps ``i``, ``f``, ``g``, ``o`` (input, forget, candidate, output), ``c`` and ``h`` to
    float32 arrays ``(timesteps, units)``; row ``t`` is the step that consumed ``x[t]``, ``c``/``h`` the
    states after it. ``mask`` is True where a step is real. ``x_part`` (``x_t·W``) and ``h_part``
    (``h_prev·U``), ``(timesteps, 4, units)`` in gate order i, f, g, o, and ``bias`` ``(4, units)`` are the
    terms of each gate's weighted sum. ``backwards``: the direction reads from the last step to the first.

    >>> import numpy as np
    >>> zeros = {k: np.zeros((5, 3), np.float32) for k in TRACED}
    >>> t = CellTrace(zeros, np.ones(5, bool), np.zeros((5, 4, 3)), np.zeros((5, 4, 3)), np.zeros((4, 3)))
    >>> t.timesteps, t.units, CellTrace.from_dict(t.to_dict()).values["c"].shape
    (5, 3, (5, 3))
    """

    values: dict
    mask: object
    x_part: object
    h_part: object
    bias: object
    backwards: bool = False

    @property
    def timesteps(self) -> int:
        return int(self.values["h"].shape[0])

    @property
    def units(self) -> int:
        return int(self.values["h"].shape[1])

    def previous(self, t: int) -> int | None:
        """The row holding the states before step ``t`` (in this direction's order), or None at the start."""
        before = t + 1 if self.backwards else t - 1
        return before if 0 <= before < self.timesteps else None

    def to_dict(self) -> dict:
        return {**self.values, "mask": self.mask, "x_part": self.x_part, "h_part": self.h_part, "bias": self.bias,
                "backwards": self.backwards}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict) -> CellTrace:
        return cls({k: d[k] for k in TRACED}, d["mask"], d["x_part"], d["h_part"], d["bias"], bool(d["backwards"]))
