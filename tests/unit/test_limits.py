"""lstm_lab.limits: one place, overridable by environment, checked before any work starts."""

import numpy as np
import pandas as pd
import pytest

from lstm_lab import LabSpec, LstmLabError, ModelSpec
from lstm_lab.compute.jobs import check_limits
from lstm_lab.data.dataset import Dataset
from lstm_lab.limits import Limits, check_data, check_model, check_training, describe, load
from lstm_lab.model.shapes import estimated_params, shape_table


def test_environment_overrides():
    limits = load({"LSTM_LAB_MAX_UNITS": "16", "LSTM_LAB_MAX_EPOCHS": "3"})
    assert (limits.max_units, limits.max_epochs) == (16, 3)
    with pytest.raises(LstmLabError, match="LSTM_LAB_MAX_UNITS must be a non-negative integer"):
        load({"LSTM_LAB_MAX_UNITS": "lots"})


def test_model_limits_name_the_setting_and_the_variable():
    small = Limits(max_units=16, max_params=10_000)
    with pytest.raises(LstmLabError, match=r"Layer 1's `units` is 32.*at most 16 \(LSTM_LAB_MAX_UNITS\)") as err:
        check_model(ModelSpec(), small)
    assert err.value.field == "model.layers.0.units"
    big = ModelSpec.from_dict({"features": 128, "layers": [{"units": 16, "bidirectional": True}]})
    with pytest.raises(LstmLabError, match="parameter count is 18,"):
        check_model(big, small)


@pytest.mark.parametrize(
    "d",
    [
        {"timesteps": 7, "features": 3, "layers": [{"units": 5, "return_sequences": True, "bidirectional": True},
                                                  {"units": 4, "bidirectional": True, "merge_mode": "sum"}]},
        {"timesteps": 7, "features": 1, "layers": [{"units": 9}], "head": {"units": 3}},
        {"timesteps": 7, "features": 2, "layers": [{"units": 2}], "head": None},
    ],
)  # fmt: skip
def test_estimate_equals_keras(d):
    spec = ModelSpec.from_dict(d)
    assert estimated_params(spec) == sum(r.params for r in shape_table(spec))


def test_data_and_training_limits():
    with pytest.raises(LstmLabError, match="rows × features is 30"):
        check_data(10, 3, Limits(max_cells=20))
    with pytest.raises(LstmLabError, match="`epochs` is 10"):
        check_training(LabSpec().train, Limits(max_epochs=5))


def test_a_training_over_the_limits_is_refused_before_it_starts():
    lab = LabSpec.from_dict({"model": {"layers": [{"units": 512}] * 4}, "data": {"timesteps": 5}})
    data = Dataset("t", table=pd.DataFrame(np.zeros((50, 2)), columns=["a", "b"]))
    with pytest.raises(LstmLabError, match="parameter count") as err:
        check_limits(lab, data)
    assert err.value.code == "over_limit" and err.value.values["name"] == "max_params"


def test_every_limit_is_described_with_its_variable():
    rows = describe()
    assert len(rows) == len(Limits.__dataclass_fields__)
    assert all(env.startswith("LSTM_LAB_") for _, _, env in rows)
