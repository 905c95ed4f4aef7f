"""Each error people hit, triggered through the UI (widgets, links, uploads), then fixed in one click."""

import numpy as np
from app_helpers import APP, TIMEOUT, goto, widget
from streamlit.testing.v1 import AppTest

from lstm_lab.data.dataset import Dataset


def open_with(query: dict, page: str = "model", **session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    for k, v in session.items():
        at.session_state[k] = v
    at.run()
    if page != "data":
        goto(at, page)
    assert not at.exception, at.exception
    return at


def shapes(at) -> list[str]:
    return list(at.table[0].value["Shape"])


def test_head_after_sequences_against_single_targets(app):
    goto(app, "model")
    widget(app.toggle, "model.layers.0.return_sequences").set_value(True).run()
    assert "The head predicts every timestep" in app.error[0].value
    app.button(key="fit.0").click().run()
    assert shapes(app)[-1] == "(None, 1)" and not app.error


def test_return_state_in_the_middle_of_a_stack():
    at = open_with({"layers": "8+seq+state,4"})
    assert "`return_state` in the middle of a stack" in at.error[0].value
    assert "received 3 input tensors" in at.code[0].value
    at.button(key="fix.0").click().run()
    assert shapes(at) == ["(None, 20, 1)", "(None, 20, 8)", "(None, 4)", "(None, 1)"]


def test_merge_mode_none_before_the_head():
    at = open_with({"layers": "8+bi-none"})
    at.button(key="fix.0").click().run()
    assert shapes(at)[1] == "(None, 16)"


def test_data_without_a_features_axis():
    X = np.random.default_rng(0).standard_normal((60, 12)).astype(np.float32)
    upload = Dataset(name="waves.npz", X=X, y=np.arange(60) % 2)
    at = open_with({"source": "upload", "task": "binary"}, upload=upload)
    assert "The data has no features axis" in at.error[0].value
    assert "expected ndim=3, found ndim=2" in at.code[0].value
    at.button(key="fix.0").click().run()
    assert shapes(at)[0] == "(None, 12, 1)" and not at.error


def test_timesteps_longer_than_the_series():
    at = open_with({"rows": "100", "timesteps": "150"}, page="data")
    assert "The window is longer than the data allows" in at.error[0].value
    at.button(key="window.0").click().run()
    assert not at.error and not at.exception
    assert at.session_state["lab"].data.timesteps == 72  # leaves 20 training samples
    assert any(m.value == "(28, 72, 1)" for m in at.metric)


def test_stateful_batch_that_does_not_divide_the_data():
    at = open_with({"stateful": "1", "batch_size": "32"})
    assert "A stateful LSTM needs batches that divide the data" in at.error[0].value
    assert shapes(at)[0] == "(32, 20, 1)"
    at.button(key="stateful.0").click().run()
    assert not at.error
    assert 580 * 0.7 % at.session_state["lab"].train.batch_size == 0 or at.table


def test_a_bad_link_is_explained_not_raised():
    at = open_with({"units": "9", "layers": "64+wat", "timesteps": "5000"}, page="data")
    warnings = [w.value for w in at.sidebar.warning]
    assert any("Ignored `layers=64+wat`" in w for w in warnings), warnings
    assert any("Ignored `units=9`" in w for w in warnings), warnings
    assert "The window is longer than the data allows" in at.error[0].value
    assert not at.exception


def test_a_failure_inside_training_is_shown_on_the_train_page():
    from app_helpers import wait_for_training

    at = open_with({"loss": "binary_crossentropy", "epochs": "1"}, page="train")
    at.button(key="train_button").click().run()
    final = wait_for_training(at)
    assert final.state == "failed"
    assert any("Loss `binary_crossentropy` does not fit a regression task" in e.value for e in at.error)
    assert not at.get("plotly_chart")  # no empty loss chart under the message
    assert not at.exception


def test_sequences_without_targets_say_so_before_training():
    from app_helpers import metric

    upload = Dataset(name="seq.npy", X=np.zeros((60, 10, 3), dtype=np.float32))
    at = open_with({"source": "upload"}, page="data", upload=upload)
    assert metric(at, "X: (samples, timesteps, features)") == "(60, 10, 3)"
    assert metric(at, "y: targets") == "none"
    assert "came without targets" in at.warning[0].value
    goto(at, "model")
    assert shapes(at)[0] == "(None, 10, 3)"
    assert not at.error and not at.exception


def test_sequences_without_a_features_axis_draw_on_the_data_page():
    upload = Dataset(name="waves.npz", X=np.sin(np.arange(1500.0)).reshape(60, 25), y=np.arange(60.0))
    at = open_with({"source": "upload"}, page="data", upload=upload)
    assert "X is 2-D" in at.warning[0].value
    assert not [e.value for e in at.error if "went wrong" in e.value]
    assert at.get("plotly_chart")


def test_a_window_too_long_is_fixed_from_the_model_page_too():
    at = open_with({"rows": "100", "timesteps": "150"}, page="model")
    assert "The window is longer than the data allows" in at.error[0].value
    at.button(key="data.0").click().run()
    assert not at.error
    assert shapes(at)[0].startswith("(None, ")


def test_two_outputs_without_a_head_are_fixed_in_one_click():
    at = open_with({"layers": "32+bi-none", "head": "none"}, page="model")
    assert "Two outputs, one target" in at.error[0].value
    at.button(key="fit.0").click().run()
    assert shapes(at)[-1] == "(None, 64)"  # merged: one output, 2·units wide; no head yet to map it
    assert "The model's output does not match the targets" in at.error[0].value
    at.button(key="fit.0").click().run()
    assert shapes(at)[-1] == "(None, 1)" and not at.error
