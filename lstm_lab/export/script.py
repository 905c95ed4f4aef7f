"""A standalone Keras script that rebuilds the lab: the same data pipeline, model, seed and training.

Nothing is written twice. The script's data pipeline is the source of :mod:`lstm_lab.data.pipeline`
and of the data generators, spliced in word for word; its layers take their Keras arguments from
:meth:`~lstm_lab.spec.LayerSpec.keras_kwargs`, as :func:`~lstm_lab.model.build.build_model` does.

The script needs only NumPy, pandas and Keras (plus plotly for the stock prices). Run with
``--shapes`` it prints every layer's output shapes and parameters, as the app shows them, and
stops; with ``--trace`` it prints one sample's gates and states as the Inside the cell page's CSV
(:mod:`lstm_lab.model.trace` and :func:`~lstm_lab.export.trace_csv.trace_csv`, spliced in word for
word); without either, it also trains, prints the loss per epoch and saves the model.
"""

from __future__ import annotations

import inspect
import pprint
import textwrap

from lstm_lab.data import generate, pipeline
from lstm_lab.data.columns import pick_columns
from lstm_lab.data.dataset import Dataset
from lstm_lab.export import trace_csv
from lstm_lab.export.files import DATA_FILE_CSV, DATA_FILE_NPZ
from lstm_lab.model import trace
from lstm_lab.model.task import loss_for
from lstm_lab.spec import LabSpec, LayerSpec

PIPELINE = [pipeline.window_count, pipeline.windows, pipeline.split_sizes, pipeline.fit_scaler, pipeline.scale,
            pipeline.label_codes, pipeline.pad_before, pipeline.series_arrays, pipeline.sequence_arrays]  # fmt: skip
MODEL_MARKER = "# --- model"
_LSTM_DEFAULTS = LayerSpec().keras_kwargs(0)

HEADER = '''"""LSTM Lab export. Rebuilds the lab's data pipeline and model with plain Keras.

    python {filename}            # build, print shapes, train, save {filename_stem}.keras
    python {filename} --shapes   # build and print each layer's output shapes and params only
    python {filename} --trace [SAMPLE] [--layer N] [--direction backward] [--model {filename_stem}.keras]
        # one sample's gates and states (default: the first test sample, the first LSTM layer), as CSV:
        # the initial weights SEED gives, or with --model a trained model (from LSTM Lab's Export page)

Needs numpy, pandas and keras (TensorFlow backend){plotly}.
"""

import sys

{imports}

SEED = {seed}
'''

SERIES = """
# --- windows: each sample is TIMESTEPS consecutive rows of the table, scaled on the training rows only
TIMESTEPS, HORIZON, STRIDE, TARGET_MODE = {timesteps}, {horizon}, {stride}, {target_mode!r}
FEATURES = {features}
TARGETS = {targets}
fy = {targets_code}
X, y, rows, (n_train, n_val, n_test), y_scaler = series_arrays(
    table[FEATURES].to_numpy(dtype=np.float64), fy, TIMESTEPS, HORIZON, STRIDE, TARGET_MODE, {val!r}, {test!r},
    {scaling!r}, labels={labels},
)
"""

SEQUENCES = """
# --- sequences are already (samples, timesteps, features); padded steps stay 0.0
FEATURES = {feature_index!r}  # columns of X used as features
X, y, (n_train, n_val, n_test), y_scaler = sequence_arrays(
    X[:, :, FEATURES].astype(np.float64), y, lengths, {val!r}, {test!r}, {scaling!r}, {padding!r}, labels={labels}
)
"""

