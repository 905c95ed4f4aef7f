"""What a browser keeps across restarts, as bytes for :mod:`lstm_lab.store`, and back, checked field by field.

Three items: the uploaded :class:`Dataset` (its arrays and a JSON header in one ``.npz``), the lab settings
(JSON), and the last training as a :class:`SavedRun` (its final :class:`Progress`, the settings it trained
with, its x-axis and the ``.keras`` bytes, in one ``.npz``). Arrays are written and read with
``allow_pickle=False``: nothing is ever pickled or unpickled. Reading checks every field against what this
module writes; anything else (damaged, from another version, not ours) raises :class:`UnreadableItem`.

>>> from lstm_lab.spec import LabSpec
>>> read_lab(lab_bytes(LabSpec.from_dict({"seed": 3}))).seed
3
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from lstm_lab.data.dataset import Dataset
from lstm_lab.errors import LstmLabError
from lstm_lab.records import ENDED, ClassificationPredictions, Progress, RegressionPredictions
from lstm_lab.spec import LabSpec

VERSION = 1
UPLOAD, LAB, RUN = "upload", "lab", "run"  # the item names in the store
RUN_PREFIX = "run."  # + a run id: each ended training, for the Runs page


class UnreadableItem(LstmLabError):
    """A stored item is not what this module writes; ``reason`` says which check failed."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"The saved {name} could not be read: {reason}", code="saved_item_unreadable",
                         name=name, reason=reason)  # fmt: skip
        self.name = name


class _Bad(ValueError):
    """One failed check, while reading."""


@dataclass(frozen=True, eq=False)
class SavedRun:
    """A training that ended before a restart, as pages see a training job: its progress, nothing to stop.

    ``trained_with`` is the lab dict it was started with plus ``dataset`` (the data's name and rows);
    ``time`` the x-axis (dates) of that data, or ``None`` for row numbers; ``run_id`` and ``started``
    (seconds since the epoch) and ``number`` (#1, #2… in this browser) name the run on the Runs page.
    """

    final: Progress
    trained_with: dict
    time: np.ndarray | None = None
    run_id: str = ""
    started: float = 0.0
    number: int = 0

    ended = True

    def progress(self) -> Progress:
        return self.final

    def collect(self) -> bool:
        return True

    def stop(self) -> None:
        """Nothing runs: nothing to stop."""


def dataset_bytes(dataset: Dataset) -> bytes:
    """An uploaded dataset as ``.npz`` bytes: its arrays, and its names and notes as a JSON header."""
    header = {"format": "lstm_lab.upload", "version": VERSION, "name": dataset.name, "notes": list(dataset.notes)}
    if dataset.is_series:
        header |= {"kind": "series", "columns": dataset.columns, "labels": dataset.labels}
        arrays = {"values": dataset.table.to_numpy(), "time": dataset.time}
    else:
        header |= {"kind": "sequences", "class_names": dataset.class_names}
        arrays = {"X": dataset.X, "y": dataset.y, "lengths": dataset.lengths}
    return _npz(header, arrays)


def read_dataset(data: bytes) -> Dataset:
    """The dataset :func:`dataset_bytes` wrote.

    Raises:
        UnreadableItem: the bytes are not such a dataset.
    """
    with _reading("uploaded file"):
        header, arrays = _unnpz(data, "lstm_lab.upload")
        name, notes = _text(header["name"]), _texts(header["notes"])
        if header["kind"] == "series":
            columns, values, time = _texts(header["columns"]), arrays.pop("values"), arrays.pop("time", None)
            _check(values.ndim == 2 and values.dtype.kind == "f" and values.shape[1] == len(columns) > 0, "table")
            _check(np.isfinite(values).all() and len(set(columns)) == len(columns), "table values")
            _check(time is None or (time.shape == values.shape[:1] and time.dtype.kind in "Mfiu"), "x-axis")
            labels = header["labels"]
            _check(isinstance(labels, dict) and all(c in columns for c in labels), "label columns")
            labels = {c: _texts(names) for c, names in labels.items()}
            _check(not arrays, "extra arrays")
            table = pd.DataFrame(values, columns=columns)
            return Dataset(name=name, table=table, time=time, notes=notes, labels=labels)
        _check(header["kind"] == "sequences", "kind")
        X, y, lengths = arrays.pop("X"), arrays.pop("y", None), arrays.pop("lengths", None)
        _check(X.ndim in (2, 3) and X.dtype.kind == "f" and len(X) > 0, "X")
        _check(y is None or (y.dtype.kind in "fiub" and len(y) == len(X)), "y")
        _check(lengths is None or (lengths.dtype.kind in "iu" and lengths.shape == X.shape[:1]), "lengths")
        class_names = None if header["class_names"] is None else _texts(header["class_names"])
        _check(not arrays, "extra arrays")
        return Dataset(name=name, X=X, y=y, lengths=lengths, class_names=class_names, notes=notes)


