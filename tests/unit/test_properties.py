"""Property tests over random specs: valid ones always build and match the formulas; invalid ones
always raise LstmLabError with a message, never anything else."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_strategies import MERGES, model_specs

from lstm_lab import LstmLabError, ModelSpec
from lstm_lab.model.shapes import estimated_params, lstm_output_dim, lstm_params, shape_table
from lstm_lab.share import from_query

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(model_specs())
def test_valid_specs_build_and_match_the_formulas(d):
    spec = ModelSpec.from_dict(d)
    rows = shape_table(spec)
    lstm_rows = [r for r in rows if r.kind in ("LSTM", "Bidirectional(LSTM)")]
    width = spec.features
    for ls, row in zip(spec.layers, lstm_rows, strict=True):
        assert row.params == lstm_params(ls.units, width, ls.bidirectional)
        main = row.output_shapes[0]
        out = lstm_output_dim(ls)
        assert main == ((None, spec.timesteps, out) if ls.return_sequences else (None, out))
        states = 4 if ls.bidirectional else 2
        assert len(row.output_shapes) == 1 + (states if ls.return_state else 0)
        width = out
    if spec.head is not None:
        assert rows[-1].params == width * spec.head.units + spec.head.units
    assert sum(r.params for r in rows) == estimated_params(spec)


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
layer_dicts = st.dictionaries(
    st.sampled_from(["units", "return_sequences", "bidirectional", "merge_mode", "return_state", "dropout", "oops"]),
    st.one_of(junk, st.integers(1, 8), st.sampled_from([*MERGES, None])),
    max_size=5,
)
spec_dicts = st.dictionaries(
    st.sampled_from(["timesteps", "features", "layers", "head", "masking", "stateful", "batch_size", "extra"]),
    st.one_of(junk, st.integers(1, 6), st.lists(layer_dicts, min_size=0, max_size=3)),
    max_size=6,
)  # fmt: skip


@SETTINGS
@given(spec_dicts)
def test_any_spec_either_builds_or_raises_lstm_lab_error(d):
    try:
        spec = ModelSpec.from_dict(d)
        shape_table(spec)
    except LstmLabError as e:
        assert e.message.strip()


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.text(max_size=20), max_size=6))
def test_any_link_gives_a_lab_and_messages(params):
    lab, problems = from_query(params)
    assert isinstance(lab, dict) and all(isinstance(p, str) for p in problems)