MODEL = '''

def part(a, start, stop):
    return np.ascontiguousarray(a[start:stop], dtype=np.float32)


x_train, y_train = part(X, 0, n_train), part(y, 0, n_train)
x_val, y_val = part(X, n_train, n_train + n_val), part(y, n_train, n_train + n_val)
print("X:", X.shape, " y:", y.shape, f" split: {{n_train}} train, {{n_val}} validation, {{n_test}} test")

{marker} (set the seed first: it fixes the initial weights and the shuffling)
import keras  # noqa: E402
from keras import layers  # noqa: E402

keras.utils.set_random_seed(SEED)
{model_code}

def print_shapes(model):
    """Each layer's output shapes (batch as None) and parameter count, as LSTM Lab shows them."""
    for layer in model.layers:
        outputs = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
        shapes = ", ".join(str(tuple(t.shape)) for t in outputs)
        print(f"{{layer.name}} | {{shapes}} | {{layer.count_params():,}}")
    print(f"Total params: {{model.count_params():,}}")


print_shapes(model)
if "--shapes" in sys.argv:
    sys.exit(0)


def option(flag, default):
    """The value after ``flag`` on the command line (``--layer 1``), or ``default``."""
    at = sys.argv.index(flag) + 1 if flag in sys.argv else len(sys.argv)
    return sys.argv[at] if at < len(sys.argv) and not sys.argv[at].startswith("--") else default


if "--trace" in sys.argv:
    traced = keras.saving.load_model(option("--model", "")) if "--model" in sys.argv else model
    sample, layer = int(option("--trace", n_train + n_val)), int(option("--layer", 0))
    direction = option("--direction", "forward")
    weights = f"weights from {{option('--model', '')}}" if "--model" in sys.argv else f"initial weights, seed {{SEED}}"
    print(f"# cell trace: sample {{sample}}, LSTM layer {{layer}}, {{direction}}, {{weights}}")
    print(trace_csv(cell_trace(traced, X[sample], layer, direction)), end="")
    sys.exit(0)

# --- training
train_model = model if len(model.outputs) == 1 else keras.Model(model.inputs, model.outputs[0], name=model.name)
train_model.compile(
    optimizer=keras.optimizers.Adam({learning_rate!r}), loss={loss!r}, metrics={metrics!r}
)
history = train_model.fit(
    x_train, y_train, batch_size={batch_size}, shuffle=True, epochs={epochs}, verbose=0,
    validation_data=(x_val, y_val) if n_val else None,
)
for epoch, loss in enumerate(history.history["loss"], 1):
    val = history.history.get("val_loss")
    print(f"epoch {{epoch}}: loss {{loss:.6f}}" + (f", val_loss {{val[epoch - 1]:.6f}}" if val else ""))
train_model.save("{stem}.keras")
print("saved {stem}.keras")
'''


def script(lab: LabSpec, dataset: Dataset, filename: str = "lstm_lab_model.py") -> str:
    """The standalone script for ``lab`` on ``dataset`` (an upload is read from a file saved beside it).

    Args:
        filename: The script's file name, used in its help text and for the saved model.

    Raises:
        LstmLabError: the lab's columns do not fit the dataset.
    """
    d = lab.data
    features, targets = pick_columns(dataset, d)
    stem = filename.rsplit(".", 1)[0]
    labels = d.task != "regression"
    imports = ["import numpy as np", *(["import pandas as pd"] if d.source in ("sine", "upload") else []),
               "from numpy.lib.stride_tricks import sliding_window_view"]  # fmt: skip
    header = HEADER.format(filename=filename, filename_stem=stem, seed=lab.seed, imports="\n".join(imports),
                           plotly=", and plotly for its sample data" if d.source == "stocks" else "")  # fmt: skip
    common = dict(val=d.val_fraction, test=d.test_fraction, scaling=d.scaling, labels=labels)
    if dataset.is_series:
        fy = (
            "label_codes(table[TARGETS[0]].to_numpy())[0][:, None]" if labels else "table[TARGETS].to_numpy(np.float64)"
        )
        windows = SERIES.format(timesteps=d.timesteps, horizon=d.horizon, stride=d.stride, target_mode=d.target_mode,
                                features=_names(features, dataset.columns), targets=_names(targets, dataset.columns),
                                targets_code=fy, **common)  # fmt: skip
    else:
        index = [dataset.columns.index(f) for f in features]
        windows = SEQUENCES.format(feature_index=index, padding=d.padding, **common)
    loss, metrics = loss_for(d.task, lab.train.loss)
    train = lab.train
    model = MODEL.format(model_code=model_code(lab), learning_rate=train.learning_rate, loss=loss, metrics=metrics,
                         batch_size=train.batch_size, epochs=train.epochs, stem=stem, marker=MODEL_MARKER)  # fmt: skip
    return "".join([header, _pipeline_code(), _data_code(lab), windows, _trace_code(), model])


def _pipeline_code() -> str:
    sources = "\n\n".join(inspect.getsource(f) for f in PIPELINE)
    return f"\n\n# --- the data pipeline LSTM Lab runs (lstm_lab/data/pipeline.py)\n{sources}"


TRACE = '''

# --- the cell trace LSTM Lab shows on its Inside the cell page (lstm_lab/model/trace.py), for --trace
import io  # noqa: E402
from contextlib import contextmanager  # noqa: E402


class LstmLabError(ValueError):
    """A --trace argument that does not fit the model."""

    def __init__(self, message, **values):
        super().__init__(message)
'''


def _trace_code() -> str:
    """:mod:`lstm_lab.model.trace` from its constants on, and :func:`trace_csv`, word for word."""
    module = inspect.getsource(trace)
    body = module[module.index("\nGATES = ") :]
    return f"{TRACE}\n{body}\n\n{inspect.getsource(trace_csv.trace_csv)}"


def _names(chosen: list[str], columns: list[str]) -> str:
    """A column list as code: ``list(table.columns)`` when all are chosen, else wrapped to fit 120 characters."""
    if chosen == columns:
        return "list(table.columns)"
    return pprint.pformat(chosen, width=110, compact=True).replace("\n", "\n    ")


