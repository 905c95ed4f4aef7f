"""A lab as URL query parameters, and back: the address bar always holds the current lab.

Only settings that differ from the defaults are written. Parameter names follow Keras where a
Keras argument exists (``timesteps``, ``epochs``, ``batch_size``, ``learning_rate``). Layers are
written as one readable list: ``layers=64+seq+bi,32+state`` (units, then flags).

>>> from lstm_lab.spec import LabSpec
>>> lab = LabSpec.from_dict({"model": {"layers": [{"units": 64, "return_sequences": True}, {"units": 32}]}})
>>> to_query(lab)
{'layers': '64+seq,32'}
>>> from_query({"layers": "64+seq,32"})[0]["model"]["layers"][0]["return_sequences"]
True
"""

from __future__ import annotations

from lstm_lab.errors import LstmLabError
from lstm_lab.spec import LabSpec, get_path, set_path

PARAMS = {
    "source": "data.source",
    "rows": "data.rows",
    "channels": "data.channels",
    "noise": "data.noise",
    "task": "data.task",
    "features": "data.features",
    "targets": "data.targets",
    "timesteps": "data.timesteps",
    "horizon": "data.horizon",
    "stride": "data.stride",
    "target_mode": "data.target_mode",
    "scaling": "data.scaling",
    "padding": "data.padding",
    "nan_policy": "data.nan_policy",
    "val": "data.val_fraction",
    "test": "data.test_fraction",
    "masking": "model.masking",
    "stateful": "model.stateful",
    "epochs": "train.epochs",
    "batch_size": "train.batch_size",
    "learning_rate": "train.learning_rate",
    "loss": "train.loss",
    "seed": "seed",
}
MERGE_FLAGS = {"concat": "bi", "sum": "bi-sum", "mul": "bi-mul", "ave": "bi-ave", None: "bi-none"}
LAYER_CONTROLS = ("units", "return_sequences", "bidirectional", "merge_mode", "return_state", "dropout")


def control_name(path: str) -> str:
    """The name a link uses for the control of a lab path: ``model.layers.0.units`` → ``units``, the head's
    settings → ``head``, the feature and target columns → ``columns``, otherwise the query parameter's name.

    >>> control_name("model.layers.1.return_sequences"), control_name("data.val_fraction")
    ('return_sequences', 'val')
    """
    parts = path.split(".")
    if parts[:2] == ["model", "head"]:
        return "head"
    if parts[:2] == ["model", "layers"]:
        return parts[-1] if len(parts) == 4 else "layers"
    if path in ("data.features", "data.targets"):
        return "columns"
    return {p: name for name, p in PARAMS.items()}.get(path, parts[-1])


# Controls an instructor's link may hide (``hide=units,bidirectional``), in the order the pages show them.
HIDEABLE = list(dict.fromkeys([*(control_name(p) for p in PARAMS.values()), "layers", *LAYER_CONTROLS, "head"]))
# Parameters that are not settings: presets and instructor mode travel in the URL too.
EXTRA = ("preset", "hide")


def to_query(lab: LabSpec) -> dict[str, str]:
    """The lab's non-default settings as query parameters (strings)."""
    d, default = lab.to_dict(), LabSpec().to_dict()
    out = {}
    for name, path in PARAMS.items():
        value = get_path(d, path)
        if value != get_path(default, path):
            out[name] = _text(value)
    layers = ",".join(_layer_text(layer) for layer in d["model"]["layers"])
    if layers != ",".join(_layer_text(layer) for layer in default["model"]["layers"]):
        out["layers"] = layers
    if d["model"]["head"] != default["model"]["head"]:
        head = d["model"]["head"]
        out["head"] = "none" if head is None else f"{head['units']}+{head['activation']}"
    return out


def from_query(params: dict[str, str], base: dict | None = None) -> tuple[dict, list[str]]:
    """A lab dict from query parameters laid over ``base`` (the defaults), and a message for each
    parameter that had to be ignored."""
    lab, problems = (base or LabSpec().to_dict()), []
    for name, raw in params.items():
        if name in EXTRA:
            continue
        try:
            lab = LabSpec.from_dict(_apply(lab, name, raw)).to_dict()
        except LstmLabError as e:
            problems.append(f"Ignored `{name}={raw}` from the link: {e.message}")
        except (ValueError, KeyError, IndexError):  # int("garbage"), float("x"), …: say it in words
            problems.append(f"Ignored `{name}={raw}` from the link: {_expected(name)}")
    return lab, problems


def _expected(name: str) -> str:
    """What a parameter's value should look like, for a value that could not be read."""
    if name == "layers":
        return "expected layers such as `64+seq,32` (units, then flags)."
    if name == "head":
        return "expected a head such as `1+linear`, or `none`."
    like = get_path(LabSpec().to_dict(), PARAMS[name]) if name in PARAMS else None
    kind = {bool: "true or false", int: "a whole number", float: "a number"}.get(type(like), "another value")
    return f"expected {kind}."


def _apply(lab: dict, name: str, raw: str) -> dict:
    if name == "layers":
        return set_path(lab, "model.layers", [_parse_layer(t) for t in raw.split(",")])
    if name == "head":
        return set_path(lab, "model.head", None if raw == "none" else _parse_head(raw))
    if name not in PARAMS:
        raise LstmLabError(f"unknown setting; known: {', '.join(PARAMS)}, layers, head.", code="unknown_setting")
    path = PARAMS[name]
    return set_path(lab, path, _value(raw, get_path(LabSpec().to_dict(), path)))


def _value(raw: str, like):
    """Parse ``raw`` to the type of the default value ``like``."""
    if isinstance(like, bool):
        if raw.lower() not in ("1", "0", "true", "false", "on", "off"):
            raise LstmLabError("expected true or false.", code="invalid_value")
        return raw.lower() in ("1", "true", "on")
    if isinstance(like, int):
        return int(raw)
    if isinstance(like, float):
        return float(raw)
    if isinstance(like, list):
        return [s for s in raw.split(",") if s]
    return raw


def _text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def _layer_text(layer: dict) -> str:
    parts = [str(layer["units"])]
    if layer["return_sequences"]:
        parts.append("seq")
    if layer["bidirectional"]:
        parts.append(MERGE_FLAGS[layer["merge_mode"]])
    if layer["return_state"]:
        parts.append("state")
    if layer["dropout"]:
        parts.append(f"drop{layer['dropout']:g}")
    if layer["activation"] != "tanh":
        parts.append(f"act-{layer['activation']}")
    return "+".join(parts)


def _parse_layer(token: str) -> dict:
    units, *flags = token.split("+")
    layer = {"units": int(units)}
    by_flag = {flag: mode for mode, flag in MERGE_FLAGS.items()}
    for flag in flags:
        if flag == "seq":
            layer["return_sequences"] = True
        elif flag == "state":
            layer["return_state"] = True
        elif flag in by_flag:
            layer["bidirectional"], layer["merge_mode"] = True, by_flag[flag]
        elif flag.startswith("drop"):
            layer["dropout"] = float(flag[4:])
        elif flag.startswith("act-"):
            layer["activation"] = flag[4:]
        else:
            raise LstmLabError(
                f"unknown layer flag {flag!r}; flags are seq, bi, bi-sum, state, drop0.2, act-relu.",
                code="invalid_value",
            )
    return layer


def _parse_head(raw: str) -> dict:
    units, _, activation = raw.partition("+")
    return {"units": int(units), "activation": activation or "linear"}
