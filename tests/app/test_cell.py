"""The Inside the cell page under AppTest: initial weights before training, the trained model after it."""

from app_helpers import goto, wait_for_training, widget

STEP_TABLE = ["heatmap", "what", "x_t·W", "h_prev·U", "b", "z (weighted sum)", "after activation"]


def step_table(at):
    tables = [t.value for t in at.table if list(t.value.columns) == STEP_TABLE]
    assert tables, "no step-through table"
    return tables[0]


def test_before_training_it_traces_the_initial_weights(app):
    goto(app, "cell")
    assert any("Initial weights" in i.value for i in app.info)
    assert app.number_input(key="cell_sample").value == 406 + 87  # the first test sample of 580 windows
    table = step_table(app)
    assert list(table["heatmap"]) == [f"{k}[t=0, unit {app.number_input(key='cell_unit').value}]" for k in "ifgo"]
    app.button(key="cell_next").click().run()
    assert app.slider(key="cell_t").value == 1
    assert "t=1," in step_table(app)["heatmap"][0]
    assert len(app.get("plotly_chart")) == 8  # the input, six heatmaps and the unit lines
    assert not app.exception


def test_bidirectional_layers_offer_both_directions(app):
    goto(app, "model")
    widget(app.slider, "n_layers").set_value(2).run()
    widget(app.toggle, "model.layers.1.bidirectional").set_value(True).run()
    goto(app, "cell")
    app.selectbox(key="cell_layer").set_value(1).run()
    app.get("button_group")[-1].set_value("backward").run()
    assert any("from the last timestep back to the first" in m.value for m in app.markdown)
    assert not app.exception


def test_after_training_it_traces_the_trained_model_and_says_when_settings_changed(app):
    goto(app, "train")
    widget(app.number_input, "train.epochs").set_value(1).run()
    app.button(key="train_button").click().run()
    wait_for_training(app)
    goto(app, "cell")
    assert any("the trained model" in c.value for c in app.caption)
    before = step_table(app)["after activation"].tolist()
    app.get("button_group")[0].set_value("Initial weights").run()
    assert step_table(app)["after activation"].tolist() != before  # training changed the weights
    app.get("button_group")[0].set_value("Trained model").run()
    goto(app, "model")
    widget(app.slider, "model.layers.0.units").set_value(8).run()
    goto(app, "cell")
    assert any("changed since" in w.value for w in app.warning)
    assert not app.exception


def test_export_offers_the_pages_trace_and_the_script_line_that_prints_it(app):
    goto(app, "cell")
    app.number_input(key="cell_sample").set_value(12).run()
    app.selectbox(key="cell_layer").set_value(0).run()
    goto(app, "export")
    assert [b.proto.label for b in app.get("download_button") if b.proto.label == "Cell trace (CSV)"]
    line = [c.value for c in app.caption if "--trace" in c.value]
    assert line and "`python lstm_lab_model.py --trace 12 --layer 0`" in line[0]
    assert "initial weights" in line[0]
    assert not app.exception
