"""What each gate does, in words and in numbers: the Inside the cell page's teaching text and arithmetic.

Every sentence is about Keras's own ``LSTMCell`` (``keras/src/layers/rnn/lstm.py``): the fused kernel
holds four blocks in the order i, f, candidate, o, which is where the 4 in the parameter formula comes from.

>>> layer_text(LayerSpec(units=32), inputs=1)["params"].split(": ")[0]
'4 weighted sums per unit'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_lab.model.shapes import lstm_output_dim, lstm_params
from lstm_lab.records import CellTrace
from lstm_lab.spec import LayerSpec, ModelSpec

GATE_NAMES = {"i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate",
              "c": "cell state", "h": "hidden state"}  # fmt: skip
GATE_ORDER = ("i", "f", "g", "o")


def layer_inputs(spec: ModelSpec, layer: int) -> int:
    """Width of what LSTM layer ``layer`` receives: the features, or the previous layer's output.

    >>> layer_inputs(ModelSpec.from_dict({"features": 3, "layers": [{"units": 8, "bidirectional": True}, {}]}), 1)
    16
    """
    return spec.features if layer == 0 else lstm_output_dim(spec.layers[layer - 1])


def layer_text(ls: LayerSpec, inputs: int) -> dict[str, str]:
    """One short Markdown paragraph per heatmap (``i`` … ``h``) and one on the parameter count, for this layer."""
    u, act = ls.units, ls.activation
    act_range = {"tanh": "between −1 and 1", "sigmoid": "between 0 and 1", "relu": "0 or more, unbounded",
                 "linear": "unbounded"}[act]  # fmt: skip
    z = "(x_t·W_{k} + h_prev·U_{k} + b_{k})"
    one = lstm_params(u, inputs)
    both = f" A `Bidirectional` layer has two such LSTMs: {2 * one:,} parameters." if ls.bidirectional else ""
    return {
        "i": f"**i, input gate** = sigmoid{z.format(k='i')}, between 0 and 1: how much of the candidate g each "
        f"of the {u} units writes into its cell state at this step. Near 1, the unit takes the new value in.",
        "f": f"**f, forget gate** = sigmoid{z.format(k='f')}: how much of its previous cell state each unit keeps. "
        "Keras starts its bias at 1 (`unit_forget_bias=True`), so an untrained layer keeps about sigmoid(1) ≈ 0.73 "
        "of its memory per step.",
        "g": f"**g, candidate** = {act}{z.format(k='g')}, {act_range} (the layer's `activation='{act}'`): the "
        "new value each unit proposes for its cell state.",
        "o": f"**o, output gate** = sigmoid{z.format(k='o')}: how much of {act}(c_t) each unit shows as its hidden "
        "state h_t, the layer's output and the next step's input to every gate.",
        "c": "**c, cell state** c_t = f·c_prev + i·g: the unit's memory, kept or overwritten step by step. It is not "
        "bounded; with `return_state=True` Keras returns the last c.",
        "h": f"**h, hidden state** h_t = o·{act}(c_t): what the layer outputs at each step (`return_sequences=True` "
        "returns every row, otherwise only the last) and feeds back into the four weighted sums.",
        "params": f"4 weighted sums per unit: i, f, g and o each have their own weights for the {inputs} "
        f"input{'s' if inputs != 1 else ''} (W), for the {u} previous hidden values (U) and a bias (b). "
        f"Hence 4·units·(inputs + units + 1) = 4·{u}·({inputs} + {u} + 1) = {one:,} parameters, the Model page's "
        f"formula. Keras stores them fused: `kernel` ({inputs}, {4 * u}), `recurrent_kernel` ({u}, {4 * u}), "
        f"`bias` ({4 * u},), in the order i, f, g, o.{both}",
    }


@dataclass(frozen=True)
class GateStep:
    """One gate's weighted sum at one step for one unit: ``z = from_x + from_h + bias``, then ``value``."""

    from_x: float
    from_h: float
    bias: float
    z: float
    value: float


@dataclass(frozen=True)
class Step:
    """The arithmetic of one unit at step ``t``: the four gates, then ``c = f·c_prev + i·g``, ``h = o·act(c)``.

    ``previous`` is the row of the states before this step (None at the first step of this direction);
    ``real`` is False at a masked step, where Keras keeps ``c_prev`` and ``h_prev``.
    """

    t: int
    unit: int
    gates: dict[str, GateStep]
    previous: int | None
    c_prev: float
    h_prev: float
    c: float
    h: float
    real: bool


def step(trace: CellTrace, t: int, unit: int) -> Step:
    """The numbers behind row ``t``, column ``unit`` of every heatmap.

    >>> z = {k: np.full((2, 1), 0.5, np.float32) for k in ("i", "f", "g", "o", "c", "h")}
    >>> s = step(CellTrace(z, np.ones(2, bool), np.ones((2, 4, 1)), np.zeros((2, 4, 1)), np.zeros((4, 1))), 1, 0)
    >>> s.previous, s.c_prev, s.gates["f"].z
    (0, 0.5, 1.0)
    """
    before = trace.previous(t)
    gates = {}
    for k, key in enumerate(GATE_ORDER):
        parts = [float(trace.x_part[t, k, unit]), float(trace.h_part[t, k, unit]), float(trace.bias[k, unit])]
        gates[key] = GateStep(*parts, z=sum(parts), value=float(trace.values[key][t, unit]))

    def prev(key: str) -> float:
        return 0.0 if before is None else float(trace.values[key][before, unit])

    return Step(t, unit, gates, before, prev("c"), prev("h"), float(trace.values["c"][t, unit]),
                float(trace.values["h"][t, unit]), bool(trace.mask[t]))  # fmt: skip


def busiest_units(trace: CellTrace, n: int = 3) -> list[int]:
    """The ``n`` units whose cell state changes most over the sample (largest max − min of ``c``), in order.

    >>> c = np.array([[0.0, 0.0, 0.0], [0.1, -2.0, 0.5]], np.float32)
    >>> busiest_units(CellTrace({k: c for k in ("i", "f", "g", "o", "c", "h")}, None, None, None, None), 2)
    [1, 2]
    """
    spread = np.ptp(trace.values["c"], axis=0)
    return [int(u) for u in np.argsort(-spread, kind="stable")[:n]]
