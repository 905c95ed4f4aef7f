"""The model: built from a spec with Keras, its shapes, its fit to the task, training and predictions.

Keras is imported inside functions only, so importing these modules loads no TensorFlow.
"""
