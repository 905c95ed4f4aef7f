"""The compute tier: every Keras call runs in a Ray actor, in a compute service process, never in the
web server's process.

Pages use :func:`shape_table_later` (answered by a warm actor in milliseconds), :class:`TrainingJob`
(start, progress, stop, result; one actor per job) and :func:`engine` for the tier's status and other
calls. Importing this package imports neither Ray nor Keras.
"""

from lstm_lab.compute.engine import engine, shape_table_later
from lstm_lab.compute.jobs import TrainingJob

__all__ = ["TrainingJob", "engine", "shape_table_later"]