def _data_code(lab: LabSpec) -> str:
    d = lab.data
    if d.source == "sine":
        core = inspect.getsource(generate.sine_values)
        names = f'[f"sine_{{c + 1}}" for c in range({d.channels})]'
        call = f"values = sine_values({d.rows}, {d.channels}, {d.noise!r}, SEED)\n"
        call += f"table = pd.DataFrame(values, columns={names})\n"
        return f"\n\n# --- data: generated noisy sine waves\n{core}\n\n{call}"
    if d.source == "stocks":
        return ("\n\n# --- data: weekly stock prices shipped with plotly\nimport plotly.data  # noqa: E402\n\n"
                "table = plotly.data.stocks().drop(columns=[\"date\"]).astype(\"float64\")\n")  # fmt: skip
    if d.source in generate.VALUES:
        core = generate.VALUES[d.source]
        call = f"{core.__name__}({d.rows}, {d.timesteps}, {d.channels}, {d.noise!r}, SEED)"
        unpack = "X, y, lengths = " if d.source == "varlen" else "X, y = "
        tail = "" if d.source == "varlen" else "lengths = None\n"
        return f"\n\n# --- data: generated sequences\n{inspect.getsource(core)}\n\n{unpack}{call}\n{tail}"
    return textwrap.dedent(f"""

        # --- data: the file you loaded in LSTM Lab (download it next to this script)
        from pathlib import Path  # noqa: E402

        if Path("{DATA_FILE_NPZ}").exists():
            arrays = np.load("{DATA_FILE_NPZ}", allow_pickle=False)
            X, y = arrays["X"], arrays["y"] if "y" in arrays else None
            lengths = arrays["lengths"] if "lengths" in arrays else None
        else:
            table = pd.read_csv("{DATA_FILE_CSV}")
            table = table.drop(columns=[c for c in ["time"] if c in table])
        """)


def model_code(lab: LabSpec) -> str:
    """The functional-API lines that build the lab's model, with the arguments ``build_model`` uses."""
    m = lab.model
    if m.stateful:
        shape = f"batch_shape=({lab.train.batch_size}, X.shape[1], X.shape[2])"
    else:
        shape = "shape=(X.shape[1], X.shape[2])"
    lines = [f'inputs = keras.Input({shape}, name="input")']
    x = "inputs"
    if m.masking:
        lines.append('x = layers.Masking(mask_value=0.0, name="masking")(inputs)')
        x = "x"
    extra = []
    last = len(m.layers) - 1
    for i, ls in enumerate(m.layers):
        call = _lstm_call(ls, i, m.stateful)
        targets, main, states = _outputs(ls, i == last)
        line = f"{targets} = {call}({x})"
        if len(line) > 120:
            head, _, args = call.partition("(")
            line = f"{targets} = {head}(\n    {args[:-1]}\n)({x})"
        lines.append(line)
        x, extra = main, states
    outputs = x
    if m.head is not None:
        lines.append(f'outputs = layers.Dense({m.head.units}, activation="{m.head.activation}", name="head")({x})')
        outputs = "outputs"
    all_outputs = [outputs, *extra]
    listed = all_outputs[0] if len(all_outputs) == 1 else "[" + ", ".join(all_outputs) + "]"
    lines.append(f'model = keras.Model(inputs, {listed}, name="lstm_lab")')
    return "\n".join(lines) + "\n"


def _lstm_call(ls: LayerSpec, i: int, stateful: bool) -> str:
    """``layers.LSTM(...)`` with the arguments that differ from Keras's defaults, wrapped if bidirectional."""
    kwargs = ls.keras_kwargs(i, stateful)
    args = [str(kwargs.pop("units"))]
    args += [f"{k}={v!r}" for k, v in kwargs.items() if k == "name" or v != _LSTM_DEFAULTS[k]]
    lstm = f"layers.LSTM({', '.join(args)})".replace("'", '"')
    if not ls.bidirectional:
        return lstm
    wrapper = ", ".join(f"{k}={v!r}" for k, v in ls.bidirectional_kwargs(i).items()).replace("'", '"')
    return f"layers.Bidirectional({lstm}, {wrapper})"


def _outputs(ls: LayerSpec, last: bool) -> tuple[str, str, list[str]]:
    """Left-hand side of a layer call, the name of its main output and its state outputs."""
    if not last or not (ls.return_state or (ls.bidirectional and ls.merge_mode is None)):
        return "x", "x", []
    main = ["forward", "backward"] if ls.bidirectional and ls.merge_mode is None else ["x"]
    states = []
    if ls.return_state:
        states = ["forward_h", "forward_c", "backward_h", "backward_c"] if ls.bidirectional else ["h", "c"]
    names = main + states
    main_out = main[0] if len(main) == 1 else "[" + ", ".join(main) + "]"
    return ", ".join(names), main_out, states
