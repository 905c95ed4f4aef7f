"""The README's Performance section, rendered from the benchmarks' results and written between its markers."""

from __future__ import annotations

import ast
import itertools
import re

import common

README = common.ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def write_readme(section: str, path=README) -> None:
    """Replace what lies between the markers in the README with ``section``; nothing else changes."""
    text = path.read_text()
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise RuntimeError(f"{path} has no {START} ... {END} section")
    path.write_text(pattern.sub(lambda _: f"{START}\n{section.strip()}\n{END}", text, count=1))


def render(results: dict) -> str:
    """Markdown for the README: when and where, a summary table against the goals, then details."""
    m = results["machine"]
    kind = "a quick smoke run with few samples" if results["quick"] else "a full run"
    lines = [
        f"_Measured on {results['date']} by `.venv/bin/python bench/run_all.py` ({kind}, "
        f"{results['minutes']:.0f} min) on {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; "
        f"Python {m['python']}, Streamlit {m['streamlit']}, Keras {m['keras']}, TensorFlow {m['tensorflow']}, "
        f"Ray {m['ray']}; Debian's Chromium driven by Playwright {m['playwright']}. The machine is shared "
        f"(load average {m['load_average'][0]} at the start on {m['cores']} cores), so absolute times vary "
        "from run to run: each comparison below is measured side by side, interleaved, in one run, "
        "and the ratios are the figures to read._",
        "",
        "| Benchmark | Measured | Goal | Met |",
        "|---|---|---|---|",
    ]
    sections = []
    for name, summarise in SECTIONS.items():
        result = results.get(name)
        if result is None:
            continue
        if "error" in result:
            lines.append(f"| {TITLES.get(name, name)} | did not finish: {result['error']} | | |")
            continue
        rows, details = summarise(result)
        lines += rows
        sections.append(details)
    return "\n".join([*lines, "", *sections]) + "\n"


def _met(value, goal: float) -> str:
    return "" if value is None else ("yes" if value <= goal else "no")


