"""lstm_lab.export.script: the downloaded script runs, prints the app's shapes, and trains to the app's losses."""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from lstm_lab import LabSpec
from lstm_lab.data.columns import input_shape
from lstm_lab.data.generate import generated
from lstm_lab.export.script import script
from lstm_lab.model.shapes import shape_table
from lstm_lab.model.train import train
from lstm_lab.presets import preset_lab

ROOT = Path(__file__).resolve().parents[2]
SHAPE_PRESETS = ["single-lstm", "bidirectional-binary", "many-to-many", "next-20", "padding-masking", "stocks"]


def _variants():
    labs = {name: LabSpec.from_dict(preset_lab(name)) for name in SHAPE_PRESETS}
    states = preset_lab("return-state")
    states["model"]["layers"] = [{"units": 6, "return_sequences": True}, {"units": 5, "bidirectional": True,
                                 "merge_mode": "sum", "return_state": True}]  # fmt: skip
    labs["bidirectional-states"] = LabSpec.from_dict(states)
    pre = preset_lab("padding-masking")
    pre["data"]["padding"] = "pre"
    labs["pre-padding"] = LabSpec.from_dict(pre)
    return labs


def _run(path: Path, *args: str) -> str:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, path.name, *args], cwd=path.parent, capture_output=True, text=True,
                          timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _printed_rows(out: str) -> list[tuple]:
    rows = []
    for line in out.splitlines():
        if line.count(" | ") == 2:
            name, shapes, params = line.split(" | ")
            rows.append((name, re.findall(r"\([^()]*\)", shapes), int(params.replace(",", ""))))
    return rows


def _app_rows(lab: LabSpec) -> list[tuple]:
    data = generated(lab.data, lab.seed)
    timesteps, features = input_shape(data, lab.data)
    rows = shape_table(lab.model_spec(features, timesteps))
    return [(r.layer, [str(tuple(s)) for s in r.output_shapes], r.params) for r in rows]


def test_scripts_print_the_shapes_the_app_shows(tmp_path):
    labs = _variants()
    paths = {}
    for name, lab in labs.items():
        (tmp_path / name).mkdir()
        paths[name] = tmp_path / name / "lstm_lab_model.py"
        paths[name].write_text(script(lab, generated(lab.data, lab.seed)))
    with ThreadPoolExecutor(2) as pool:
        outputs = dict(zip(paths, pool.map(lambda p: _run(p, "--shapes"), paths.values()), strict=True))
    for name, lab in labs.items():
        assert _printed_rows(outputs[name]) == _app_rows(lab), name


def test_scripts_are_lint_clean(tmp_path):
    for name, lab in _variants().items():
        (tmp_path / f"{name.replace('-', '_')}.py").write_text(script(lab, generated(lab.data, lab.seed)))
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run([str(ruff), "check", "--no-cache", "--isolated", "--select", "E,F,W,I",
                           "--line-length", "120", str(tmp_path)], capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("name", ["regression", "classification"])
def test_script_trains_to_the_same_losses_as_the_app(tmp_path, name):
    if name == "regression":
        d = {"data": {"rows": 200, "timesteps": 8}, "model": {"layers": [{"units": 6}]}, "train": {"epochs": 2}}
    else:
        d = preset_lab("padding-masking")
        d["data"].update(rows=150, timesteps=10)
        d["train"].update(epochs=2)
    lab = LabSpec.from_dict({**d, "seed": 3})
    data = generated(lab.data, lab.seed)
    app = [h["loss"] for h in train(lab, data).history]
    path = tmp_path / "lstm_lab_model.py"
    path.write_text(script(lab, data))
    out = _run(path)
    losses = [float(m) for m in re.findall(r"epoch \d+: loss ([0-9.]+)", out)]
    assert losses == pytest.approx(app, rel=1e-4)
    assert (tmp_path / "lstm_lab_model.keras").exists()


def _script_arrays(lab: LabSpec, data) -> dict:
    """Run the exported script's data part (everything before the model) and return its arrays."""
    from lstm_lab.export.script import MODEL_MARKER

    code = script(lab, data)
    namespace = {"__name__": "exported"}
    exec(compile(code.split(MODEL_MARKER)[0], "lstm_lab_model.py", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("scaling", ["standard", "minmax", "none"])
@pytest.mark.parametrize("target_mode, horizon, stride", [("next", 3, 2), ("next_k", 4, 1), ("seq2seq", 2, 3)])
def test_the_scripts_pipeline_makes_the_apps_arrays(target_mode, horizon, stride, scaling):
    from lstm_lab.data.window import prepare

    d = {"rows": 150, "channels": 2, "timesteps": 9, "horizon": horizon, "stride": stride, "target_mode": target_mode}
    lab = LabSpec.from_dict({"data": {**d, "scaling": scaling, "targets": ["sine_2"]}})
    data = generated(lab.data, lab.seed)
    app, exported = prepare(data, lab.data), _script_arrays(lab, data)
    assert (exported["n_train"], exported["n_val"], exported["n_test"]) == (app.n_train, app.n_val, app.n_test)
    np.testing.assert_array_equal(exported["X"], app.X)
    np.testing.assert_array_equal(exported["y"], app.y)


@pytest.mark.parametrize("source, task, padding", [("varlen", "binary", "pre"), ("varlen", "binary", "post"),
                                                   ("frequency", "multiclass", "post")])  # fmt: skip
def test_the_scripts_sequences_are_the_apps(source, task, padding):
    from lstm_lab.data.window import prepare

    lab = LabSpec.from_dict({"data": {"source": source, "task": task, "rows": 60, "timesteps": 12, "padding": padding,
                                      "scaling": "minmax"}})  # fmt: skip
    data = generated(lab.data, lab.seed)
    app, exported = prepare(data, lab.data), _script_arrays(lab, data)
    np.testing.assert_array_equal(exported["X"], app.X)
    np.testing.assert_array_equal(exported["y"], app.y)


def test_the_scripts_labels_from_a_series_are_the_apps(tmp_path, monkeypatch):
    import pandas as pd

    from lstm_lab.data.dataset import Dataset
    from lstm_lab.data.window import prepare
    from lstm_lab.export.files import data_file

    table = pd.DataFrame({"x": np.sin(np.arange(80.0)), "label": (np.arange(80) // 7 % 3).astype(float)})
    data = Dataset("classes.csv", table=table)
    d = {"source": "upload", "task": "multiclass", "targets": ["label"], "features": ["x"], "timesteps": 6}
    lab = LabSpec.from_dict({"data": d})
    name, content, _ = data_file(data)
    (tmp_path / name).write_bytes(content)
    monkeypatch.chdir(tmp_path)  # the script reads the data file beside it
    exported = _script_arrays(lab, data)
    app = prepare(data, lab.data)
    np.testing.assert_array_equal(exported["X"], app.X)
    np.testing.assert_array_equal(exported["y"], app.y)
