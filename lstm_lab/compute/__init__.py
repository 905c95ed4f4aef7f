"""The compute tier: every Keras call runs in a Ray actor, never in the web server's process.

Pages use two things: :func:`shape_table_later` (answered by a warm actor in milliseconds) and
:class:`TrainingJob` (start, progress, stop, result), one actor per job.
"""

from lstm_lab.compute.engine import engine, shape_table_later
from lstm_lab.compute.jobs import TrainingJob

__all__ = ["TrainingJob", "engine", "shape_table_later"]
