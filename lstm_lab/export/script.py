"""A standalone Keras script that rebuilds the lab: the same data pipeline, model, seed and training.

The script needs only NumPy, pandas and Keras (plus plotly for the stock prices). Run with
``--shapes`` it prints every layer's output shapes and parameters, as the app shows them, and
stops; without it, it also trains, prints the loss per epoch and saves the model.
"""

from __future__ import annotations

import inspect
import pprint
import textwrap

from lstm_lab.data import generate
from lstm_lab.data.dataset import Dataset
from lstm_lab.data.window import pick_columns
from lstm_lab.model.build import layer_name
from lstm_lab.model.task import loss_for
from lstm_lab.spec import LabSpec, LayerSpec

DATA_FILE_CSV = "lstm_lab_data.csv"
DATA_FILE_NPZ = "lstm_lab_data.npz"

HEADER = '''"""LSTM Lab export. Rebuilds the lab's data pipeline and model with plain Keras.

    python {filename}            # build, print shapes, train, save {filename_stem}.keras
    python {filename} --shapes   # build and print each layer's output shapes and params only

Needs numpy, pandas and keras (TensorFlow backend){plotly}.
"""

import sys

{imports}

SEED = {seed}
'''

SPLIT = '''


def split_counts(samples, val_fraction, test_fraction):
    """Chronological train/validation/test sizes; the last samples are the test set."""
    n_test = max(round(samples * test_fraction), 1 if test_fraction > 0 else 0)
    n_val = max(round(samples * val_fraction), 1 if val_fraction > 0 else 0)
    return samples - n_val - n_test, n_val, n_test


def fit_scaler(values, kind):
    """Per-column centre and scale, fitted on training rows only."""
    if kind == "standard":
        center, scale = values.mean(axis=0), values.std(axis=0)
    elif kind == "minmax":
        center, scale = values.min(axis=0), values.max(axis=0) - values.min(axis=0)
    else:
        center, scale = np.zeros(values.shape[1]), np.ones(values.shape[1])
    scale = np.where(scale > 0, scale, 1.0)
    return center.astype(np.float32), scale.astype(np.float32)


def scale(values, scaler):
    return ((values - scaler[0]) / scaler[1]).astype(np.float32)

'''

SERIES = """
# --- windows: each sample is TIMESTEPS consecutive rows (a strided view: no copies)
TIMESTEPS, HORIZON, STRIDE, TARGET_MODE = {timesteps}, {horizon}, {stride}, {target_mode!r}
FEATURES = {features}
TARGETS = {targets}
n = len(table)
samples = (n - TIMESTEPS - HORIZON) // STRIDE + 1
starts = np.arange(samples) * STRIDE
picks = slice(0, (samples - 1) * STRIDE + 1, STRIDE)
n_train, n_val, n_test = split_counts(samples, {val}, {test})
last_train_row = (n_train - 1) * STRIDE + TIMESTEPS + HORIZON - 1
fx = table[FEATURES].to_numpy(dtype=np.float64)
x_scaler = fit_scaler(fx[: last_train_row + 1], {scaling!r})
X = sliding_window_view(scale(fx, x_scaler), TIMESTEPS, axis=0).transpose(0, 2, 1)[picks]
{targets_code}"""

SERIES_REGRESSION = """fy = table[TARGETS].to_numpy(dtype=np.float64)
y_scaler = fit_scaler(fy[: last_train_row + 1], {scaling!r})
fy = scale(fy, y_scaler)
if TARGET_MODE == "next":
    y = fy[starts + TIMESTEPS - 1 + HORIZON]
elif TARGET_MODE == "next_k":
    ahead = sliding_window_view(fy, HORIZON, axis=0).transpose(0, 2, 1)
    y = ahead[TIMESTEPS : TIMESTEPS + picks.stop : STRIDE].reshape(samples, -1)
else:  # seq2seq: the window shifted by HORIZON
    y = sliding_window_view(fy, TIMESTEPS, axis=0).transpose(0, 2, 1)[HORIZON : HORIZON + picks.stop : STRIDE]
"""

SERIES_LABELS = """labels = table[TARGETS[0]].to_numpy()
codes = np.searchsorted(np.unique(labels), labels).astype(np.int32)
y = codes[starts + TIMESTEPS - 1 + HORIZON]
"""

SEQUENCES = """
# --- sequences are already (samples, timesteps, features)
FEATURES = {feature_index!r}  # columns of X used as features
X = X[:, :, FEATURES].astype(np.float64)
samples, timesteps = X.shape[:2]
n_train, n_val, n_test = split_counts(samples, {val}, {test})
lengths = lengths if lengths is not None else np.full(samples, timesteps)
real = np.arange(timesteps)[None, :] < lengths[:, None]  # padded steps are not data
x_scaler = fit_scaler(X[:n_train][real[:n_train]], {scaling!r})
X = np.where(real[:, :, None], scale(X, x_scaler), 0.0).astype(np.float32)
{padding_code}{targets_code}"""

