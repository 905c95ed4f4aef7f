"""Lab settings as data: one serialisable spec, checked once at the edge.

Field names follow Keras argument names, so a user who learns the app has learned Keras.
Every ``from_dict`` fills missing keys with defaults and rejects unknown keys and bad values
with one :class:`LstmLabError` naming the field, what is allowed and what was received.

>>> spec = ModelSpec.from_dict({"timesteps": 20, "features": 128, "layers": [{"units": 64}]})
>>> spec.layers[0].units, spec.head
(64, HeadSpec(units=1, activation='linear'))
>>> ModelSpec.from_dict({"layers": [{"units": 0}]})
Traceback (most recent call last):
lstm_lab.errors.LstmLabError: Received an invalid value for `model.layers.0.units`: expected an integer ..., got 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

from lstm_lab.data.sources import SOURCES as DATA_SOURCES
from lstm_lab.errors import LstmLabError

MERGE_MODES = ("concat", "sum", "mul", "ave", None)
HEAD_ACTIVATIONS = ("linear", "sigmoid", "softmax", "tanh", "relu")
LSTM_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
SOURCES = tuple(DATA_SOURCES)
LOSSES = ("auto", "mse", "mae", "huber", "binary_crossentropy", "sparse_categorical_crossentropy")
TASKS = ("regression", "binary", "multiclass")
TARGET_MODES = ("next", "next_k", "seq2seq")
SCALINGS = ("standard", "minmax", "none")
PADDINGS = ("pre", "post")
NAN_POLICIES = ("refuse", "drop", "ffill")


# ---------------------------------------------------------------- field checks


def _bad(path: str, expected: str, got: object) -> LstmLabError:
    return LstmLabError(f"Received an invalid value for `{path}`: expected {expected}, got {got!r}.",
                        code="invalid_value", field=path, expected=expected)  # fmt: skip


def _int(lo: int, hi: int | None = None):
    def check(path, v):
        if isinstance(v, bool) or not isinstance(v, int):
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            else:
                raise _bad(path, _range_text("an integer", lo, hi), v)
        if v < lo or (hi is not None and v > hi):
            raise _bad(path, _range_text("an integer", lo, hi), v)
        return v

    return check


def _float(lo: float, hi: float, *, hi_open: bool = False):
    def check(path, v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise _bad(path, f"a number from {lo} to {hi}", v)
        if v < lo or v > hi or (hi_open and v == hi):
            bound = f"below {hi}" if hi_open else f"at most {hi}"
            raise _bad(path, f"a number from {lo}, {bound}", v)
        return float(v)

    return check


def _bool(path, v):
    if not isinstance(v, bool):
        raise _bad(path, "true or false", v)
    return v


def _choice(options):
    def check(path, v):
        if v not in options:
            raise _bad(path, "one of " + ", ".join(repr(o) for o in options), v)
        return v

    return check


def _names(path, v):
    if not isinstance(v, (list, tuple)) or not all(isinstance(s, str) for s in v):
        raise _bad(path, "a list of column names", v)
    return list(v)


def _range_text(kind: str, lo: int, hi: int | None) -> str:
    return f"{kind} from {lo} to {hi}" if hi is not None else f"{kind} of at least {lo}"


def _check(check):
    return {"check": check}


def _parse(cls, d: object, path: str, nested: dict | None = None):
    """Build dataclass ``cls`` from dict ``d``: defaults for missing keys, checks for the rest."""
    if isinstance(d, cls):
        d = d.to_dict()
    if not isinstance(d, dict):
        raise _bad(path or cls.__name__, "a mapping of settings", d)
    nested = nested or {}
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(d) - set(known))
    if unknown:
        where = f"`{path}`" if path else cls.__name__
        raise LstmLabError(
            f"Unknown setting {unknown[0]!r} in {where}; allowed: {', '.join(sorted(known))}.",
            code="unknown_setting",
            field=f"{path}.{unknown[0]}" if path else unknown[0],
        )
    values = {}
    for name, value in d.items():
        sub = f"{path}.{name}" if path else name
        if name in nested:
            values[name] = nested[name](value, sub)
        else:
            values[name] = known[name].metadata["check"](sub, value)
    return cls(**values)


def _to_dict(obj) -> dict:
    out = {}
    for f in fields(obj):
        v = getattr(obj, f.name)
        if hasattr(v, "to_dict"):
            v = v.to_dict()
        elif isinstance(v, list):
            v = [x.to_dict() if hasattr(x, "to_dict") else x for x in v]
        out[f.name] = v
    return out


# ---------------------------------------------------------------- the model


@dataclass(frozen=True)
class LayerSpec:
    """One LSTM layer, optionally wrapped in ``Bidirectional``."""

    units: int = field(default=32, metadata=_check(_int(1)))
    return_sequences: bool = field(default=False, metadata=_check(_bool))
    bidirectional: bool = field(default=False, metadata=_check(_bool))
    merge_mode: str | None = field(default="concat", metadata=_check(_choice(MERGE_MODES)))
    return_state: bool = field(default=False, metadata=_check(_bool))
    dropout: float = field(default=0.0, metadata=_check(_float(0.0, 1.0, hi_open=True)))
    activation: str = field(default="tanh", metadata=_check(_choice(LSTM_ACTIVATIONS)))

    @classmethod
    def from_dict(cls, d: dict, path: str = "layer") -> LayerSpec:
        return _parse(cls, d, path)

    def to_dict(self) -> dict:
        return _to_dict(self)

    def keras_name(self, index: int) -> str:
        """The Keras name of the layer at 0-based ``index`` in the stack: ``lstm_1`` or ``bidirectional_1``."""
        return f"{'bidirectional' if self.bidirectional else 'lstm'}_{index + 1}"

    def keras_kwargs(self, index: int, stateful: bool = False) -> dict:
        """The arguments of ``keras.layers.LSTM`` for this layer, the app's and the exported script's.

        >>> LayerSpec(units=64, return_sequences=True).keras_kwargs(0)
        {'units': 64, 'activation': 'tanh', 'return_sequences': True, 'return_state': False, 'dropout': 0.0, \
'stateful': False, 'name': 'lstm_1'}
        """
        return {
            "units": self.units, "activation": self.activation, "return_sequences": self.return_sequences,
            "return_state": self.return_state, "dropout": self.dropout, "stateful": stateful,
            "name": f"lstm_{index + 1}_cell" if self.bidirectional else f"lstm_{index + 1}",
        }  # fmt: skip

    def bidirectional_kwargs(self, index: int) -> dict:
        """The arguments of the ``keras.layers.Bidirectional`` wrapper (a bidirectional layer only)."""
        return {"merge_mode": self.merge_mode, "name": self.keras_name(index)}


@dataclass(frozen=True)
class HeadSpec:
    """The Dense output layer; after a layer that returns sequences it acts per timestep."""

    units: int = field(default=1, metadata=_check(_int(1)))
    activation: str = field(default="linear", metadata=_check(_choice(HEAD_ACTIVATIONS)))

    @classmethod
    def from_dict(cls, d: dict, path: str = "head") -> HeadSpec:
        return _parse(cls, d, path)

    def to_dict(self) -> dict:
        return _to_dict(self)


def _layers(value, path):
    if not isinstance(value, (list, tuple)) or not value:
        raise _bad(path, "a non-empty list of layers", value)
    return [LayerSpec.from_dict(v, f"{path}.{i}") for i, v in enumerate(value)]


def _head(value, path):
    return None if value is None else HeadSpec.from_dict(value, path)


@dataclass(frozen=True)
class ModelSpec:
    """Input window, LSTM stack and output head.

    ``features=0`` stands for data saved without a features axis, ``(samples, timesteps)``: the input
    is then 2-D, as ``keras.Input(shape=X.shape[1:])`` would make it, and Keras rejects the LSTM.
    ``batch_size`` is ``None`` (any batch) unless ``stateful`` fixes it, as Keras requires.
    """

    timesteps: int = field(default=20, metadata=_check(_int(1)))
    features: int = field(default=1, metadata=_check(_int(0)))  # 0: data without a features axis
    layers: list[LayerSpec] = field(default_factory=lambda: [LayerSpec()])
    head: HeadSpec | None = field(default_factory=HeadSpec)
    masking: bool = field(default=False, metadata=_check(_bool))
    stateful: bool = field(default=False, metadata=_check(_bool))
    batch_size: int | None = field(default=None, metadata=_check(lambda p, v: None if v is None else _int(1)(p, v)))

    @classmethod
    def from_dict(cls, d: dict, path: str = "model") -> ModelSpec:
        """Build and check a model spec.

        Raises:
            LstmLabError: an unknown key or a bad value, naming the field.
        """
        return _parse(cls, d, path, {"layers": _layers, "head": _head})

    def to_dict(self) -> dict:
        return _to_dict(self)


# ---------------------------------------------------------------- data and training


@dataclass(frozen=True)
class DataSpec:
    """Where the table comes from and how it is cut into windows.

    ``timesteps`` is the window length (lookback); ``horizon`` how many steps ahead the target
    lies (``next``) or how many future steps are predicted (``next_k``); ``seq2seq`` predicts the
    window shifted by ``horizon``. ``features``/``targets`` are column names (empty: defaults).
    """

    source: str = field(default="sine", metadata=_check(_choice(SOURCES)))
    rows: int = field(default=600, metadata=_check(_int(10)))
    channels: int = field(default=1, metadata=_check(_int(1, 128)))
    noise: float = field(default=0.1, metadata=_check(_float(0.0, 5.0)))
    task: str = field(default="regression", metadata=_check(_choice(TASKS)))
    features: list[str] = field(default_factory=list, metadata=_check(_names))
    targets: list[str] = field(default_factory=list, metadata=_check(_names))
    timesteps: int = field(default=20, metadata=_check(_int(1)))
    horizon: int = field(default=1, metadata=_check(_int(1)))
    stride: int = field(default=1, metadata=_check(_int(1)))
    target_mode: str = field(default="next", metadata=_check(_choice(TARGET_MODES)))
    scaling: str = field(default="standard", metadata=_check(_choice(SCALINGS)))
    padding: str = field(default="post", metadata=_check(_choice(PADDINGS)))
    nan_policy: str = field(default="refuse", metadata=_check(_choice(NAN_POLICIES)))
    add_feature_axis: bool = field(default=False, metadata=_check(_bool))
    val_fraction: float = field(default=0.15, metadata=_check(_float(0.0, 0.5)))
    test_fraction: float = field(default=0.15, metadata=_check(_float(0.0, 0.5)))

    @classmethod
    def from_dict(cls, d: dict, path: str = "data") -> DataSpec:
        return _parse(cls, d, path)

    def to_dict(self) -> dict:
        return _to_dict(self)


@dataclass(frozen=True)
class TrainSpec:
    """How ``model.fit`` is called."""

    epochs: int = field(default=10, metadata=_check(_int(1)))
    batch_size: int = field(default=32, metadata=_check(_int(1)))
    learning_rate: float = field(default=0.005, metadata=_check(_float(1e-6, 10.0)))
    loss: str = field(default="auto", metadata=_check(_choice(LOSSES)))

    @classmethod
    def from_dict(cls, d: dict, path: str = "train") -> TrainSpec:
        return _parse(cls, d, path)

    def to_dict(self) -> dict:
        return _to_dict(self)


@dataclass(frozen=True)
class LabSpec:
    """Everything that defines a lab: data, model, training and seed.

    The model's ``timesteps`` and ``features`` always come from the data window; use
    :meth:`model_spec` to get the model as Keras will see it.
    """

    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    train: TrainSpec = field(default_factory=TrainSpec)
    seed: int = field(default=0, metadata=_check(_int(0, 2**31 - 1)))

    @classmethod
    def from_dict(cls, d: dict) -> LabSpec:
        """Build and check a whole lab spec.

        Raises:
            LstmLabError: an unknown key or a bad value, naming the field.
        """
        return _parse(
            cls,
            d,
            "",
            {
                "data": lambda v, p: DataSpec.from_dict(v, p),
                "model": lambda v, p: ModelSpec.from_dict(v, p),
                "train": lambda v, p: TrainSpec.from_dict(v, p),
            },
        )

    def to_dict(self) -> dict:
        return _to_dict(self)

    def model_spec(self, features: int, timesteps: int | None = None) -> ModelSpec:
        """The model as Keras sees it: input from the data (``features`` = input columns; ``timesteps``
        = the window length, or the sequences' own length), batch fixed only when stateful."""
        batch = self.train.batch_size if self.model.stateful else None
        steps = self.data.timesteps if timesteps is None else timesteps
        return replace(self.model, timesteps=steps, features=features, batch_size=batch)


def set_path(d: dict, path: str, value) -> dict:
    """Return a copy of nested dict ``d`` with the dotted ``path`` set (``"model.layers.0.units"``)."""
    import copy

    out = copy.deepcopy(d)
    node = out
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


def get_path(d: dict, path: str):
    """Read the dotted ``path`` from nested dict ``d``."""
    node = d
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node
