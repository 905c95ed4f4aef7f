"""Every page under streamlit.testing.v1.AppTest, driven by widget keys, with a real compute tier."""

from app_helpers import goto, metric, typed_box, wait_for_training, widget


def table(at):
    assert at.table, "no shape table on the page"
    return at.table[0].value


def test_data_page_shows_window_shapes(app):
    assert metric(app, "X: (samples, timesteps, features)") == "(580, 20, 1)"
    widget(app.slider, "data.timesteps").set_value(30).run()
    assert metric(app, "X: (samples, timesteps, features)") == "(570, 30, 1)"
    widget(app.slider, "data.channels").set_value(3).run()
    assert metric(app, "X: (samples, timesteps, features)") == "(570, 30, 3)"
    assert not app.exception


def test_data_page_window_can_be_typed_and_over_the_limit_changes_nothing(app):
    typed_box(app, "data.timesteps").set_value(37).run()
    assert metric(app, "X: (samples, timesteps, features)") == "(563, 37, 1)"  # ⌊(600 − 37 − 1)/1⌋ + 1
    assert widget(app.slider, "data.timesteps").value == 37  # the slider follows the typed value
    typed_box(app, "data.stride").set_value(3).run()
    typed_box(app, "data.horizon").set_value(5).run()
    assert metric(app, "X: (samples, timesteps, features)") == "(187, 37, 1)"  # ⌊(600 − 37 − 5)/3⌋ + 1
    typed_box(app, "data.rows").set_value(1234).run()
    assert metric(app, "X: (samples, timesteps, features)") == "(398, 37, 1)"  # ⌊(1234 − 37 − 5)/3⌋ + 1
    typed_box(app, "data.timesteps").set_value(501).run()
    assert "`timesteps` is 501; this server allows at most 500" in app.error[0].value
    assert metric(app, "X: (samples, timesteps, features)") == "(398, 37, 1)"
    assert typed_box(app, "data.timesteps").value == 37
    assert not app.exception


def test_data_page_stock_prices(app):
    widget(app.selectbox, "data.source").set_value("stocks").run()
    assert metric(app, "X: (samples, timesteps, features)") == "(85, 20, 6)"
    assert not app.exception


def test_model_page_table_follows_units(app):
    goto(app, "model")
    df = table(app)
    assert list(df["Shape"]) == ["(None, 20, 1)", "(None, 32)", "(None, 1)"]
    widget(app.slider, "model.layers.0.units").set_value(64).run()
    df = table(app)
    assert list(df["Shape"]) == ["(None, 20, 1)", "(None, 64)", "(None, 1)"]
    assert df["Params"][1] == f"{4 * 64 * (1 + 64 + 1):,}"


def test_typed_units_change_the_shape_and_over_the_limit_changes_nothing(app):
    goto(app, "model")
    typed_box(app, "model.layers.0.units").set_value(50).run()
    assert list(table(app)["Shape"])[1] == "(None, 50)"
    assert widget(app.slider, "model.layers.0.units").value == 50  # the slider follows the typed value
    assert "`(None,\u00a050)`" in "".join(m.value for m in app.markdown)  # and the summary beside the controls
    typed_box(app, "model.layers.0.units").set_value(600).run()
    assert "Layer 1's `units` is 600; this server allows at most 512" in app.error[0].value
    assert list(table(app)["Shape"])[1] == "(None, 50)"
    assert typed_box(app, "model.layers.0.units").value == 50
    goto(app, "train")
    widget(app.number_input, "train.epochs").set_value(5000).run()
    assert "`epochs` is 5,000; this server allows at most 200" in app.error[0].value
    assert widget(app.number_input, "train.epochs").value != 5000
    assert not app.exception


def test_model_page_stacking_returns_sequences_below(app):
    goto(app, "model")
    widget(app.slider, "n_layers").set_value(2).run()
    df = table(app)
    assert list(df["Layer"]) == ["input", "lstm_1", "lstm_2", "head"]
    assert list(df["Shape"]) == ["(None, 20, 1)", "(None, 20, 32)", "(None, 32)", "(None, 1)"]
    widget(app.toggle, "model.layers.0.return_sequences").set_value(False).run()
    assert "stacked on a layer that returns only its last step" in app.error[0].value
    assert "expected ndim=3, found ndim=2" in app.code[0].value  # Keras's own message
    app.button(key="fix.0").click().run()
    assert table(app)["Shape"][1] == "(None, 20, 32)"
    assert not app.exception


def test_growing_and_shrinking_the_stack_keeps_what_the_head_receives(app):
    goto(app, "model")
    widget(app.toggle, "model.layers.0.return_state").set_value(True).run()
    before = list(table(app)["Shape"])
    widget(app.slider, "n_layers").set_value(3).run()
    assert any("`return_state` moved to the new last layer" in i.value for i in app.info)
    assert any("3 LSTM layers stacked" in i.value for i in app.info)
    assert list(table(app)["Shape"])[-3:] == before[-3:]  # h, c and the head: the same as before
    widget(app.slider, "n_layers").set_value(1).run()
    assert list(table(app)["Shape"]) == before
    assert not app.error


