"""What the compute tier runs for the Inside the cell page: the model to trace, and one sample's trace.

The model is the trained one (its ``.keras`` bytes) or, before training, the lab's model with the
initial weights its seed gives: the weights training starts from. Loaded and built models are kept
for the next request (two of each), since a page asks again for every sample, layer and direction.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile

import numpy as np

from lstm_lab.model.build import build_model
from lstm_lab.model.trace import cell_trace
from lstm_lab.records import CellTrace
from lstm_lab.spec import LabSpec


def trace_sample(x, layer: int, direction: str, lab: dict, model_bytes: bytes | None = None) -> dict:
    """The :class:`~lstm_lab.records.CellTrace` of sample ``x`` as a plain dict, for the Ray boundary.

    Args:
        x: One sample, ``(timesteps, features)``, as the model's input receives it.
        layer, direction: As :func:`lstm_lab.model.trace.cell_trace` takes them.
        lab: The lab dict whose model is traced with its initial weights when ``model_bytes`` is None.
        model_bytes: A ``.keras`` file this app trained, or None.

    Raises:
        LstmLabError: a bad lab, layer, direction or sample.
    """
    x = np.asarray(x, dtype=np.float32)
    if model_bytes is not None:
        model = loaded_model(model_bytes)
    else:
        timesteps, features = x.shape if x.ndim == 2 else (0, 0)
        model = initial_model(json.dumps(lab, sort_keys=True), features, timesteps)
    raw = cell_trace(model, x, layer=layer, direction=direction, sums=True)
    values = {k: raw[k] for k in ("i", "f", "g", "o", "c", "h")}
    parts = {k: raw[k].astype(np.float32) for k in ("x_part", "h_part", "bias")}
    return CellTrace(values, raw["mask"], backwards=direction == "backward", **parts).to_dict()


@functools.lru_cache(maxsize=2)
def loaded_model(model_bytes: bytes):
    """The Keras model in a ``.keras`` file's bytes (only files this app wrote: loading may run code)."""
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as f:
            f.write(model_bytes)
        return keras.saving.load_model(path, compile=False)


@functools.lru_cache(maxsize=2)
def initial_model(lab_json: str, features: int, timesteps: int):
    """The lab's model with the weights training would start from: the seed is set, then it is built."""
    import keras

    from lstm_lab.model.train import KERAS_STATE

    lab = LabSpec.from_dict(json.loads(lab_json))
    with KERAS_STATE:  # the global seed is process-wide
        keras.utils.set_random_seed(lab.seed)
        return build_model(lab.model_spec(features, timesteps))
