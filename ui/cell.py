"""The Inside the cell page's parts: which model, the pickers, the trace (asked of the compute tier), the views.

The trace is computed in the warm Keras worker (``ShapesWorker.cell_trace``), never here; the last one is
kept under ``state.CELL`` with what it traced, so stepping through time redraws without asking again,
and the Export page offers the same trace.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from lstm_lab import compute
from lstm_lab.charts import cell as charts
from lstm_lab.data.dataset import Dataset
from lstm_lab.data.window import check_trainable, prepare, window_summary
from lstm_lab.errors import LstmLabError
from lstm_lab.export.trace_csv import trace_csv
from lstm_lab.records import CellTrace, WindowSummary
from lstm_lab.spec import LabSpec
from lstm_lab.teach.gates import GATE_NAMES, GATE_ORDER, Step, busiest_units, layer_inputs, layer_text, step
from ui import render, state

SAMPLE, LAYER, DIRECTION, WEIGHTS = "cell_sample", "cell_layer", "cell_direction", "cell_weights"  # widget keys
T, UNIT, UNITS = "cell_t", "cell_unit", "cell_units"
TRAINED, INITIAL = "Trained model", "Initial weights"


@dataclass(frozen=True)
class Source:
    """The model to trace: the trained one (its ``.keras`` bytes), or the lab's with its seed's initial weights.

    ``lab`` is what built it: the settings of the training, or the current ones.
    """

    lab: LabSpec
    model_bytes: bytes | None
    label: str

    @property
    def trained(self) -> bool:
        return self.model_bytes is not None


@dataclass(frozen=True)
class Choice:
    """What to trace: which sample, LSTM layer and direction."""

    sample: int
    layer: int
    direction: str


def _memory() -> dict:
    return st.session_state.setdefault(state.CELL, {})


def _trained_source() -> Source | None:
    job = state.job()
    final = job.progress() if job is not None and job.ended else None
    trained_with = st.session_state.get(state.JOB_LAB)
    if final is None or not final.model_bytes or trained_with is None:
        return None
    lab = LabSpec.from_dict({k: v for k, v in trained_with.items() if k != "dataset"})
    epochs = f"{final.epoch} epoch{'s' if final.epoch != 1 else ''}"
    return Source(lab, final.model_bytes, f"the trained model ({epochs}, {final.state})")


def _initial_source() -> Source:
    lab = state.lab()
    return Source(lab, None, f"initial weights (seed {lab.seed}, as training starts; not trained)")


def source_section() -> Source:
    """Trained model or initial weights (a choice once a training has ended), with the stale-settings note."""
    trained = _trained_source()
    if trained is None:
        st.info("**Initial weights.** No trained model yet: these are the weights the current settings and seed "
                f"give before training (seed {state.lab().seed}). Train on the **Train** page to see what it "
                "learns.")  # fmt: skip
        return _initial_source()
    _remembered(WEIGHTS, TRAINED)
    pick = st.segmented_control("Weights", [TRAINED, INITIAL], key=WEIGHTS, required=True,
                                help="The trained model, or the current settings' model before training.")  # fmt: skip
    if pick == INITIAL:
        st.caption(f"Initial weights: the current settings' model before training, seed {state.lab().seed}.")
        return _initial_source()
    note = state.stale_results_note("The trained model and this trace")
    if note:
        st.warning(note + " This page traces the model as it was trained, on the data settings it was trained with.")
    return trained


def window_section(dataset: Dataset, source: Source) -> WindowSummary | None:
    """The windows the traced model reads, or None after showing why there are none."""
    try:
        check_trainable(dataset)
        return window_summary(dataset, source.lab.data)
    except LstmLabError as e:
        render.error(e, "No samples to trace (Data page)")
        return None


def pickers(source: Source, summary: WindowSummary) -> Choice:
    """Sample, layer and (for a bidirectional layer) direction; defaults: the first test sample, layer 1."""
    layers = source.lab.model.layers
    first_test = summary.train + summary.val
    default = first_test if summary.test else 0
    _remembered(SAMPLE, default, hi=summary.samples - 1)
    _remembered(LAYER, 0, hi=len(layers) - 1)
    a, b, c = st.columns([2, 2, 1.4])
    sample = a.number_input(f"Sample (window 0 to {summary.samples - 1})", min_value=0, max_value=summary.samples - 1,
                            step=1, key=SAMPLE, help="Any window of the Data page; it starts at the first test "
                            "sample, never seen in training.")  # fmt: skip
    a.caption(_split_of(int(sample), summary))
    names = [_layer_label(source.lab, i) for i in range(len(layers))]
    layer = b.selectbox("LSTM layer", range(len(layers)), format_func=names.__getitem__, key=LAYER)
    direction = "forward"
    if layers[layer].bidirectional:
        _remembered(DIRECTION, "forward")
        direction = c.segmented_control("Direction", ["forward", "backward"], key=DIRECTION, required=True,
                                        help="A Bidirectional layer runs two LSTMs: one reads the sequence "
                                        "forwards, the other from the last step back to the first.")  # fmt: skip
    return Choice(int(sample), int(layer), direction or "forward")


def _split_of(sample: int, s: WindowSummary) -> str:
    if sample < s.train:
        return f"Training sample {sample + 1} of {s.train}."
    if sample < s.train + s.val:
        return f"Validation sample {sample - s.train + 1} of {s.val}."
    return f"Test sample {sample - s.train - s.val + 1} of {s.test}" + (" (the first)." if sample == s.train + s.val
                                                                            else ".")  # fmt: skip


def _layer_label(lab: LabSpec, i: int) -> str:
    ls = lab.model.layers[i]
    lstm = f"LSTM({ls.units}{'' if ls.activation == 'tanh' else f', activation={ls.activation!r}'})"
    if ls.bidirectional:
        return f"{ls.keras_name(i)}: Bidirectional({lstm}, merge_mode={ls.merge_mode!r})"
    return f"{ls.keras_name(i)}: {lstm}"


def trace(source: Source, dataset: Dataset, choice: Choice) -> tuple[CellTrace, np.ndarray, list[str]]:
    """The trace of ``choice`` (asked of the warm Keras worker, or the one kept from the last run), with the
    sample ``x`` and the feature names.

    Raises:
        LstmLabError: the sample does not fit the model, or the worker could not trace it.
    """
    memory = _memory()
    key = (hash(source.model_bytes), repr(source.lab.to_dict()), dataset.name, dataset.rows, choice)
    if memory.get("key") == key:
        return memory["trace"], memory["x"], memory["names"]
    prep = prepare(dataset, source.lab.data)
    x = np.ascontiguousarray(prep.X[choice.sample], dtype=np.float32)
    with st.spinner("Tracing every gate in the Keras worker…"):
        answer = compute.engine().ask("cell_trace", x, choice.layer, choice.direction, source.lab.to_dict(),
                                      source.model_bytes)  # fmt: skip
    traced = CellTrace.from_dict(answer)
    for key in (UNIT, UNITS):  # a new trace: start again from its busiest units
        st.session_state.pop(key, None)
        memory.get("picks", {}).pop(key, None)
    memory.update(key=key, trace=traced, x=x, names=prep.feature_names, choice=choice, source=source,
                  units_default=busiest_units(traced))  # fmt: skip
    return traced, x, prep.feature_names


def trace_download(dataset: Dataset) -> None:
    """The trace the page showed last (or the first test sample's) as CSV, and the script line printing it."""
    memory = _memory()
    if "trace" not in memory:
        source = _trained_source() or _initial_source()
        try:
            check_trainable(dataset)
            s = window_summary(dataset, source.lab.data)
            trace(source, dataset, Choice(s.train + s.val if s.test else 0, 0, "forward"))
        except LstmLabError as e:
            st.info(f"No cell trace to offer: {render.safe_markdown(e.message)}")
            return
    traced, choice, source = memory["trace"], memory["choice"], memory["source"]
    st.download_button("Cell trace (CSV)", lambda: trace_csv(traced.values | {"mask": traced.mask}),
                       file_name="lstm_lab_trace.csv", mime="text/csv", key="download_trace")  # fmt: skip
    flags = f"--trace {choice.sample} --layer {choice.layer}"
    flags += " --direction backward" * (choice.direction == "backward")
    flags += " --model lstm_lab_model.keras" * source.trained
    st.caption(f"Sample {choice.sample}, LSTM layer {choice.layer + 1} ({choice.direction}), {source.label}, as on "
               "the **Inside the cell** page: one row per timestep and unit, `t,unit,real,i,f,g,o,c,h`. The script "
               f"prints the same numbers: `python lstm_lab_model.py {flags}`.")  # fmt: skip


def step_section(traced: CellTrace, ls_activation: str) -> tuple[int, int]:
    """Pick the step ``t`` and the unit; show that unit's arithmetic at ``t`` with real numbers."""
    busiest = _memory().get("units_default", [0])
    _remembered(T, 0, hi=traced.timesteps - 1)
    _remembered(UNIT, busiest[0], hi=traced.units - 1)
    st.subheader("Step through time")
    a, b, c, d = st.columns([1, 1, 6, 2], vertical_alignment="bottom")
    a.button("◀ t − 1", key="cell_back", on_click=_move, args=(-1, traced.timesteps), width="stretch")
    b.button("t + 1 ▶", key="cell_next", on_click=_move, args=(1, traced.timesteps), width="stretch")
    if traced.timesteps > 1:
        t = c.slider("Timestep `t`", 0, traced.timesteps - 1, key=T)
    else:
        t = c.number_input("Timestep `t`", 0, 0, key=T)
    unit = d.number_input(f"Unit (0 to {traced.units - 1})", 0, traced.units - 1, step=1, key=UNIT,
                          help="Starts at the unit whose cell state changes most in this sample.")  # fmt: skip
    _arithmetic(step(traced, int(t), int(unit)), traced, ls_activation)
    return int(t), int(unit)


def _move(delta: int, timesteps: int) -> None:
    st.session_state[T] = min(max(int(st.session_state.get(T, 0)) + delta, 0), timesteps - 1)


def _arithmetic(s: Step, traced: CellTrace, act: str) -> None:
    where = f"t={s.t}, unit {s.unit}"
    prev = ("the start: c and h begin at 0" if s.previous is None
            else f"row t={s.previous}, the step before in this direction")  # fmt: skip
    order = "from the last timestep back to the first" if traced.backwards else "from t=0 forward"
    st.markdown(f"Unit **{s.unit}** at **t = {s.t}** (the red box in every heatmap below; the LSTM reads {order}). "
                f"The previous states come from {prev}: c_prev = `{s.c_prev:.4f}`, "
                f"h_prev = `{s.h_prev:.4f}`.")  # fmt: skip
    rows = []
    for key in GATE_ORDER:
        g = s.gates[key]
        fn = act if key == "g" else "sigmoid"
        rows.append({"heatmap": f"{key}[{where}]", "what": GATE_NAMES[key], "x_t·W": f"{g.from_x:+.4f}",
                     "h_prev·U": f"{g.from_h:+.4f}", "b": f"{g.bias:+.4f}", "z (weighted sum)": f"{g.z:+.4f}",
                     "after activation": f"{fn}(z) = {g.value:.4f}"})  # fmt: skip
    st.table(rows, hide_index=True)
    i, f, g, o = (s.gates[k].value for k in GATE_ORDER)
    if s.real:
        st.markdown(
            f"**c[{where}]** = f·c_prev + i·g = `{f:.4f}`·`{s.c_prev:.4f}` + `{i:.4f}`·`{g:.4f}` = **`{s.c:.4f}`**  \n"
            f"**h[{where}]** = o·{act}(c_t) = `{o:.4f}`·{act}(`{s.c:.4f}`) = **`{s.h:.4f}`**"
        )
    else:
        st.markdown(f"**Masked step** (all its features equal the `Masking` value 0): Keras computes nothing here "
                    f"and carries the states through, c = c_prev = **`{s.c:.4f}`**, h = h_prev = **`{s.h:.4f}`**. "
                    "The gates above are what the cell would have computed; Keras discards them.")  # fmt: skip


def heatmaps_section(traced: CellTrace, x: np.ndarray, names: list[str], t: int, unit: int, source: Source,
                     layer: int) -> None:  # fmt: skip
    """The input on top, then one heatmap per gate and state, each with its paragraph beside it."""
    ls = source.lab.model.layers[layer]
    text = layer_text(ls, layer_inputs(source.lab.model_spec(x.shape[1], x.shape[0]), layer))
    st.subheader("Gates and states over time")
    st.caption("Axes as in the shape table: `timesteps` across, `units` down. Hover a cell for its value; the red "
               "column is step t, the red box the unit being stepped through.")  # fmt: skip
    chart, words = st.columns([3, 1], gap="medium")
    chart.plotly_chart(charts.input_figure(x, names, t, traced.mask), width="stretch", key="cell_input_chart")
    words.markdown(f"**x, the input**: {x.shape[0]} timesteps × {x.shape[1]} feature"
                   f"{'s' if x.shape[1] != 1 else ''}, scaled as for training. "
                   + ("It enters layer 1 directly." if layer == 0 else f"Layer {layer + 1} reads the output of layer "
                      f"{layer}, not x itself."))  # fmt: skip
    for key in (*GATE_ORDER, "c", "h"):
        chart, words = st.columns([3, 1], gap="medium")
        fig = charts.gate_heatmap(traced, key, t, unit, ls.activation)
        chart.plotly_chart(fig, width="stretch", key=f"cell_heatmap_{key}")
        words.markdown(text[key])
    st.markdown(f"**Where the parameters come from.** {text['params']}")


def lines_section(traced: CellTrace, t: int) -> None:
    """c and h over time for the units the user picks (first: the three whose c changes most)."""
    st.subheader("Chosen units over time")
    default = _memory().get("units_default", [0])
    if UNITS not in st.session_state or any(u >= traced.units for u in st.session_state[UNITS]):
        st.session_state[UNITS] = default
    chart, picker = st.columns([3, 1], gap="medium")  # as the heatmaps: the time axes line up
    units = picker.multiselect("Units", list(range(traced.units)), key=UNITS, max_selections=8,
                               help="Starts with the three units whose c changes most in this sample.")  # fmt: skip
    picker.caption("c is the unit's memory; h = o·tanh(c) is what it outputs. The red column is step t.")
    if units:
        chart.plotly_chart(charts.unit_lines_figure(traced, units, t), width="stretch", key="cell_lines_chart")


def masking_note(source: Source, traced: CellTrace) -> None:
    """What Keras does at masked steps, in this model."""
    masked = int((~np.asarray(traced.mask, bool)).sum())
    if source.lab.model.masking:
        st.info(f"**Masking is on.** A step whose features are all 0 is padding: Keras skips it and carries c and h "
                f"through unchanged (grey columns; {masked} of {traced.timesteps} steps in this sample). The gates "
                "shown there are what the cell would compute; Keras throws them away. A Bidirectional layer that "
                "returns sequences outputs zeros at masked steps.")  # fmt: skip
    else:
        st.caption("Masking is off: every timestep is processed, zero padding included (turn on `Masking` on the "
                   "Model page to skip padded steps).")  # fmt: skip


def _remembered(key: str, default, hi: int | None = None) -> None:
    """Seed widget ``key`` from the page's memory (Streamlit drops widget state on other pages), within range."""
    memory = _memory().setdefault("picks", {})
    value = st.session_state.get(key, memory.get(key, default))
    if hi is not None and not 0 <= value <= hi:
        value = default if 0 <= default <= hi else 0
    st.session_state[key] = memory[key] = value


def remember_picks() -> None:
    """Keep the current picks for the next visit (call after all widgets are drawn)."""
    memory = _memory().setdefault("picks", {})
    for key in (SAMPLE, LAYER, DIRECTION, WEIGHTS, T, UNIT):
        if key in st.session_state:
            memory[key] = st.session_state[key]
