"""The Runs page's table: one row per training, the settings that differ between the runs, and results.

Plain data in, plain data out: a run is a :class:`RunView` (its progress and the lab it was started with).

>>> a = RunView("a1", 1, 0.0, Progress("done", 2, 2, history=({"epoch": 2, "loss": 0.5, "seconds": 1.5},)),
...             {"seed": 1, "model": {"layers": [{"units": 4}]}, "dataset": ("sine", 600)})
>>> b = RunView("b2", 2, 60.0, Progress("training", 1, 9), {"seed": 1, "model": {"layers": [{"units": 8}]},
...             "dataset": ("sine", 600)})
>>> [(r["Run"], r["model.layers.0.units"], r["State"]) for r in table([a, b])]
[('#1', '4', 'done'), ('#2', '8', 'training, epoch 1 of 9')]
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from lstm_lab.records import ClassificationPredictions, Progress


@dataclass(frozen=True)
class RunView:
    """One training as the Runs page lists it: ``number`` counts this browser's runs from 1."""

    run_id: str
    number: int
    started: float
    progress: Progress
    trained_with: dict

    @property
    def label(self) -> str:
        return f"#{self.number}"


def flat(d: dict, prefix: str = "") -> dict:
    """A nested lab dict as dotted paths, the way errors and links name settings.

    >>> flat({"model": {"layers": [{"units": 4}], "head": None}, "seed": 1})
    {'model.layers.0.units': 4, 'model.head': None, 'seed': 1}
    """
    out = {}
    for key, value in d.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flat(value, path + "."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                out.update(flat(item, f"{path}.{i}."))
        else:
            out[path] = value
    return out


def differing(labs: list[dict]) -> list[str]:
    """The paths whose value is not the same in every lab (missing in one counts as different).

    >>> differing([{"seed": 1, "train": {"epochs": 2}}, {"seed": 1, "train": {"epochs": 5}}])
    ['train.epochs']
    """
    flats = [flat(_settings(lab)) for lab in labs]
    paths = list(dict.fromkeys(p for f in flats for p in f))
    return [p for p in paths if len({repr(f.get(p, "—")) for f in flats}) > 1]


def table(runs: list[RunView]) -> list[dict]:
    """One row per run: its number, start, state, the differing settings, parameters and results."""
    paths = differing([r.trained_with for r in runs])
    return [_row(r, paths) for r in runs]


def _settings(trained_with: dict) -> dict:
    dataset = trained_with.get("dataset")
    return {**{k: v for k, v in trained_with.items() if k != "dataset"}, "data.file": dataset and dataset[0]}


def _row(run: RunView, paths: list[str]) -> dict:
    p, settings = run.progress, flat(_settings(run.trained_with))
    last = p.history[-1] if p.history else {}
    state = p.state if p.ended else f"{p.state}, epoch {p.epoch} of {p.epochs}"
    row = {"Run": run.label, "Started": time.strftime("%H:%M:%S", time.localtime(run.started)), "State": state}
    row.update({path: _text(settings.get(path, "—")) for path in paths})
    row["Params"] = f"{p.params:,}" if p.params else ""
    row["Loss"] = _number(last.get("loss"))
    row["Val loss"] = _number(last.get("val_loss"))
    row.update(_results(p))
    row["Seconds"] = _number(last.get("seconds"), "{:.1f}")
    return row


def _results(p: Progress) -> dict:
    pred = p.predictions
    if isinstance(pred, ClassificationPredictions):
        m = pred.metrics
        return {"Accuracy": f"{m['accuracy']:.1%}", "Baseline accuracy": f"{m['baseline_accuracy']:.1%}"}
    m = pred.metrics if pred is not None else {}
    names = {"mae": "MAE", "baseline_mae": "Baseline MAE", "rmse": "RMSE", "baseline_rmse": "Baseline RMSE"}
    return {label: _number(m.get(key)) for key, label in names.items()}


def _number(value, fmt: str = "{:.4g}") -> str:
    return "" if value is None else fmt.format(value)


def _text(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return "none" if value is None else str(value)