def _latency(r: dict) -> tuple[list[str], str]:
    app, floor, ref = r["app"], r["floor"], r.get("reference", {})
    rows = [
        f"| Shape update, app vs floor (median of {app['n']}) | {app['median']:.0f} ms vs {floor['median']:.0f} ms: "
        f"**{r['ratio_median']}×** | ≤ 1.2× | {_met(r['ratio_median'], 1.2)} |",
        f"| Shape update, app median once warm | {app['median']:.0f} ms (p95 {app['p95']:.0f} ms) | < 300 ms | "
        f"{_met(app['median'], 299.9)} |",
        *_cpu_rows(r.get("cpu_ms_per_change", {})),
    ]
    if "no_keras" in r:
        rows.insert(
            1,
            f"| Shape update, app vs the same page with shapes by arithmetic (no Keras, no Ray) | "
            f"{app['median']:.0f} ms vs {r['no_keras']['median']:.0f} ms: **{r['ratio_no_keras']}×** | | |",
        )
    if "shell" in r:
        rows.insert(
            1,
            f"| Shape update, the app's shell (its layer editor cut to the units slider and the table) vs floor | "
            f"{r['shell']['median']:.0f} ms vs {floor['median']:.0f} ms: **{r['ratio_shell']}×** | | |",
        )
    refs = {
        "keras": "plain Keras build + reading output shapes",
        "shape_table": "`lstm_lab.model.shapes.shape_table` (what the warm worker runs)",
        "compute_round_trip": "`compute.shape_table_later` through Ray to the warm actor",
    }
    ref_text = "; ".join(f"{text}: {ref[k]['median']:.0f} ms" for k, text in refs.items() if k in ref)
    details = (
        "**Shape-update latency** (`bench/shape_latency.py`). Key press on the Model page's units slider "
        "in Chromium until the shape table shows the new shape, timed in the browser (keydown → the DOM "
        "mutation), each change a new value so the app's shape cache never answers. The floor "
        "(`bench/floor_app.py`) is a one-page Streamlit app with the same kind of slider and `st.table`, "
        "shapes by arithmetic; `bench/app_without_keras.py` is the app itself with only its shape table "
        "computed by arithmetic, which isolates the cost of asking Keras through Ray; `bench/app_shell.py` is "
        "the app with its layer editor cut down to the units slider and the shape table (pages, sidebar, "
        "address bar, persistence, fragment and Keras stay), which separates the shell's cost from the "
        "editor's other controls and drawings. They run side by side, "
        "rotating blocks of 5 changes after a warm-up.\n\n"
        f"- app: median {app['median']:.0f} ms, p95 {app['p95']:.0f} ms (n = {app['n']}); "
        f"floor: median {floor['median']:.0f} ms, p95 {floor['p95']:.0f} ms; ratio {r['ratio_median']}× "
        f"(p95 {r['ratio_p95']}×).\n"
        + (
            f"- the same page with shapes by arithmetic: median {r['no_keras']['median']:.0f} ms, p95 "
            f"{r['no_keras']['p95']:.0f} ms; app ÷ that: {r['ratio_no_keras']}×.\n"
            if "no_keras" in r
            else ""
        )
        + (
            f"- the app's shell: median {r['shell']['median']:.0f} ms, p95 {r['shell']['p95']:.0f} ms; shell ÷ "
            f"floor: {r['ratio_shell']}×; app ÷ shell: {common.ratio(app['median'], r['shell']['median'])}×.\n"
            if "shell" in r
            else ""
        )
        + f"- key press → the server's rerun visibly starts: app {r['app_to_run'].get('median', 0):.0f} ms, floor "
        f"{r['floor_to_run'].get('median', 0):.0f} ms (medians).\n"
        + "".join(
            f"- CPU time per change, {name}: {_ms(cpu)}.\n" for name, cpu in r.get("cpu_ms_per_change", {}).items()
        )
        + f"- for reference, medians in a separate process with one TensorFlow thread: {ref_text}.\n"
    )
    return rows, details


def _cpu_rows(cpu: dict) -> list[str]:
    """CPU per change, app vs floor: the server's (goal ≤ 1.3×) and the browser's (goal ≤ 2×)."""
    rows = []
    for role, label, goal in (("server", "server", 1.3), ("chromium", "browser (Chromium)", 2.0)):
        app, floor = cpu.get("app", {}).get(role), cpu.get("floor", {}).get(role)
        if app is not None and floor:
            ratio = common.ratio(app, floor)
            rows.append(f"| CPU per change, {label}, app vs floor | {app:.0f} ms vs {floor:.0f} ms: **{ratio}×** | "
                        f"≤ {goal}× | {_met(ratio, goal)} |")  # fmt: skip
    return rows


def _concurrency(r: dict) -> tuple[list[str], str]:
    idle, busy, away = r["idle"], r["busy"], r["busy_away"]
    ratio, ratio_away = r["ratio_busy"], r["ratio_busy_away"]
    rows = [
        f"| Editing while another session trains and watches its live curves (median of {busy['n']}) | "
        f"{busy['median']:.0f} ms vs {idle['median']:.0f} ms idle: **{ratio}×** | ≤ 1.2× (issue 8); ≤ 2× | "
        f"{_met2(ratio)} |",
        f"| Editing while another session trains on another page (median of {away['n']}) | "
        f"{away['median']:.0f} ms vs {idle['median']:.0f} ms idle: **{ratio_away}×** | ≤ 1.2× (issue 8); ≤ 2× | "
        f"{_met2(ratio_away)} |",
    ]
    through = "" if r.get("training_ran_through", True) else " (a training ended before its Stop: see results.json)"
    details = (
        "**Editing while another session trains** (`bench/concurrency.py`). Four browser sessions on one "
        "server: three change units on the Model page, taking turns, each walking its own range of units; one "
        f"trains ({r['epochs']} epochs on the default data{through}). Blocks rotate through three phases in one "
        "run: *idle* (no training), *busy* (training, and that session watches the Train page, whose loss "
        "curve and progress redraw every second), *busy, away* (the same training while that session is "
        "on the Data page).\n\n"
        f"- idle: median {idle['median']:.0f} ms, p95 {idle['p95']:.0f} ms; busy: median {busy['median']:.0f} ms, "
        f"p95 {busy['p95']:.0f} ms ({ratio}×); busy, away: median {away['median']:.0f} ms, p95 {away['p95']:.0f} ms "
        f"({ratio_away}×).\n"
        f"- key press → the rerun visibly starts (medians): {_ms(r.get('to_run_ms', {}))}.\n"
        + "".join(f"- cores used while {phase}: {_cores(c)}.\n" for phase, c in r.get("cores", {}).items())
    )
    return rows, details


