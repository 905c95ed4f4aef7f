"""Figures (plotly) built from plain data: the series, training curves, predictions and the model diagram."""