PAD_BEFORE = """shift = timesteps - lengths  # move the zeros (padding) before the data
source = (np.arange(timesteps)[None, :] - shift[:, None]) % timesteps
X = np.take_along_axis(X, source[:, :, None], axis=1)
X[np.arange(timesteps)[None, :] < shift[:, None]] = 0.0
"""

SEQUENCE_LABELS = """y = np.searchsorted(np.unique(y), np.asarray(y).ravel()).astype(np.int32)
"""

SEQUENCE_REGRESSION = """y = np.asarray(y, dtype=np.float64)
y = y[:, None] if y.ndim == 1 else y
flat = y.reshape(-1, y.shape[-1])
y_scaler = fit_scaler(flat[: n_train * (len(flat) // samples)], {scaling!r})
y = scale(y, y_scaler)
"""

MODEL = '''

def part(a, start, stop):
    return np.ascontiguousarray(a[start:stop], dtype=np.float32)


x_train, y_train = part(X, 0, n_train), part(y, 0, n_train)
x_val, y_val = part(X, n_train, n_train + n_val), part(y, n_train, n_train + n_val)
print("X:", X.shape, " y:", y.shape, f" split: {{n_train}} train, {{n_val}} validation, {{n_test}} test")

# --- model (set the seed first: it fixes the initial weights and the shuffling)
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
    imports = ["import numpy as np"]
    if d.source in ("sine", "upload"):
        imports.append("import pandas as pd")
    if dataset.is_series:
        imports.append("from numpy.lib.stride_tricks import sliding_window_view")
    parts = [
        HEADER.format(
            filename=filename,
            filename_stem=stem,
            seed=lab.seed,
            imports="\n".join(imports),
            plotly=", and plotly for its sample data" if d.source == "stocks" else "",
        ),
        _data_code(lab),
        SPLIT,
    ]
    val, test = d.val_fraction, d.test_fraction
    if dataset.is_series:
        targets_code = (SERIES_REGRESSION if d.task == "regression" else SERIES_LABELS).format(scaling=d.scaling)
        parts.append(SERIES.format(timesteps=d.timesteps, horizon=d.horizon, stride=d.stride,
                                   target_mode=d.target_mode, features=_names(features, dataset.columns),
                                   targets=_names(targets, dataset.columns), val=val, test=test,
                                   scaling=d.scaling, targets_code=targets_code))  # fmt: skip
    else:
        index = [dataset.columns.index(f) for f in features]
        targets_code = (SEQUENCE_REGRESSION if d.task == "regression" else SEQUENCE_LABELS).format(scaling=d.scaling)
        padding = PAD_BEFORE if d.padding == "pre" else ""
        parts.append(SEQUENCES.format(feature_index=index, val=val, test=test, scaling=d.scaling,
                                      padding_code=padding, targets_code=targets_code))  # fmt: skip
    loss, metrics = loss_for(d.task, lab.train.loss)
    parts.append(MODEL.format(model_code=model_code(lab), learning_rate=lab.train.learning_rate, loss=loss,
                              metrics=metrics, batch_size=lab.train.batch_size, epochs=lab.train.epochs,
                              stem=stem))  # fmt: skip
    return "".join(parts)


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
    if d.source in ("trend", "frequency", "varlen"):
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
    """The functional-API lines that build the lab's model, named as the app names its layers."""
    m = lab.model
    lines = []
    if m.stateful:
        lines.append(
            f'inputs = keras.Input(batch_shape=({lab.train.batch_size}, X.shape[1], X.shape[2]), name="input")'
        )
    else:
        lines.append('inputs = keras.Input(shape=(X.shape[1], X.shape[2]), name="input")')
    x = "inputs"
    if m.masking:
        lines.append('x = layers.Masking(mask_value=0.0, name="masking")(inputs)')
        x = "x"
    extra = []
    last = len(m.layers) - 1
    for i, ls in enumerate(m.layers):
        call = _lstm_call(ls, i, m.stateful, lab)
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


def _lstm_call(ls: LayerSpec, i: int, stateful: bool, lab: LabSpec) -> str:
    spec = lab.model_spec(1)
    args = [str(ls.units)]
    if ls.activation != "tanh":
        args.append(f'activation="{ls.activation}"')
    for name in ("return_sequences", "return_state", "stateful"):
        value = stateful if name == "stateful" else getattr(ls, name)
        if value:
            args.append(f"{name}=True")
    if ls.dropout:
        args.append(f"dropout={ls.dropout!r}")
    inner = f"lstm_{i + 1}_cell" if ls.bidirectional else f"lstm_{i + 1}"
    lstm = f'layers.LSTM({", ".join(args)}, name="{inner}")'
    if not ls.bidirectional:
        return lstm
    merge = "None" if ls.merge_mode is None else f'"{ls.merge_mode}"'
    return f'layers.Bidirectional({lstm}, merge_mode={merge}, name="{layer_name(spec, i)}")'


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