def _met2(ratio) -> str:
    return "" if ratio is None else ("yes" if ratio <= 1.2 else ("≤ 2× only" if ratio <= 2 else "no"))


def _ms(cpu: dict) -> str:
    return ", ".join(f"{role} {ms:.0f} ms" for role, ms in cpu.items())


def _cores(cores: dict) -> str:
    return ", ".join(f"{role} {c}" for role, c in cores.items())


def _training(r: dict) -> tuple[list[str], str]:
    q1, q3 = r.get("iqr_fit_cpu_s", [None, None])
    spread = f" (pairs' IQR {q1}–{q3}×)" if q1 is not None else ""
    rows = [
        f"| Training overhead, app path vs plain `fit` ({r['epochs']} epochs, median of {r.get('reps', '?')} "
        f"interleaved pairs) | CPU **{r['ratio_fit_cpu']}×**{spread}; wall {r['ratio_fit']}× (noisy) | ≤ 1.05× | "
        f"{_met(r['ratio_fit_cpu'], 1.05)} (CPU) |"
    ]
    details = (
        "**Training overhead** (`bench/training_overhead.py`). `lstm_lab.model.train.train` (live-progress callback: "
        "history every epoch, Stop and NaN checks every batch, predictions refreshed while that costs under 5%) "
        "against a plain `model.fit` of the same `build_model` model, seed, compile settings and "
        f"`prepare`d default sine data ({r['train_samples']} training windows, {r['epochs']} epochs), in one "
        f"fresh process with the training worker's thread setting ({r['threads']} TensorFlow thread), "
        "alternating app/plain/plain/app. Timed: the `fit` call alone (a clock around `keras.Model.fit`), as wall "
        "time and as the process's CPU time (all threads). The wall time of identical fits varies by a factor of "
        "two or more on this shared machine; the CPU time is the steadier measure of what the app adds. Ratios are "
        "the median of the pairs' ratios.\n\n"
        f"- fit CPU seconds, app: {_list(r['app_fit_cpu_s'])}; plain: {_list(r['plain_fit_cpu_s'])}; "
        f"ratio {r['ratio_fit_cpu']}×.\n"
        f"- fit wall seconds, app: {_list(r['app_fit_s'])}; plain: {_list(r['plain_fit_s'])}; "
        f"ratio {r['ratio_fit']}×.\n"
        f"- whole call (the app's `train()` also prepares the data, predicts and saves the model; plain: build, "
        f"compile, fit), wall: ratio {r['ratio_whole']}×.\n"
    )
    return rows, details


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def _cold(r: dict) -> tuple[list[str], str]:
    app, hello, model = r["app"]["median_s"], r["hello"]["median_s"], r["model_table"]["median_s"]
    model_ratio = r.get("model_ratio")
    rows = [
        f"| Cold start to an interactive first page, app vs one-line page | {app:.1f} s vs {hello:.1f} s: "
        f"**{r['ratio']}×** | ≤ 1.5× | {_met(r['ratio'], 1.5)} |",
        f"| Cold start to the Model page's first shape table (a visitor who opens it as soon as the first page "
        f"shows) | {model:.1f} s, **{model_ratio}×** the one-line page's start | ≤ 5 s and ≤ 3× | "
        f"{'yes' if model <= 5 and model_ratio is not None and model_ratio <= 3 else 'no'} |",
    ]
    first_visit = (
        f"- the same app started with plain `streamlit run app.py` (the tier starts on the first visit): first page "
        f"{_list(r['first_visit']['runs_s'])} s ({r['first_visit_ratio']}×), Model table "
        f"{_list(r['first_visit_model_table']['runs_s'])} s.\n"
        if "first_visit" in r
        else ""
    )
    ready = (
        f"- the compute tier alone (Ray, the warm Keras worker, the spare training worker), with no browser: ready "
        f"{_list(r['compute_ready']['runs_s'])} s after launch.\n"
        if "compute_ready" in r
        else ""
    )
    details = (
        "**Cold start** (`bench/cold_start.py`). From launching the server as `scripts/start.sh` does "
        "(`serve.py`: the compute tier starts with the server) until the page is interactive in an already "
        "running Chromium: the app's Data page showing its `X: (samples, timesteps, features)` metric with the "
        'app idle, against `st.write("hello")` (`bench/hello_app.py`); launches alternate. Then the Model link '
        "is clicked: the time until its shape table first appears includes Ray's start, the warm Keras worker "
        "and TensorFlow's import, which run beside the first page on the same 2 cores.\n\n"
        f"- app: {_list(r['app']['runs_s'])} s; one-line page: {_list(r['hello']['runs_s'])} s; Model table: "
        f"{_list(r['model_table']['runs_s'])} s after launch.\n" + first_visit + ready
    )
    return rows, details


