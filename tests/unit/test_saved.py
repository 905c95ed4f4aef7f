"""lstm_lab.saved: a browser's upload, settings and trained run as bytes and back, checked; never unpickled."""

import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from lstm_lab import LabSpec
from lstm_lab.data.dataset import Dataset
from lstm_lab.data.generate import generated, sine_table
from lstm_lab.data.upload import load_upload
from lstm_lab.model.train import train
from lstm_lab.saved import (
    SavedRun,
    UnreadableItem,
    dataset_bytes,
    lab_bytes,
    read_dataset,
    read_lab,
    read_run,
    run_bytes,
)

TINY = {"data": {"rows": 160, "timesteps": 8}, "model": {"layers": [{"units": 4}]}, "train": {"epochs": 1}}
UNPICKLED = []


class Trap:
    """Records that it was unpickled."""

    def __reduce__(self):
        return UNPICKLED.append, ("unpickled",)


@pytest.fixture(scope="module")
def trained():
    """A real tiny training: its lab, and its progress with history, predictions and the .keras bytes."""
    lab = LabSpec.from_dict(TINY)
    return lab, train(lab, sine_table(160, 1, 0.1, 0))


def _csv_upload() -> Dataset:
    lines = ["date,temperature,level"] + [
        f"2024-01-{d:02d},{20 + d / 3:.2f},{['low', 'high'][d % 2]}" for d in range(1, 29)
    ]
    return load_upload("\n".join(lines).encode(), "weather.csv", "refuse")


def test_an_uploaded_table_comes_back_as_it_was():
    data = _csv_upload()
    back = read_dataset(dataset_bytes(data))
    pd.testing.assert_frame_equal(back.table, data.table)
    assert back.time.dtype == data.time.dtype and (back.time == data.time).all()
    assert (back.name, back.notes, back.labels) == (data.name, data.notes, data.labels)


def test_uploaded_sequences_come_back_as_they_were():
    spec = LabSpec.from_dict({"data": {"source": "varlen", "task": "binary"}}).data
    data = generated(spec, 0)
    back = read_dataset(dataset_bytes(data))
    for name in ("X", "y", "lengths"):
        a, b = getattr(back, name), getattr(data, name)
        assert (a is None and b is None) or (a.dtype == b.dtype and np.array_equal(a, b))
    assert back.class_names == data.class_names


def test_settings_come_back_and_are_checked():
    lab = LabSpec.from_dict({"model": {"layers": [{"units": 64, "return_sequences": True}, {"units": 8}]}, "seed": 4})
    assert read_lab(lab_bytes(lab)) == lab
    bad = json.dumps({"format": "lstm_lab.lab", "version": 1, "lab": {"model": {"layers": [{"units": -3}]}}})
    with pytest.raises(UnreadableItem):
        read_lab(bad.encode())


def test_a_finished_run_comes_back_with_its_model_and_settings(trained):
    lab, final = trained
    trained_with = {**lab.to_dict(), "dataset": ("sine", 160)}
    time = np.arange("2024-01-01", "2024-06-09", dtype="datetime64[D]").astype("datetime64[ns]")
    back = read_run(run_bytes(SavedRun(final, trained_with, time)))
    assert back.ended and back.collect() and back.stop() is None
    p = back.progress()
    assert p == final and p.model_bytes == final.model_bytes
    assert back.trained_with == trained_with  # the dataset identity is a tuple again, as the app compares it
    assert (back.time == time).all()


def test_a_run_with_a_classifier_comes_back(trained):
    lab = LabSpec.from_dict(
        {
            **TINY,
            "data": {"source": "frequency", "task": "multiclass", "rows": 60, "timesteps": 20},
            "model": {"layers": [{"units": 4}], "head": {"units": 3, "activation": "softmax"}},
        }
    )
    final = train(lab, generated(lab.data, 0))
    back = read_run(run_bytes(SavedRun(final, {**lab.to_dict(), "dataset": None})))
    assert back.progress().predictions == final.predictions


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b"\x00" * 64,
        lambda b: b"PK\x03\x04" + b[4:40],
        lambda b: lab_bytes(LabSpec()),  # another item's bytes
    ],
)
def test_damaged_bytes_are_unreadable(trained, damage):
    lab, final = trained
    for data, read in [
        (dataset_bytes(_csv_upload()), read_dataset),
        (run_bytes(SavedRun(final, lab.to_dict())), read_run),
    ]:
        with pytest.raises(UnreadableItem):
            read(damage(data))


def _npz(header: dict, **arrays) -> bytes:
    out = io.BytesIO()
    np.savez(out, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8), **arrays)
    return out.getvalue()


def test_foreign_contents_are_refused_and_nothing_is_unpickled(trained):
    header = {"format": "lstm_lab.upload", "version": 1, "name": "x.csv", "notes": [], "kind": "series",
              "columns": ["a"], "labels": {}}  # fmt: skip
    with pytest.raises(UnreadableItem):  # a pickled object where the table should be
        read_dataset(_npz(header, values=np.array([Trap()], dtype=object)))
    with pytest.raises(UnreadableItem, match="table"):  # two columns where the header names one
        read_dataset(_npz(header, values=np.ones((5, 2))))
    with pytest.raises(UnreadableItem, match="table values"):
        read_dataset(_npz(header, values=np.full((5, 1), np.nan)))
    with pytest.raises(UnreadableItem, match="format"):
        read_dataset(_npz({**header, "version": 99}, values=np.ones((5, 1))))
    assert UNPICKLED == []

    lab, final = trained
    data = run_bytes(SavedRun(final, lab.to_dict()))
    with np.load(io.BytesIO(data)) as z:
        run_header, model = json.loads(z["header"].tobytes()), z["model"]
    running = {**run_header, "progress": {**run_header["progress"], "state": "training"}}
    with pytest.raises(UnreadableItem, match="state"):
        read_run(_npz(running, model=model))
    short = json.loads(json.dumps(run_header))
    short["progress"]["predictions"]["actual"].pop()
    with pytest.raises(UnreadableItem, match="actual"):
        read_run(_npz(short, model=model))
    with pytest.raises(UnreadableItem, match="model"):
        read_run(_npz(run_header, model=np.frombuffer(b"not a keras file", dtype=np.uint8)))
    with zipfile.ZipFile(io.BytesIO(model.tobytes())) as archive:
        assert "config.json" in archive.namelist()
