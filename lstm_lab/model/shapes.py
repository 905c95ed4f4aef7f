"""Per-layer output shapes and parameter counts, read from a real Keras model.

>>> from lstm_lab.spec import ModelSpec
>>> spec = ModelSpec.from_dict({"timesteps": 20, "features": 128, "layers": [{"units": 64}], "head": None})
>>> [(r.layer, r.output_shapes, r.params) for r in shape_table(spec)]
[('input', ((None, 20, 128),), 0), ('lstm_1', ((None, 64),), 49408)]
"""

from __future__ import annotations

from lstm_lab.model.build import build_model
from lstm_lab.records import ShapeRow
from lstm_lab.spec import LayerSpec, ModelSpec


def shape_table(spec: ModelSpec) -> list[ShapeRow]:
    """One :class:`~lstm_lab.records.ShapeRow` per layer of the model Keras builds from ``spec``.

    Raises:
        LstmLabError: Keras rejected the model; the message says which layer and why.
    """
    model = build_model(spec)
    by_name = {layer.name: layer for layer in model.layers}
    rows = [_row(by_name["input"], "Input", ["input"], [_dims_input(spec)], "no weights")]
    if spec.masking:
        rows.append(_row(by_name["masking"], "Masking", ["output (with mask)"], [_dims_input(spec)], "no weights"))
    for i, ls in enumerate(spec.layers):
        layer = by_name[ls.keras_name(i)]
        names, dims = _lstm_outputs(ls)
        kind = "Bidirectional(LSTM)" if ls.bidirectional else "LSTM"
        rows.append(_row(layer, kind, names, dims, _lstm_formula(ls, _in_dim(layer))))
    if spec.head is not None:
        head = by_name["head"]
        per_step = len(head.output.shape) == 3
        dims = "batch × timesteps × head units" if per_step else "batch × head units"
        name = "output (per timestep)" if per_step else "output"
        rows.append(_row(head, "Dense", [name], [dims], _dense_formula(_in_dim(head), spec.head.units)))
    return rows


def lstm_params(units: int, input_dim: int, bidirectional: bool = False) -> int:
    """Weights of one LSTM: 4 gates × units × (input + units + 1), doubled when bidirectional.

    >>> lstm_params(64, 128)
    49408
    """
    return (2 if bidirectional else 1) * 4 * units * (input_dim + units + 1)


def lstm_output_dim(ls: LayerSpec) -> int:
    """Last dimension of an LSTM layer's main output (``2·units`` for a concat Bidirectional)."""
    return 2 * ls.units if ls.bidirectional and ls.merge_mode == "concat" else ls.units


def _row(layer, kind, names, dims, formula) -> ShapeRow:
    tensors = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
    shapes = tuple(tuple(t.shape) for t in tensors)
    return ShapeRow(layer.name, kind, shapes, tuple(names), tuple(dims), int(layer.count_params()), formula)


def _in_dim(layer) -> int:
    """Width of the tensor a layer receives (a masked input arrives with its mask)."""
    inp = layer.input[0] if isinstance(layer.input, (list, tuple)) else layer.input
    return int(inp.shape[-1])


def _dims_input(spec: ModelSpec) -> str:
    batch = "batch (fixed)" if spec.stateful else "batch"
    return f"{batch} × timesteps × features" if spec.features else f"{batch} × timesteps (no features axis)"


def _lstm_outputs(ls: LayerSpec) -> tuple[list[str], list[str]]:
    time = " × timesteps" if ls.return_sequences else ""
    if not ls.bidirectional:
        names, dims = ["output"], [f"batch{time} × units"]
        if ls.return_state:
            names += ["h (last hidden state)", "c (last cell state)"]
            dims += ["batch × units", "batch × units"]
        return names, dims
    if ls.merge_mode is None:
        names, dims = ["forward output", "backward output"], [f"batch{time} × units"] * 2
    else:
        width = "2·units" if ls.merge_mode == "concat" else "units"
        names, dims = [f"output ({ls.merge_mode} of both directions)"], [f"batch{time} × {width}"]
    if ls.return_state:
        names += ["forward h", "forward c", "backward h", "backward c"]
        dims += ["batch × units"] * 4
    return names, dims


def _lstm_formula(ls: LayerSpec, input_dim: int) -> str:
    u = ls.units
    one = f"4·{u}·({input_dim} + {u} + 1)"
    total = lstm_params(u, input_dim, ls.bidirectional)
    text = f"2 × {one}" if ls.bidirectional else one
    return f"4·units·(input + units + 1){' × 2 directions' if ls.bidirectional else ''} = {text} = {total:,}"


def _dense_formula(input_dim: int, units: int) -> str:
    return f"input·units + units = {input_dim}·{units} + {units} = {input_dim * units + units:,}"


def estimated_params(spec: ModelSpec) -> int:
    """The parameter count from the formulas alone (no Keras), to check limits before building.

    >>> spec = {"timesteps": 20, "features": 128, "layers": [{"units": 64}], "head": None}
    >>> estimated_params(ModelSpec.from_dict(spec))
    49408
    """
    width, total = spec.features, 0
    for ls in spec.layers:
        total += lstm_params(ls.units, width, ls.bidirectional)
        width = lstm_output_dim(ls)
    if spec.head is not None:
        total += width * spec.head.units + spec.head.units
    return total