def _cell_trace(r: dict) -> tuple[list[str], str]:
    import cell_trace

    t, (steps, features, units) = r["times"], r["shape"]
    rows = [
        f"| Inside the cell: one sample's trace in the worker, LSTM({units}) on ({steps}, {features}), vs Keras's own "
        f"forward pass | {t['worker_call']['median']:.0f} ms vs {t['keras_forward']['median']:.0f} ms: "
        f"**{common.ratio(t['worker_call']['median'], t['keras_forward']['median'])}×** | | |",
    ]
    details = (f"**Inside the cell** (`bench/cell_trace.py`). "
               f"{_summary_line(common.ROOT / 'bench' / 'cell_trace.py')}\n\n" + cell_trace.markdown(r))  # fmt: skip
    return rows, details


def _compute_restart(r: dict) -> tuple[list[str], str]:
    cold, daemons, worker = r["cold"], r["daemons"], r["shapes_worker"]
    rows = [
        f"| Ray's `gcs_server` and `raylet` killed: until a shape table answers again, vs a cold start of the "
        f"tier | {daemons['median_s']:.1f} s vs {cold['median_s']:.1f} s: **{r['ratio']}×** | | |",
        f"| The warm shapes worker killed: until a shape table answers again | {worker['median_s']:.1f} s | | |",
    ]
    details = (
        f"**Compute faults** (`bench/compute_restart.py`). "
        f"{_summary_line(common.ROOT / 'bench' / 'compute_restart.py')}\n\n"
        f"- cold start: {_list(cold['runs_s'])} s; Ray killed: {_list(daemons['runs_s'])} s (noticed after a "
        f"median {r['noticed_s']:.1f} s); shapes worker killed: {_list(worker['runs_s'])} s.\n"
    )
    return rows, details


