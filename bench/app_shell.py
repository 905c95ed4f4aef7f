"""The real app with its Model page's layer editor cut down to one units slider and the shape table.

The app's shell stays its own: navigation, sidebar, session state, the address bar, persistence, the
layer editor's fragment and the shape table from Keras through Ray. What goes is every other control, the
shapes summary and the diagram. Against the floor (one slider and one table in a one-page app) this
measures what the shell costs per change; against ``app.py``, what the rest of the layer editor costs.
"""

import streamlit as st

from lstm_lab.limits import LIMITS
from ui import model_controls, navigation
from ui.widgets import setting


def units_only(lab) -> None:
    setting(st.slider, "Units (`units`)", "model.layers.0.units", min_value=1, max_value=LIMITS.max_units)


model_controls.stack_section = units_only
model_controls.shapes_summary = lambda rows: None
model_controls.diagram_section = lambda spec, rows: None
navigation.run()