def lab_bytes(lab: LabSpec) -> bytes:
    """The lab settings as JSON."""
    return json.dumps({"format": "lstm_lab.lab", "version": VERSION, "lab": lab.to_dict()}).encode()


def read_lab(data: bytes) -> LabSpec:
    """The lab :func:`lab_bytes` wrote, checked as a link's settings are.

    Raises:
        UnreadableItem: the bytes are not such a lab.
    """
    with _reading("settings"):
        d = json.loads(data)
        _check(isinstance(d, dict) and d.get("format") == "lstm_lab.lab" and d.get("version") == VERSION, "format")
        return LabSpec.from_dict(d["lab"])


def run_bytes(run: SavedRun) -> bytes:
    """A run as ``.npz`` bytes: its progress and settings as a JSON header, the ``.keras`` bytes and x-axis."""
    p = run.final
    progress = {**p.to_dict(), "model_bytes": None}
    header = {"format": "lstm_lab.run", "version": VERSION, "progress": progress, "trained_with": run.trained_with,
              "run_id": run.run_id, "started": run.started, "number": run.number}  # fmt: skip
    model = None if p.model_bytes is None else np.frombuffer(p.model_bytes, dtype=np.uint8)
    return _npz(header, {"model": model, "time": run.time})


def read_run(data: bytes) -> SavedRun:
    """The run :func:`run_bytes` wrote.

    Raises:
        UnreadableItem: the bytes are not such a run.
    """
    with _reading("trained model"):
        header, arrays = _unnpz(data, "lstm_lab.run")
        model, time = arrays.pop("model", None), arrays.pop("time", None)
        _check(not arrays, "extra arrays")
        _check(model is None or (model.dtype == np.uint8 and model.ndim == 1), "model")
        model_bytes = None if model is None else model.tobytes()
        if model_bytes is not None:
            with zipfile.ZipFile(io.BytesIO(model_bytes)) as archive:
                _check("config.json" in archive.namelist(), "model file")
        _check(time is None or (time.ndim == 1 and time.dtype.kind in "Mfiu"), "x-axis")
        progress = _progress(header["progress"], model_bytes)
        trained_with = header["trained_with"]
        _check(isinstance(trained_with, dict), "settings")
        dataset = trained_with.get("dataset")
        _check(dataset is None or (isinstance(dataset, list) and len(dataset) == 2), "dataset")
        LabSpec.from_dict({k: v for k, v in trained_with.items() if k != "dataset"})
        trained_with = {**trained_with, "dataset": None if dataset is None else (_text(dataset[0]), int(dataset[1]))}
        run_id, started, number = header.get("run_id", ""), header.get("started", 0.0), header.get("number", 0)
        _check(isinstance(run_id, str) and len(run_id) <= 32 and isinstance(started, (int, float)), "run")
        _check(_is_int(number) and number >= 0, "run number")
        return SavedRun(progress, trained_with, time, run_id, float(started), number)


