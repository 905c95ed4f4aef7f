"""The real app with one change: the shape table is computed by arithmetic, not by Keras in Ray.

Everything else (pages, widgets, sidebar, diagram, URL) is the app's own, so the latency difference
against ``app.py`` is the cost of asking a real Keras model through the warm Ray actor. Only the
shapes the benchmark touches need to be right: LSTM stacks with a Dense head.
"""

from lstm_lab import compute
from lstm_lab.model.shapes import lstm_output_dim, lstm_params
from lstm_lab.records import ShapeRow
from lstm_lab.spec import ModelSpec
from ui import navigation


def arithmetic_rows(spec_dict: dict) -> list[ShapeRow]:
    """Rows shaped like ``shape_table``'s, from the formulas alone."""
    spec = ModelSpec.from_dict(spec_dict)
    t, width = spec.timesteps, spec.features
    rows = [_row("input", "Input", (None, t, width), 0)]
    for i, ls in enumerate(spec.layers):
        out = lstm_output_dim(ls)
        shape = (None, t, out) if ls.return_sequences else (None, out)
        name = f"{'bidirectional' if ls.bidirectional else 'lstm'}_{i + 1}"
        rows.append(_row(name, "Bidirectional(LSTM)" if ls.bidirectional else "LSTM", shape,
                         lstm_params(ls.units, width, ls.bidirectional)))  # fmt: skip
        width = out
    if spec.head is not None:
        last = rows[-1].output_shapes[0]
        rows.append(_row("head", "Dense", (*last[:-1], spec.head.units), width * spec.head.units + spec.head.units))
    return rows


def _row(layer: str, kind: str, shape: tuple, params: int) -> ShapeRow:
    return ShapeRow(layer, kind, (shape,), ("output",), ("by arithmetic",), params, "by arithmetic")


compute.shape_table_later = lambda spec: lambda: arithmetic_rows(spec)
navigation.run()
