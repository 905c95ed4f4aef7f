"""Hypothesis strategies shared by the property tests: model specs Keras accepts."""

from hypothesis import strategies as st

MERGES = ("concat", "sum", "mul", "ave")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")


@st.composite
def model_specs(draw, max_units=24, max_timesteps=12, max_features=6, head=True):
    """A valid model spec dict: every layer but the last returns sequences, states only at the top.

    With ``head=False`` there is no head, so the last layer may also keep two outputs (``merge_mode=None``).
    """
    n = draw(st.integers(1, 3))
    layers = []
    for i in range(n):
        last = i == n - 1
        merges = (*MERGES, None) if last and not head else MERGES
        layers.append({
            "units": draw(st.integers(1, max_units)),
            "return_sequences": draw(st.booleans()) if last else True,
            "bidirectional": draw(st.booleans()),
            "merge_mode": draw(st.sampled_from(merges)),
            "return_state": draw(st.booleans()) if last else False,
            "dropout": draw(st.sampled_from([0.0, 0.25])),
            "activation": draw(st.sampled_from(ACTIVATIONS)),
        })  # fmt: skip
    heads = st.one_of(st.none(), st.fixed_dictionaries({"units": st.integers(1, 5)})) if head else st.none()
    return {"timesteps": draw(st.integers(1, max_timesteps)), "features": draw(st.integers(1, max_features)),
            "layers": layers, "head": draw(heads), "masking": draw(st.booleans())}  # fmt: skip