def _progress(d: dict, model_bytes: bytes | None) -> Progress:
    _check(isinstance(d, dict) and d.get("state") in ENDED, "state")
    _check(all(_is_int(d[k]) and d[k] >= 0 for k in ("epoch", "epochs", "steps")), "epochs")
    _check(_is_int(d.get("params", 0)) and d.get("params", 0) >= 0, "parameter count")
    history = d["history"]
    _check(isinstance(history, list) and all(_is_numbers(h) for h in history), "history")
    _check(d["message"] is None or isinstance(d["message"], str), "message")
    error = d["error"]
    _check(error is None or (isinstance(error, dict) and isinstance(error.get("message"), str)), "error")
    _check(error is None or isinstance(error.get("values", {}), dict), "error")
    _predictions(d["predictions"])
    return Progress.from_dict({**d, "model_bytes": model_bytes})


def _predictions(d: dict | None) -> None:
    if d is None:
        return
    _check(isinstance(d, dict), "predictions")
    cls = {"regression": RegressionPredictions, "classification": ClassificationPredictions}.get(d.get("kind"))
    _check(cls is not None and set(d) == {f.name for f in fields(cls)}, "predictions")
    rows = d["rows"]
    _check(isinstance(rows, list) and all(_is_int(r) for r in rows), "prediction rows")
    _check(isinstance(d["x_is_time"], bool) and _is_numbers(d["metrics"]), "prediction metrics")
    if cls is RegressionPredictions:
        k = len(_texts(d["target_names"]))
        for key in ("actual", "predicted"):
            _check(_array(d[key], float).shape == (len(rows), k) and k > 0, key)
        metrics = d["target_metrics"]
        _check(isinstance(metrics, list) and len(metrics) == k and all(map(_is_numbers, metrics)), "metrics")
        _check(d["baseline"] == [] or _array(d["baseline"], float).shape == (len(rows), k), "baseline")
        band = d["interval"]
        _check(band is None or (isinstance(band, dict) and set(band) == {"level", "half_width", "coverage", "samples"}
                                and _array(band["half_width"], float).shape == (k,)
                                and _array(band["coverage"], float).shape == (k,)
                                and _is_int(band["samples"]) and isinstance(band["level"], float)), "band")  # fmt: skip
        return
    c = len(_texts(d["class_names"]))
    for key in ("actual", "predicted"):
        codes = _array(d[key], int)
        _check(codes.shape == (len(rows),) and ((codes >= 0) & (codes < c)).all(), key)
    _check(_array(d["probabilities"], float).shape == (len(rows), c), "probabilities")
    _check(_array(d["confusion"], int).shape == (c, c), "confusion")


@contextmanager
def _reading(what: str) -> Iterator[None]:
    """Turns any failure while reading the item ``what`` into :class:`UnreadableItem`."""
    try:
        yield
    except UnreadableItem:
        raise
    except Exception as e:  # bytes from the store are untrusted: any failure means they are not ours
        raise UnreadableItem(what, str(e) if isinstance(e, _Bad) else type(e).__name__) from e


def _npz(header: dict, arrays: dict) -> bytes:
    out = io.BytesIO()
    kept = {k: np.asarray(v) for k, v in arrays.items() if v is not None}
    np.savez(out, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8), **kept)
    return out.getvalue()


def _unnpz(data: bytes, kind: str) -> tuple[dict, dict[str, np.ndarray]]:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        _check(isinstance(z, np.lib.npyio.NpzFile), "not an archive")
        arrays = {name: z[name] for name in z.files}
    header = json.loads(arrays.pop("header").tobytes())
    _check(isinstance(header, dict) and header.get("format") == kind and header.get("version") == VERSION, "format")
    return header, arrays


def _array(value, dtype) -> np.ndarray:
    _check(isinstance(value, list), "not a list")
    return np.asarray(value, dtype=dtype)


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise _Bad(f"its {what} is not as saved")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_numbers(d) -> bool:
    return isinstance(d, dict) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in d.values())


def _text(v) -> str:
    _check(isinstance(v, str), "text")
    return v


def _texts(v) -> list[str]:
    _check(isinstance(v, list) and all(isinstance(s, str) for s in v), "names")
    return list(v)
