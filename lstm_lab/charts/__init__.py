"""Figures built from plain data: the series, training curves and predictions (plotly), and the model diagram (SVG)."""