def _memory(r: dict) -> tuple[list[str], str]:
    g, st = r["growth_mb"], r["stages"]
    limit = r.get("bound_mb")
    bound = f"server ≤ {limit} MB" if limit else "bounded"
    met = ("yes" if r["peak_server_mb"] <= limit else "no") if limit else ""
    rows = [
        f"| Server RSS under use ({st['start']['server_mb']:.0f} → {st['sessions']['server_mb']:.0f} MB) | "
        f"{g['changes']:+.1f} MB over {r['changes']} changes, "
        f"{g['trainings']:+.1f} MB over {r['trainings']} trainings, "
        f"{g['sessions']:+.1f} MB over {r['sessions']} sessions | {bound} | {met} |"
    ]
    tiny = f"{r['tiny_data_rows']} rows" if r.get("tiny_data_rows") else "the default data"
    stage_text = "".join(
        f"- {label}: server {s['server_mb']:.0f} MB; children {s['children_mb']:.0f} MB in {s['children']} "
        f"processes ({_kinds(s['by_kind'])}).\n"
        for label, s in (
            ("at the first Model page", st["start"]),
            (f"after {r['changes']} settings changes", st["changes"]),
            (f"after {r['trainings']} trainings", st["trainings"]),
            (f"after {r['sessions']} more sessions opened and closed", st["sessions"]),
        )
    )
    details = (
        "**Memory** (`bench/memory.py`). RSS of the server process, and apart of its children (Ray's daemons "
        f"and workers), in one browser session: {r['changes']} units changes (each a new value), {r['trainings']} "
        f"trainings of 1 epoch on {tiny}, then {r['sessions']} more sessions opened on the Model page and closed.\n\n"
        f"- server RSS grew by {g['changes']} MB over {r['changes']} changes, by {g['trainings']} MB over "
        f"{r['trainings']} trainings and by {g['sessions']} MB over {r['sessions']} sessions; it stayed within "
        f"{r['peak_server_mb']:.0f} MB, its children within {r['peak_children_mb']:.0f} MB.\n"
        + _training_curve(r.get("training_curve_mb"))
        + stage_text
    )
    return rows, details


def _training_curve(curve: list | None) -> str:
    """Server RSS every 5 trainings, and the growth in each step: flat steps mean bounded."""
    if not curve or len(curve) < 2:
        return ""
    readings = ", ".join(f"{mb:.0f} MB after {n}" for n, mb in curve)
    steps = ", ".join(f"{b[1] - a[1]:+.1f}" for a, b in itertools.pairwise(curve))
    return f"- server RSS during the trainings: {readings} (steps of {curve[1][0]}: {steps} MB).\n"


def _kinds(by_kind: dict) -> str:
    big = sorted(by_kind.items(), key=lambda kv: -kv[1]["mb"])
    return ", ".join(f"{k} {v['mb']:.0f} MB" + (f" ×{v['count']}" if v["count"] > 1 else "") for k, v in big[:4])


def _restore(r: dict) -> tuple[list[str], str]:
    b, tables = r["browser"], r["table"]
    restored, empty, first, store = b["restored"], b["empty"], b["first_restored"], b["store_ms"]
    big = tables[-1]
    rows = [
        f"| Restoring a browser's work after a restart: Predictions page, restored vs nothing saved (median of "
        f"{restored['n']}) | {restored['median']:.0f} ms vs {empty['median']:.0f} ms: **{b['ratio']}×** | | |",
        f"| Reading an uploaded table back from the store vs reading its CSV again ({big['rows']:,} rows) | "
        f"{big['store_ms']:.0f} ms vs {big['csv_ms']:.0f} ms: **{big['ratio']}× faster** | | |",
    ]
    items = ", ".join(f"{name} {kb:,} KB" for name, kb in store["item_kb"].items())
    details = (
        f"**Restoring after a restart** (`bench/restore.py`). {_summary_line(common.ROOT / 'bench' / 'restore.py')}\n\n"
        f"- Predictions page, restored (upload of 20,000 rows, settings, a trained model and its chart): median "
        f"{restored['median']:.0f} ms, p95 {restored['p95']:.0f} ms; with nothing saved: median {empty['median']:.0f} "
        f"ms, p95 {empty['p95']:.0f} ms; ratio {b['ratio']}×. The first restored page after a restart: "
        f"{_list([v / 1000 for v in [first['min'], first['max']]])} s (min, max); stopping and starting the server "
        f"again: {_list(b['restart_s'])} s.\n"
        f"- of that, reading and checking the three items from the store: median {store['median']:.1f} ms "
        f"({items}); the rest of the difference is the page itself, which draws the predictions chart where the "
        "other shows one line.\n"
        + "".join(
            f"- {t['rows']:,} rows (CSV {t['csv_mb']} MB, stored {t['item_mb']} MB): from the store "
            f"{t['store_ms']:.0f} ms, the CSV again {t['csv_ms']:.0f} ms ({t['ratio']}×); saving it the first time "
            f"{t['first_save_ms']:.0f} ms.\n"
            for t in tables
        )
    )
    return rows, details


