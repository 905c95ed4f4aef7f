"""The notebook API: the top level has what the README promises, and importing it loads no TensorFlow."""

import subprocess
import sys
from pathlib import Path

import lstm_lab

ROOT = Path(__file__).resolve().parents[2]


def test_the_notebook_api_is_at_the_top_level():
    from lstm_lab import LabSpec, build_model, cell_trace, generated, prepare, shape_table, train

    lab = LabSpec.from_dict({"data": {"rows": 120, "timesteps": 6}, "model": {"layers": [{"units": 3}]},
                             "train": {"epochs": 1}})  # fmt: skip
    data = generated(lab.data, lab.seed)
    prep = prepare(data, lab.data)
    spec = lab.model_spec(features=prep.X.shape[2])
    assert [r.output_shapes for r in shape_table(spec)][-1] == ((None, 1),)
    model = build_model(spec)
    assert cell_trace(model, prep.X[0])["h"].shape == (6, 3)
    assert train(lab, data).state == "done"
    assert set(lstm_lab.__all__) >= {"ModelSpec", "build_model", "shape_table", "prepare", "train", "cell_trace"}


def test_importing_the_package_loads_no_tensorflow():
    code = (
        "import sys, lstm_lab; from lstm_lab import ModelSpec, shape_table, build_model, prepare, train, cell_trace; "
        "print(sorted(m for m in ('tensorflow', 'keras', 'streamlit', 'ray') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_an_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lstm_lab.nope
