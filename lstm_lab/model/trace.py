"""Exact LSTM gate traces: what one LSTM layer computes at every timestep, replayed in NumPy.

The traced layer's input comes from Keras itself (the model's own sub-graph up to that layer);
the layer's arithmetic is redone in NumPy from its weights, following Keras 3's ``LSTMCell``:

    z = x_t·W + h_{t-1}·U + b          (gate order in W, U, b: i, f, candidate, o)
    i = σ(z_i)   f = σ(z_f)   g = act(z_g)   o = σ(z_o)      (σ: the recurrent activation)
    c_t = f·c_{t-1} + i·g              h_t = o·act(c_t)

Keras is imported inside the functions, so importing this module is free of TensorFlow.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from lstm_lab.errors import LstmLabError

GATES = ("i", "f", "g", "o")

_ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),  # = 1 / (1 + e^-z), without overflow warnings
    "hard_sigmoid": lambda z: np.clip(z / 6.0 + 0.5, 0.0, 1.0),  # Keras 3: relu6(z + 3) / 6
    "linear": lambda z: z,
}


def layer_choices(model) -> list[tuple[int, str, bool]]:
    """The model's LSTM layers, for a picker: ``(index, keras layer name, is_bidirectional)``.

    A ``Bidirectional`` wrapper counts as one layer; ``index`` is what :func:`cell_trace` takes.
    """
    import keras

    return [(i, lay.name, isinstance(lay, keras.layers.Bidirectional)) for i, lay in enumerate(_lstm_layers(model))]


def cell_trace(model, x, layer=0, direction="forward", sums=False) -> dict[str, np.ndarray]:
    """Gate values, cell state and hidden state of one LSTM layer at every timestep, for one sample.

    Row ``t`` of every array is the step that consumed input ``x[t]``, in both directions: the
    backward LSTM of a ``Bidirectional`` layer runs from ``t = T-1`` down to ``0``, and its row ``t``
    still belongs to ``x[t]``. ``c[t]`` and ``h[t]`` are the states *after* that step.

    Masking follows Keras (with a ``Masking`` layer, a step whose features all equal its ``mask_value``
    is masked; the mask used is the one Keras hands the layer): at a masked step the states carry
    through unchanged, so ``c[t]`` and ``h[t]`` repeat the previous step's (zeros before the first
    real step). The gates at a masked step are what the cell would compute there, although Keras
    throws that step away; ``"mask"`` says which steps were real. The layer's *output* at a masked
    step is ``h[t]`` for a plain LSTM, but zeros for a ``Bidirectional`` layer that returns
    sequences (Keras forces ``zero_output_for_mask`` there). With 'post' padding the backward
    direction meets the padding first, so its states are still zero at the padded rows.

    A stateful model is traced as a fresh sequence, as right after ``reset_states()``; the model's
    stored states are left as they were. Dropout plays no part at inference and is ignored.

    Args:
        model: A Keras model from :func:`lstm_lab.model.build.build_model` (or loaded from one).
        x: One sample, shape ``(timesteps, features)``, as the model's input receives it.
        layer: Index among the model's LSTM layers, in model order (see :func:`layer_choices`).
        direction: ``"forward"``, or ``"backward"`` for a ``Bidirectional`` layer's backward LSTM.
        sums: Also return the three terms of every gate's weighted sum ``z = x_t·W + h_prev·U + b``.

    Returns:
        ``"i"``, ``"f"``, ``"g"``, ``"o"`` (input, forget, candidate, output), ``"c"`` and ``"h"``, each
        float32 of shape ``(timesteps, units)``, and ``"mask"``: bool ``(timesteps,)``, True where real.
        With ``sums``, also ``"x_part"`` (``x_t·W``) and ``"h_part"`` (``h_prev·U``), each
        ``(timesteps, 4, units)`` in gate order i, f, g, o, and ``"bias"``, ``(4, units)``; ``h_prev`` is
        the state before step ``t`` in the direction's own order (row ``t+1`` when going backwards).

    Raises:
        LstmLabError: a bad argument (``field`` names it), or an activation this module cannot replay.

    >>> import numpy as np
    >>> from lstm_lab.model.build import build_model
    >>> from lstm_lab.spec import ModelSpec
    >>> spec = {"timesteps": 5, "features": 3, "layers": [{"units": 4, "bidirectional": True}], "head": None}
    >>> model = build_model(ModelSpec.from_dict(spec))
    >>> trace = cell_trace(model, np.ones((5, 3)), layer=0, direction="backward")
    >>> {k: v.shape for k, v in trace.items()}
    {'i': (5, 4), 'f': (5, 4), 'g': (5, 4), 'o': (5, 4), 'c': (5, 4), 'h': (5, 4), 'mask': (5,)}
    """
    import keras

    lstms = _lstm_layers(model)
    if not lstms:
        raise _invalid("model", "a model with at least one LSTM layer", "a model with none")
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 0 <= layer < len(lstms):
        raise _invalid("layer", f"0 to {len(lstms) - 1}", repr(layer))
    target = lstms[layer]
    bidirectional = isinstance(target, keras.layers.Bidirectional)
    if direction not in ("forward", "backward"):
        raise _invalid("direction", "'forward' or 'backward'", repr(direction))
    if direction == "backward" and not bidirectional:
        raise _invalid(
            "direction", f"'forward' (layer {layer}, `{target.name}`, is not bidirectional)", repr(direction)
        )
    x = _check_x(model, x)
    lstm = (target.backward_layer if direction == "backward" else target.forward_layer) if bidirectional else target
    seq, mask = _layer_input(model, target, x)
    trace = _run_cell(lstm.cell, seq, mask, backwards=lstm.go_backwards)
    if not sums:
        trace = {k: v for k, v in trace.items() if k not in ("x_part", "h_part", "bias")}
    return {k: v.astype(np.float32) for k, v in trace.items()} | {"mask": mask}


# ---------------------------------------------------------------- arguments


def _invalid(argument: str, expected: str, got: str) -> LstmLabError:
    message = f"Received an invalid value for argument `{argument}`: expected {expected}, got {got}"
    return LstmLabError(message, code="invalid_trace_argument", field=argument)


def _lstm_layers(model) -> list:
    """LSTM layers and ``Bidirectional`` wrappers of LSTMs, in model order."""
    import keras

    def is_lstm(lay):
        if isinstance(lay, keras.layers.Bidirectional):
            return isinstance(lay.forward_layer, keras.layers.LSTM)
        return isinstance(lay, keras.layers.LSTM)

    return [lay for lay in getattr(model, "layers", []) if is_lstm(lay)]


def _check_x(model, x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise _invalid("x", "one sample of shape (timesteps, features)", f"an array of shape {x.shape}")
    expected = tuple(model.inputs[0].shape[1:])
    if len(expected) != 2 or any(e is not None and e != s for e, s in zip(expected, x.shape, strict=True)):
        raise _invalid("x", f"shape {expected} (the model's input, without the batch axis)", f"shape {x.shape}")
    return x


# ---------------------------------------------------------------- the layer's input


def _layer_input(model, target, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What ``target`` receives for sample ``x``, and its mask (True where a step is real).

    Both come from Keras: the model's sub-graph up to ``target`` (a functional graph carries the mask
    as an extra input tensor of the layer). The first layer of an unmasked model just gets ``x``.
    """
    import keras

    inputs = model.inputs[0]
    if target.input is inputs:
        return x, np.ones(len(x), dtype=bool)
    sub = keras.Model(inputs, target.input)
    batch = inputs.shape[0]  # fixed only for a stateful model
    xs = np.repeat(x[None], batch or 1, axis=0)
    with _fresh_states(model.layers[: model.layers.index(target)]):
        out = sub.predict(xs, batch_size=len(xs), verbose=0)  # compiled: far faster than eager on long inputs
    seq, mask = out if isinstance(out, (list, tuple)) else (out, None)
    return seq[0], np.ones(len(x), dtype=bool) if mask is None else mask[0].astype(bool)


