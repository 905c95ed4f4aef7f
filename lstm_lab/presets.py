"""One-click labs: the models people meet first, each with one sentence of context.

A preset lists only what differs from the defaults; :func:`preset_lab` fills in the rest.

>>> from lstm_lab.spec import LabSpec
>>> lab = LabSpec.from_dict(preset_lab("single-lstm"))
>>> lab.model_spec(features=lab.data.channels).features, lab.model.layers[0].units
(128, 64)
"""

from __future__ import annotations

import copy

from lstm_lab.errors import LstmLabError
from lstm_lab.spec import LabSpec

PRESETS: dict[str, dict] = {
    "single-lstm": {
        "title": "Single LSTM(64) on (20, 128)",
        "context": "The classic many-to-one layer: 20 timesteps of 128 features go in, one 64-wide summary "
        "of the whole window comes out, with 4·64·(128 + 64 + 1) = 49,408 weights.",
        "lab": {
            "data": {"source": "sine", "channels": 128, "timesteps": 20, "rows": 600},
            "model": {"layers": [{"units": 64}], "head": {"units": 1, "activation": "linear"}},
        },
    },
    "stacked": {
        "title": "Stacked LSTM 64 → 32 on (30, 50)",
        "context": "To stack LSTMs the first must hand over its whole sequence (return_sequences), so the "
        "second still has a time axis to read; the second keeps only its last step.",
        "lab": {
            "data": {"source": "sine", "channels": 50, "timesteps": 30, "rows": 600},
            "model": {"layers": [{"units": 64, "return_sequences": True}, {"units": 32}]},
        },
    },
    "bidirectional-binary": {
        "title": "Bidirectional binary classifier",
        "context": "Two Bidirectional layers read each sequence forwards and backwards (concat doubles the "
        "width), and a sigmoid unit says whether the trend goes up.",
        "lab": {
            "data": {"source": "trend", "task": "binary", "channels": 3, "timesteps": 20, "rows": 800},
            "model": {
                "layers": [
                    {"units": 64, "return_sequences": True, "bidirectional": True},
                    {"units": 32, "bidirectional": True},
                ],
                "head": {"units": 1, "activation": "sigmoid"},
            },
            "train": {"epochs": 8},
        },
    },
    "many-to-many": {
        "title": "Many-to-many: a Dense at every timestep",
        "context": "With return_sequences the LSTM keeps one vector per timestep, and the Dense head is "
        "applied to each of them: 50 steps in, 50 predictions out, each one step ahead.",
        "lab": {
            "data": {"source": "sine", "channels": 1, "timesteps": 50, "target_mode": "seq2seq", "rows": 800},
            "model": {"layers": [{"units": 32, "return_sequences": True}]},
        },
    },
    "next-20": {
        "title": "Seq2seq: predict the next 20 values",
        "context": "One window in, the next 20 values out: the LSTM summarises the window and a Dense(20) "
        "head turns the summary into a 20-step forecast.",
        "lab": {
            "data": {"source": "sine", "timesteps": 40, "horizon": 20, "target_mode": "next_k", "rows": 1200},
            "model": {"layers": [{"units": 50}], "head": {"units": 20, "activation": "linear"}},
        },
    },
    "multiclass": {
        "title": "Which frequency? Softmax over 3 classes",
        "context": "A Bidirectional LSTM summarises each sequence and a softmax head spreads one probability "
        "over three classes: slow, medium or fast oscillation.",
        "lab": {
            "data": {"source": "frequency", "task": "multiclass", "channels": 1, "timesteps": 40, "rows": 900},
            "model": {"layers": [{"units": 32, "bidirectional": True}], "head": {"units": 3, "activation": "softmax"}},
            "train": {"epochs": 8},
        },
    },
    "padding-masking": {
        "title": "Variable-length sequences: padding and masking",
        "context": "Shorter sequences are padded with zeros to one length; the Masking layer tells the LSTM "
        "to skip those steps instead of reading them as data.",
        "lab": {
            "data": {"source": "varlen", "task": "binary", "channels": 1, "timesteps": 30, "rows": 800},
            "model": {"layers": [{"units": 32}], "head": {"units": 1, "activation": "sigmoid"}, "masking": True},
            "train": {"epochs": 8},
        },
    },
    "return-state": {
        "title": "Return the states h and c",
        "context": "return_state adds the final hidden state h and cell state c as outputs (an encoder "
        "hands these to a decoder); h equals the last step of the output.",
        "lab": {"model": {"layers": [{"units": 32, "return_state": True}]}},
    },
    "broken-stack": {
        "title": "A classic error: stacking without return_sequences",
        "context": "The first LSTM returns only its last step, so the second gets a 2-D tensor and Keras "
        "refuses. Read the message, then press Fix.",
        "lab": {"model": {"layers": [{"units": 64}, {"units": 32}]}},
    },
    "stocks": {
        "title": "Stock prices: next week's Apple from all six",
        "context": "Real weekly prices: 8 weeks of six stocks predict Apple's price one week later; compare "
        "the model with simply repeating last week's price.",
        "lab": {
            "data": {
                "source": "stocks",
                "timesteps": 8,
                "targets": ["AAPL"],
                "val_fraction": 0.1,
                "test_fraction": 0.2,
            },
            "model": {"layers": [{"units": 16}]},
            "train": {"epochs": 30, "batch_size": 16},
        },
    },
}


def preset_lab(name: str, seed: int = 0) -> dict:
    """The full lab dict of preset ``name``: the defaults with the preset's settings on top.

    Raises:
        LstmLabError: no preset has that name.
    """
    if name not in PRESETS:
        raise LstmLabError(f"No preset called {name!r}; presets are: {', '.join(PRESETS)}.", code="unknown_preset")
    lab = _merge(LabSpec().to_dict(), copy.deepcopy(PRESETS[name]["lab"]))
    lab["seed"] = seed
    return LabSpec.from_dict(lab).to_dict()


def _merge(base: dict, top: dict) -> dict:
    for key, value in top.items():
        base[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return base
