"""Figures as the browser receives them (plotly JSON): shading, markers and labels in the right place."""

import json

import numpy as np
import pandas as pd

from lstm_lab.charts import figures as plots


def _json(fig) -> dict:
    return json.loads(fig.to_json())


def test_window_shading_sits_on_dates_when_the_x_axis_is_time():
    table = pd.DataFrame({"temp": np.arange(100.0)})
    time = pd.date_range("2023-01-01", periods=100, freq="D").to_numpy().astype("datetime64[ns]")  # as read from a CSV
    figure = plots.series_figure(table, time, ["temp"], window=(0, 19), target_rows=[20], target_column="temp")
    shade = _json(figure)["layout"]["shapes"][0]
    assert str(shade["x0"]).startswith("2023-01-01") and str(shade["x1"]).startswith("2023-01-20")
    marker = _json(figure)["data"][-1]
    assert marker["x"][0].startswith("2023-01-21") and figure.data[-1].y[0] == 20.0


def test_window_shading_on_row_numbers():
    table = pd.DataFrame({"a": np.sin(np.arange(50.0))})
    fig = _json(plots.series_figure(table, None, ["a"], window=(5, 14)))
    shade = fig["layout"]["shapes"][0]
    assert (shade["x0"], shade["x1"]) == (5, 14)
    assert fig["layout"]["xaxis"]["title"]["text"] == "row (time step)"


def test_column_names_are_escaped_in_legends():
    table = pd.DataFrame({"<b>x</b>": np.arange(30.0)})
    fig = _json(plots.series_figure(table, None, ["<b>x</b>"]))
    assert "<b>" not in fig["data"][0]["name"]


def test_a_sequence_saved_without_a_features_axis_is_drawn():
    from lstm_lab.data.dataset import Dataset

    data = Dataset(name="waves.npz", X=np.sin(np.arange(300.0)).reshape(12, 25), y=np.arange(12.0))
    fig = plots.sequences_figure(data, 3)
    assert len(fig.data) == 1 and len(fig.data[0].y) == 25
