"""Build a real Keras model from a :class:`ModelSpec` (functional API).

Keras is imported inside the function, so importing this module is free of TensorFlow.
"""

from __future__ import annotations

from lstm_lab.errors import LstmLabError
from lstm_lab.spec import ModelSpec


def build_model(spec: ModelSpec):
    """Build the functional Keras model described by ``spec``.

    Each layer receives exactly what the previous layer returned, as in hand-written Keras code,
    so a stack Keras rejects raises Keras's own message. The last LSTM layer's states
    (``return_state``) become extra model outputs; the head takes its main output.

    Args:
        spec: The model settings.

    Returns:
        A ``keras.Model`` (not compiled).

    Raises:
        LstmLabError: Keras rejected the stack; ``keras_message`` holds Keras's own words and ``code``
            says what the layer received (see :func:`_rejected`).

    >>> spec = {"timesteps": 20, "features": 128, "layers": [{"units": 64}], "head": None}
    >>> m = build_model(ModelSpec.from_dict(spec))
    >>> m.output.shape, m.count_params()
    ((None, 64), 49408)
    """
    import keras
    from keras import layers

    if spec.stateful and spec.batch_size is None:
        raise LstmLabError("A stateful LSTM needs a fixed `batch_size`; set one, or turn `stateful` off.",
                           code="stateful_needs_batch", field="train.batch_size")  # fmt: skip
    step = (spec.features,) if spec.features else ()  # no features axis: what 2-D data would give
    if spec.stateful:
        inputs = keras.Input(batch_shape=(spec.batch_size, spec.timesteps, *step), name="input")
    else:
        inputs = keras.Input(shape=(spec.timesteps, *step), name="input")
    x = layers.Masking(mask_value=0.0, name="masking")(inputs) if spec.masking else inputs
    extra = []
    last = len(spec.layers) - 1
    for i, ls in enumerate(spec.layers):
        lstm = layers.LSTM(**ls.keras_kwargs(i, spec.stateful))
        layer = layers.Bidirectional(lstm, **ls.bidirectional_kwargs(i)) if ls.bidirectional else lstm
        try:
            out = layer(x)
        except (ValueError, TypeError) as e:
            raise _rejected(spec, i, x, e) from None
        x = out
        if i == last and isinstance(out, (list, tuple)):
            x, extra = _split_outputs(ls, list(out))
    outputs = x if isinstance(x, list) else [x]
    if spec.head is not None:
        try:
            outputs = [layers.Dense(spec.head.units, activation=spec.head.activation, name="head")(x)]
        except (ValueError, TypeError) as e:
            raise _rejected(spec, len(spec.layers), x, e) from None
    outputs = outputs + extra
    return keras.Model(inputs, outputs[0] if len(outputs) == 1 else outputs, name="lstm_lab")


def _split_outputs(ls, out: list) -> tuple:
    """Main output(s) and state tensors of the last LSTM layer."""
    n_main = 2 if ls.bidirectional and ls.merge_mode is None else 1
    main = out[:n_main]
    return (main[0] if n_main == 1 else main), (out[n_main:] if ls.return_state else [])


def _rejected(spec: ModelSpec, index: int, received, e: Exception) -> LstmLabError:
    """Keras's error for layer ``index`` (``len(layers)``: the head), with a code saying what it received.

    Codes: ``several_inputs`` (the layer before hands out several tensors), ``no_feature_axis`` (the input
    is 2-D), ``no_time_axis`` (the layer before returns only its last step), ``stateful_bidirectional_state``
    (a combination Keras 3 cannot build), else ``keras_rejected``.
    """
    keras_message = str(e).strip()
    first = keras_message.splitlines()[0] if keras_message else type(e).__name__
    is_head = index == len(spec.layers)
    name = "head" if is_head else spec.layers[index].keras_name(index)
    common = dict(keras_message=keras_message, layer=index)
    message = f"Keras could not build layer `{name}`: {first}"
    if isinstance(received, (list, tuple)):
        return LstmLabError(message, code="several_inputs", field=f"model.layers.{index - 1}",
                            received=len(received), **common)  # fmt: skip
    if len(received.shape) == 2 and not is_head:
        if index == 0:
            return LstmLabError(message, code="no_feature_axis", field="data.add_feature_axis",
                                timesteps=received.shape[1], **common)  # fmt: skip
        return LstmLabError(message, code="no_time_axis", field=f"model.layers.{index - 1}.return_sequences",
                            **common)  # fmt: skip
    if not is_head and spec.stateful and spec.layers[index].bidirectional and spec.layers[index].return_state:
        return LstmLabError(message, code="stateful_bidirectional_state", field=f"model.layers.{index}.return_state",
                            **common)  # fmt: skip
    return LstmLabError(message, code="keras_rejected", field="model.head" if is_head else f"model.layers.{index}",
                        **common)  # fmt: skip
