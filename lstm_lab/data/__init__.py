"""Data: built-in and uploaded datasets, and how a table becomes (samples, timesteps, features)."""
