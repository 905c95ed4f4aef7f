"""The trace as CSV, and the exported script's --trace: the same numbers as lstm_lab.cell_trace."""

import io
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from lstm_lab import LabSpec, cell_trace
from lstm_lab.data.generate import generated
from lstm_lab.data.window import prepare
from lstm_lab.export.script import script
from lstm_lab.export.trace_csv import trace_csv
from lstm_lab.model.traced import initial_model, loaded_model
from lstm_lab.model.train import train

LAB = {"data": {"rows": 120, "timesteps": 6, "channels": 2}, "model": {"layers": [{"units": 3,
       "return_sequences": True}, {"units": 2, "bidirectional": True, "merge_mode": "sum"}]},
       "train": {"epochs": 1}, "seed": 4}  # fmt: skip


def _printed(out: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(out.split("# cell trace:", 1)[1].split("\n", 1)[1]))


def _run(path, *args) -> str:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, path.name, *args], cwd=path.parent, capture_output=True, text=True,
                          timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _expected(model, x, layer, direction) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(trace_csv(cell_trace(model, x, layer=layer, direction=direction))))


def test_the_csv_has_one_row_per_timestep_and_unit():
    trace = {k: np.arange(6, dtype=np.float32).reshape(3, 2) / 7 for k in "ifgoch"} | {"mask": np.array([0, 1, 1])}
    frame = pd.read_csv(io.StringIO(trace_csv(trace)))
    assert list(frame.columns) == ["t", "unit", "real", "i", "f", "g", "o", "c", "h"]
    assert frame[["t", "unit", "real"]].values.tolist() == [[0, 0, 0], [0, 1, 0], [1, 0, 1], [1, 1, 1], [2, 0, 1],
                                                            [2, 1, 1]]  # fmt: skip
    np.testing.assert_allclose(frame["c"], trace["c"].ravel(), rtol=1e-6)


def test_the_script_traces_the_initial_weights_and_a_trained_model_as_the_app_does(tmp_path):
    lab = LabSpec.from_dict(LAB)
    data = generated(lab.data, lab.seed)
    prep = prepare(data, lab.data)
    path = tmp_path / "lstm_lab_model.py"
    path.write_text(script(lab, data))
    first_test = prep.n_train + prep.n_val
    initial = initial_model(_json(lab), 2, 6)
    got = _printed(_run(path, "--trace", "--layer", "1", "--direction", "backward"))
    want = _expected(initial, prep.X[first_test], 1, "backward")
    pd.testing.assert_frame_equal(got, want, rtol=1e-5, atol=1e-6)

    (tmp_path / "lstm_lab_model.keras").write_bytes(train(lab, data).model_bytes)
    got = _printed(_run(path, "--trace", "7", "--model", "lstm_lab_model.keras"))
    want = _expected(loaded_model((tmp_path / "lstm_lab_model.keras").read_bytes()), prep.X[7], 0, "forward")
    pd.testing.assert_frame_equal(got, want, rtol=1e-5, atol=1e-6)
    with pytest.raises(AssertionError):  # the trained model's numbers are not the initial ones
        pd.testing.assert_frame_equal(got, _expected(initial, prep.X[7], 0, "forward"), rtol=1e-5, atol=1e-6)


def _json(lab: LabSpec) -> str:
    import json

    return json.dumps(lab.to_dict(), sort_keys=True)
