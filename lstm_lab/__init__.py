"""LSTM Lab's engine: settings, data, Keras models, shapes, training, teaching and the Ray compute tier.

The notebook API lives at the top level. Importing the package loads no TensorFlow: the functions
that need Keras are imported on first use (PEP 562), and import Keras themselves when called.

>>> import lstm_lab
>>> spec = lstm_lab.ModelSpec.from_dict({"timesteps": 20, "features": 128, "layers": [{"units": 64}], "head": None})
>>> [(row.layer, row.output_shapes, row.params) for row in lstm_lab.shape_table(spec)]
[('input', ((None, 20, 128),), 0), ('lstm_1', ((None, 64),), 49408)]

The web app reaches Keras only through :mod:`lstm_lab.compute`, never in its own process.
"""

from importlib import import_module

from lstm_lab.errors import LstmLabError
from lstm_lab.spec import DataSpec, HeadSpec, LabSpec, LayerSpec, ModelSpec, TrainSpec

_LAZY = {
    "build_model": "lstm_lab.model.build",
    "shape_table": "lstm_lab.model.shapes",
    "train": "lstm_lab.model.train",
    "cell_trace": "lstm_lab.model.trace",
    "prepare": "lstm_lab.data.window",
    "window_summary": "lstm_lab.data.window",
    "generated": "lstm_lab.data.generate",
    "load_upload": "lstm_lab.data.upload",
    "script": "lstm_lab.export.script",
}

__all__ = ["DataSpec", "HeadSpec", "LabSpec", "LayerSpec", "LstmLabError", "ModelSpec", "TrainSpec", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lstm_lab' has no attribute {name!r}")