def _windowing(r: dict) -> tuple[list[str], str]:
    """Figures from ``bench/windowing.py`` (written by its own author): its markdown, or its values."""
    head = f"**Windowing** (`bench/windowing.py`). {_summary_line(common.ROOT / 'bench' / 'windowing.py')}\n\n"
    if isinstance(r.get("markdown"), str):
        return [], head + r["markdown"].strip() + "\n"
    items = []
    for key, value in r.items():
        if key == "machine":
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        items.append(f"- {key}: {value}\n")
    return [], head + "".join(items)


NO_ERRORS = (
    "- no errors: every rerun finished, no exception or error element was drawn, and every units change "
    "showed its shape.\n"
)


def _workshop(r: dict) -> tuple[list[str], str]:
    import workshop_load

    rows = [f"| Workshop load: participants on Streamlit's websocket protocol plus a Chromium probe | "
            f"{r['capacity']} | | |"]  # fmt: skip
    errors = sorted({e for s in r["scenarios"] for e in s.get("error_examples", [])})
    details = (
        f"**Workshop load** (`bench/workshop_load.py`). {_summary_line(common.ROOT / 'bench' / 'workshop_load.py')}"
        f"\n\n{workshop_load.table(r)}\n\n"
        f"- {r['capacity']}\n"
        f"- each scenario measured for {r['seconds']:.0f} s after every participant had opened the lab; a change "
        f"every {r['every_s']:g} s per participant; trainers train {r['epochs']} epochs on the stacked preset's data, "
        "again as soon as one ends. CPU per change counts every rerun a person caused (the probe's too), not the "
        "fragment polls; the compute tier's share includes the trainings. Load average (1 min) at the end of each "
        f"scenario, on this shared machine: {', '.join(str(s['load_average']) for s in r['scenarios'])}.\n"
        + (f"- errors seen: {'; '.join(errors)}.\n" if errors else NO_ERRORS)
    )
    return rows, details


def _summary_line(path) -> str:
    """The first paragraph of a module's docstring, on one line, in markdown backticks."""
    try:
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    except (OSError, SyntaxError):
        return ""
    return " ".join(doc.split("\n\n")[0].split()).replace("``", "`")


SECTIONS = {
    "shape_latency": _latency,
    "concurrency": _concurrency,
    "training_overhead": _training,
    "cold_start": _cold,
    "memory": _memory,
    "restore": _restore,
    "compute_restart": _compute_restart,
    "cell_trace": _cell_trace,
    "windowing": _windowing,
    "workshop_load": _workshop,
}
TITLES = {
    "shape_latency": "Shape update",
    "concurrency": "Editing while another session trains",
    "training_overhead": "Training overhead",
    "cold_start": "Cold start",
    "memory": "Server memory",
    "restore": "Restoring after a restart",
    "compute_restart": "Compute faults",
    "cell_trace": "Inside the cell",
    "windowing": "Windowing",
    "workshop_load": "Workshop load",
}