def test_a_link_over_the_layer_limit_gets_the_limit_message():
    from app_helpers import APP, TIMEOUT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["layers"] = "8,8,8,8,8"
    at.run()
    goto(at, "model")
    assert "The number of LSTM layers is 5; this server allows at most 4" in at.error[0].value
    assert not [e.value for e in at.error if "went wrong" in e.value]


def test_model_page_bidirectional_and_state(app):
    goto(app, "model")
    widget(app.toggle, "model.layers.0.bidirectional").set_value(True).run()
    widget(app.toggle, "model.layers.0.return_state").set_value(True).run()
    df = table(app)
    assert "(None, 64)" in list(df["Shape"])
    assert list(df["Output"]).count("forward h") == 1
    widget(app.selectbox, "model.layers.0.merge_mode").set_value("sum").run()
    assert table(app)["Shape"][1] == "(None, 32)"


def test_train_page_before_training(app):
    goto(app, "train")
    assert any("Press **Train**" in i.value for i in app.info)
    assert app.button(key="stop_button").disabled


def test_predictions_page_before_training(app):
    goto(app, "predictions")
    assert any("No predictions yet" in i.value for i in app.info)


def test_full_journey(app):
    widget(app.slider, "data.rows").set_value(300).run()
    goto(app, "model")
    widget(app.slider, "model.layers.0.units").set_value(8).run()
    goto(app, "train")
    widget(app.number_input, "train.epochs").set_value(2).run()
    app.button(key="train_button").click().run()
    final = wait_for_training(app)
    assert final.state == "done", final.message
    assert len(final.history) == 2
    assert metric(app, "Training loss")
    goto(app, "predictions")
    assert float(metric(app, "MAE")) > 0
    assert app.get("plotly_chart")
    goto(app, "data")  # settings survive page switches
    assert metric(app, "X: (samples, timesteps, features)") == "(280, 20, 1)"


def test_predictions_show_the_chosen_targets_own_metrics(app):
    widget(app.slider, "data.rows").set_value(200).run()
    widget(app.slider, "data.channels").set_value(2).run()
    widget(app.multiselect, "data.targets").set_value(["sine_1", "sine_2"]).run()
    goto(app, "train")
    widget(app.number_input, "train.epochs").set_value(1).run()
    app.button(key="train_button").click().run()
    final = wait_for_training(app)
    assert final.state == "done", final.message
    per_target = final.predictions.target_metrics
    goto(app, "predictions")
    assert metric(app, "MAE") == f"{per_target[0]['mae']:.4g}"
    app.selectbox(key="pred_target").set_value("sine_2").run()
    assert metric(app, "MAE") == f"{per_target[1]['mae']:.4g}"


def test_results_from_earlier_settings_say_so(app):
    widget(app.slider, "data.rows").set_value(200).run()
    goto(app, "train")
    widget(app.number_input, "train.epochs").set_value(1).run()
    app.button(key="train_button").click().run()
    p = wait_for_training(app)
    assert p.state == "done", p.message
    goto(app, "predictions")
    assert not app.warning
    goto(app, "data")
    widget(app.slider, "data.timesteps").set_value(10).run()
    goto(app, "predictions")
    assert "the data settings changed since" in app.warning[0].value
    goto(app, "export")
    assert "the data settings changed since" in app.warning[0].value
    goto(app, "data")
    widget(app.slider, "data.timesteps").set_value(20).run()  # back to what it trained with
    goto(app, "predictions")
    assert not app.warning


def test_a_csv_with_text_classes_trains_a_classifier():
    import numpy as np
    from app_helpers import APP, TIMEOUT
    from streamlit.testing.v1 import AppTest

    from lstm_lab.data.upload import load_upload

    lines = ["f1,f2,label"] + [f"{np.sin(i / 3):.3f},{i % 3 + 0.1 * np.cos(i)},{'abc'[i % 3]}" for i in range(150)]
    upload = load_upload("\n".join(lines).encode(), "classes.csv", "refuse")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"source": "upload", "epochs": "1"})
    at.session_state["upload"] = upload
    at.run()
    widget(at.selectbox, "data.task").set_value("multiclass").run()  # the head follows the task
    assert metric(at, "X: (samples, timesteps, features)") == "(130, 20, 2)"  # the label is not an input
    assert widget(at.selectbox, "data.label").value == "label"
    goto(at, "train")
    at.button(key="train_button").click().run()
    final = wait_for_training(at)
    assert final.state == "done", final.message
    assert final.predictions.class_names == ["a", "b", "c"]
    goto(at, "predictions")
    assert metric(at, "Accuracy").endswith("%")


def test_a_preset_loaded_on_the_data_page_replaces_the_chosen_columns(app):
    widget(app.selectbox, "data.source").set_value("stocks").run()
    widget(app.multiselect, "data.targets").set_value(["GOOG"]).run()
    assert widget(app.multiselect, "data.targets").value == ["GOOG"]
    app.sidebar.selectbox(key="preset_choice").set_value("stocks").run()
    app.sidebar.button(key="load_preset").click().run()
    assert app.session_state["lab"].data.targets == ["AAPL"]
    assert widget(app.multiselect, "data.targets").value == ["AAPL"]  # the widget follows the lab, not its old value
    assert not app.exception
