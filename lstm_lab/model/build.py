"""Build a real Keras model from a :class:`ModelSpec` (functional API).

Keras is imported inside the functions, so importing this module is free of TensorFlow.
"""

from __future__ import annotations

from lstm_lab.errors import LstmLabError
from lstm_lab.spec import ModelSpec


def layer_name(spec: ModelSpec, index: int) -> str:
    """The Keras name of LSTM layer ``index`` (0-based): ``lstm_1`` or ``bidirectional_1``."""
    prefix = "bidirectional" if spec.layers[index].bidirectional else "lstm"
    return f"{prefix}_{index + 1}"


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
        LstmLabError: Keras rejected the stack; ``keras_message`` holds Keras's own words.

    >>> from lstm_lab.spec import ModelSpec
    >>> spec = {"timesteps": 20, "features": 128, "layers": [{"units": 64}], "head": None}
    >>> m = build_model(ModelSpec.from_dict(spec))
    >>> m.output.shape, m.count_params()
    ((None, 64), 49408)
    """
    import keras
    from keras import layers

    if spec.stateful and spec.batch_size is None:
        raise LstmLabError("A stateful LSTM needs a fixed `batch_size`; set one, or turn `stateful` off.",
                           field="batch_size")  # fmt: skip
    step = (spec.features,) if spec.features else ()  # no features axis: what 2-D data would give
    if spec.stateful:
        inputs = keras.Input(batch_shape=(spec.batch_size, spec.timesteps, *step), name="input")
    else:
        inputs = keras.Input(shape=(spec.timesteps, *step), name="input")
    x = inputs
    if spec.masking:
        x = layers.Masking(mask_value=0.0, name="masking")(x)
    extra = []
    last = len(spec.layers) - 1
    for i, ls in enumerate(spec.layers):
        name = layer_name(spec, i)
        try:
            lstm = layers.LSTM(
                ls.units,
                activation=ls.activation,
                return_sequences=ls.return_sequences,
                return_state=ls.return_state,
                dropout=ls.dropout,
                stateful=spec.stateful,
                name=f"lstm_{i + 1}" if not ls.bidirectional else f"lstm_{i + 1}_cell",
            )
            layer = layers.Bidirectional(lstm, merge_mode=ls.merge_mode, name=name) if ls.bidirectional else lstm
            out = layer(x)
        except (ValueError, TypeError) as e:
            raise _keras_error(name, e) from None
        x = out
        if i == last and isinstance(out, (list, tuple)):
            main, states = _split_outputs(ls, list(out))
            x, extra = main, states
    outputs = x if isinstance(x, list) else [x]
    if spec.head is not None:
        try:
            outputs = [layers.Dense(spec.head.units, activation=spec.head.activation, name="head")(x)]
        except (ValueError, TypeError) as e:
            raise _keras_error("head", e) from None
    outputs = outputs + extra
    return keras.Model(inputs, outputs[0] if len(outputs) == 1 else outputs, name="lstm_lab")


def _split_outputs(ls, out: list) -> tuple:
    """Main output(s) and state tensors of the last LSTM layer."""
    n_main = 2 if ls.bidirectional and ls.merge_mode is None else 1
    main = out[:n_main]
    return (main[0] if n_main == 1 else main), (out[n_main:] if ls.return_state else [])


def _keras_error(layer: str, e: Exception) -> LstmLabError:
    keras_message = str(e).strip()
    first = keras_message.splitlines()[0] if keras_message else type(e).__name__
    return LstmLabError(f"Keras could not build layer `{layer}`: {first}", field=layer, keras_message=keras_message)
