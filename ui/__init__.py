"""Streamlit-side helpers shared by pages: session state, bound widgets, renderings."""