@contextmanager
def _fresh_states(layers):
    """Zero the stateful RNN states of ``layers`` for the duration, then put the old values back."""
    states = [v for lay in layers for v in (getattr(lay, "states", None) or ())]
    saved = [np.array(v.numpy()) for v in states]
    for v in states:
        v.assign(np.zeros(v.shape, dtype=v.dtype))
    try:
        yield
    finally:
        for v, value in zip(states, saved, strict=True):
            v.assign(value)


# ---------------------------------------------------------------- the arithmetic


def _activation(fn, which: str):
    name = getattr(fn, "__name__", repr(fn))
    if name not in _ACTIVATIONS:
        raise LstmLabError(
            f"Cannot trace an LSTM whose {which} is {name!r}; supported: {', '.join(_ACTIVATIONS)}.",
            code="invalid_trace_argument",
            field="model",
            activation=name,
        )
    return _ACTIVATIONS[name]


def _weights(cell) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kernel, recurrent kernel and bias of a Keras 3 ``LSTMCell``, as float64."""
    import keras

    def as64(v):
        return keras.ops.convert_to_numpy(v).astype(np.float64)

    kernel, recurrent = as64(cell.kernel), as64(cell.recurrent_kernel)
    bias = as64(cell.bias) if cell.use_bias else np.zeros(kernel.shape[1])
    return kernel, recurrent, bias


def _run_cell(cell, seq: np.ndarray, mask: np.ndarray, *, backwards: bool) -> dict[str, np.ndarray]:
    """Run ``cell`` over ``seq`` in float64 from zero states; rows stay in input order."""
    act = _activation(cell.activation, "activation")
    rec = _activation(cell.recurrent_activation, "recurrent_activation")
    kernel, recurrent, bias = _weights(cell)
    units = recurrent.shape[0]
    steps = len(seq)
    x_part = seq.astype(np.float64) @ kernel  # the input part of z, for every step at once
    h_part = np.zeros_like(x_part)
    out = {k: np.zeros((steps, units)) for k in (*GATES, "c", "h")}
    h, c = np.zeros(units), np.zeros(units)
    for t in reversed(range(steps)) if backwards else range(steps):
        h_part[t] = h @ recurrent
        z_i, z_f, z_g, z_o = np.split(x_part[t] + h_part[t] + bias, 4)
        i, f, g, o = rec(z_i), rec(z_f), act(z_g), rec(z_o)
        if mask[t]:  # a masked step computes its gates but keeps the previous states
            c = f * c + i * g
            h = o * act(c)
        for key, value in zip(out, (i, f, g, o, c, h), strict=True):
            out[key][t] = value
    by_gate = (steps, 4, units)
    return out | {"x_part": x_part.reshape(by_gate), "h_part": h_part.reshape(by_gate), "bias": bias.reshape(4, units)}
