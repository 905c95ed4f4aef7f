"""LSTM Lab's engine: specs, data, Keras models, shapes, training, and the Ray compute tier.

Importing this package never imports TensorFlow or Keras; the functions that need Keras
import it themselves, and the web app reaches them only through :mod:`lstm_lab.compute`.
"""

from lstm_lab.errors import LstmLabError
from lstm_lab.spec import DataSpec, HeadSpec, LabSpec, LayerSpec, ModelSpec, TrainSpec

__all__ = ["DataSpec", "HeadSpec", "LabSpec", "LayerSpec", "LstmLabError", "ModelSpec", "TrainSpec"]
