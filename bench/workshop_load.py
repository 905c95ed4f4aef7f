"""A workshop on one server: 1, 10 and 30 participants changing settings, with 0 and 2 trainings running.

Simulated participants speak Streamlit's own websocket protocol (``bench/st_protocol.py``), run by Locust
in a process of its own (``bench/workshop_participants.py``): each opens the lab from a preset link
(``/model?preset=stacked``) and every 5 s changes one setting in turn (units, layers, bidirectional, then
timesteps on the Data page), its fragment timers polling as a browser's do; trainers press Train (2
epochs) again each time their training ends. One real Chromium is the latency probe: it opens the same
link and moves the units slider with the arrow keys every few seconds, timed in the page from the key
press until the table shows the new shape and the app is idle. All scenarios run on one server, one
after another, with the same probe. Per scenario: the median and p95 time from a change to its
finished rerun (participants and probe), errors, the server's CPU per change and RSS (the web server
apart from its compute tier: the compute service, Ray and its workers), and Train → first epoch shown.

Usage: ``.venv/bin/python bench/workshop_load.py [--quick]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import threading
import time

import common
import procs
import psutil

SETTINGS = ("units", "layers", "bidirectional", "timesteps")  # the changes in the headline figures
LINK = "model?preset=stacked"
PROBE_SHAPE = "(None, 30, {units})"  # the stacked preset's first layer: 30 timesteps, return_sequences
# In the page: a clock from the next key press until a table shows ``expected`` and the app is idle.
_ARM = """
expected => {
  window.__probe = new Promise((resolve, reject) => {
    let t0 = null;
    document.addEventListener('keydown', () => { t0 = performance.now(); check(); }, {capture: true, once: true});
    const check = () => {
      if (t0 === null) return false;
      const app = document.querySelector('[data-testid="stApp"]');
      if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
      for (const t of document.querySelectorAll('[data-testid="stTable"]')) {
        if (t.textContent.includes(expected)) { resolve(performance.now() - t0); return true; }
      }
      return false;
    };
    const obs = new MutationObserver(() => { if (check()) obs.disconnect(); });
    obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                                attributeFilter: ['data-test-script-state']});
    setTimeout(() => { obs.disconnect(); reject(new Error('no table with ' + expected + ' after 60 s')); }, 60000);
  });
}
"""


def run(participants=(1, 10, 30), trainings=(0, 2), seconds: float = 60.0, every: float = 5.0,
        probe_every: float = 3.0, epochs: int = 2) -> dict:  # fmt: skip
    """Every (participants, trainings) scenario on one server; returns their figures and the capacity line."""
    common.say(f"workshop load: participants {participants} × trainings {trainings}, {seconds:.0f} s each, "
               f"a change every {every:.0f} s")  # fmt: skip
    scenarios = []
    with (
        tempfile.TemporaryDirectory(prefix="lstm_lab_bench_") as data_dir,
        common.Server("app.py", env={"LSTM_LAB_DATA_DIR": data_dir}) as server,
        common.chromium() as browser,
    ):
        probe = Probe(browser, f"{server.url}/{LINK}")
        for _ in range(3):  # warm: the compute tier, the shapes worker, the page
            probe.change()
        for n in participants:
            for t in trainings:
                leftover = _wait_quiet(server.pid)
                scenarios.append(_scenario(server, probe, n, t, seconds, every, probe_every, epochs))
                scenarios[-1]["trainings_left_from_before"] = leftover
    result = {"scenarios": scenarios, "every_s": every, "seconds": seconds, "epochs": epochs}
    result["capacity"] = capacity(result)
    common.say(table(result) + "\n" + result["capacity"])
    return result


class Probe:
    """One Chromium page on the lab that moves the first units slider up by one and times it."""

    def __init__(self, browser, url: str):
        self.page = common.new_page(browser)
        common.open_page(self.page, url)
        self.slider = self.page.locator(common.UNITS).first
        self.slider.wait_for(state="attached")

    def change(self) -> float:
        """Milliseconds from the key press to the new shape shown with the app idle (raises on a timeout)."""
        units = int(self.slider.input_value()) + 1
        self.slider.focus()
        self.page.evaluate(_ARM, PROBE_SHAPE.format(units=units))
        self.page.keyboard.press("ArrowRight")
        return self.page.evaluate("() => window.__probe")


class Sampler:
    """CPU seconds and RSS of the web server process and, apart, of its descendants (the compute tier: the
    compute service, Ray's daemons and workers), read once a second in a thread.

    CPU between two moments adds up each process's own CPU time over the samples in between, so a process
    that started meanwhile counts from zero and one that ended counts until its last sample.
    """

    def __init__(self, pid: int, interval: float = 1.0):
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, dict[int, float], float, float]] = []  # time, CPU s by pid, RSS MB ×2
        self.kinds: dict[int, str] = {}  # pid → its last name: ray::ShapesWorker, ray::TrainingWorker, raylet …
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append(self.sample())
            except psutil.Error:
                pass
            self._stop.wait(self.interval)

    def sample(self) -> tuple[float, dict[int, float], float, float]:
        server = psutil.Process(self.pid)
        t = server.cpu_times()
        cpu, web_rss, tier_rss = {self.pid: t.user + t.system}, server.memory_info().rss, 0
        for child in server.children(recursive=True):
            try:
                c = child.cpu_times()
                cpu[child.pid] = c.user + c.system
                self.kinds[child.pid] = procs.process_kind(child.pid)  # its latest name: setup_worker.py execs
                tier_rss += child.memory_info().rss
            except psutil.Error:  # it ended between the listing and the reading
                continue
        return time.time(), cpu, web_rss / 2**20, tier_rss / 2**20

    def cpu(self, samples: list) -> dict[str, float]:
        """CPU seconds of the web server and of the compute tier over consecutive ``samples``."""
        used = self._used(samples)
        return {"web server": used.pop(self.pid, 0.0), "compute tier": sum(used.values())}

    def cpu_by_kind(self, samples: list) -> dict[str, float]:
        """CPU seconds of the compute tier's processes by kind (the shapes worker, training workers, …); all of
        a process's CPU goes to the last name it had (Ray's ``setup_worker.py`` becomes the worker it starts)."""
        by_kind: dict[str, float] = {}
        for pid, seconds in self._used(samples).items():
            if pid != self.pid:
                kind = self.kinds.get(pid, "?")
                by_kind[kind] = by_kind.get(kind, 0.0) + seconds
        return by_kind

    def _used(self, samples: list) -> dict[int, float]:
        first, last = samples[0][1], {}
        for _, cpu, _, _ in samples:
            last.update(cpu)
        return {pid: seconds - first.get(pid, 0.0) for pid, seconds in last.items()}

    def between(self, start: float, end: float) -> dict:
        """CPU seconds, wall seconds and peak RSS (MB) between two ``time.time()`` moments."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return {}
        return {
            "wall_s": inside[-1][0] - inside[0][0],
            "cpu_s": self.cpu(inside),
            "tier_cpu_s": self.cpu_by_kind(inside),
            "peak_rss_mb": {"web server": max(s[2] for s in inside), "compute tier": max(s[3] for s in inside)},
        }


def _scenario(server, probe: Probe, n: int, t: int, seconds: float, every: float, probe_every: float,
              epochs: int) -> dict:  # fmt: skip
    common.say(f"  {n} participants, {t} training: opening…")
    out = common.LOGS / f"workshop-{n}-{t}.json"
    log = open(common.LOGS / f"workshop-{n}-{t}.log", "w")  # closed below
    cmd = [
        common.PYTHON, str(common.ROOT / "bench" / "workshop_participants.py"), "--host", server.url,
        "--participants", str(n), "--trainers", str(t), "--seconds", str(seconds), "--every", str(every),
        "--epochs", str(epochs), "--out", str(out),
    ]  # fmt: skip
    out.unlink(missing_ok=True)
    probed: list[tuple[float, float | None]] = []  # (time.time() of the key press, ms or None when it failed)
    with Sampler(server.pid) as sampler:
        proc = subprocess.Popen(cmd, cwd=common.ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + seconds + 600  # opening 30 participants on a busy machine, then the run
            while proc.poll() is None and time.monotonic() < deadline:
                pressed = time.time()
                try:
                    probed.append((pressed, probe.change()))
                except Exception as e:  # noqa: BLE001 (a probe change that never showed is an error, counted)
                    common.say(f"    probe change failed: {str(e).splitlines()[0]}")
                    probed.append((pressed, None))
                    probe.page.locator(common.IDLE).wait_for()
                time.sleep(max(0.0, pressed + probe_every - time.time()))
        finally:
            procs.kill_tree(proc.pid)
            log.close()
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"the participants' process failed ({proc.returncode}); see {log.name}")
    return _figures(json.loads(out.read_text()), probed, sampler)


def _figures(raw: dict, probed: list, sampler: Sampler) -> dict:
    start, end = raw["window"]["start"], raw["window"]["end"]
    events = raw["events"]  # [type, name, ms, error or None, time.time()]
    inside = [e for e in events if start <= e[4] <= end and e[3] is None]
    changes = [e[2] for e in inside if e[0] == "rerun" and e[1] in SETTINGS]
    probe_ms = [ms for at, ms in probed if start <= at <= end and ms is not None]
    errors = [f"{e[0]} {e[1]}: {e[3]}" for e in events if e[3]] + [
        "probe: the new shape was not shown within 60 s" for _, ms in probed if ms is None
    ]  # fmt: skip
    errors += ["a participant could not open the lab"] * raw["failed_to_open"]
    usage = sampler.between(start, end)
    all_changes = len([e for e in inside if e[0] == "rerun"]) + len(probe_ms)
    result = {
        "participants": raw["participants"],
        "trainings": raw["trainers"],
        "simulated": common.summary(changes),
        "by_change": {name: _latencies(inside, name) for name in (*SETTINGS, "page")},
        "probe": common.summary(probe_ms),
        "polls": len([e for e in inside if e[0] == "poll"]),
        "changes": all_changes,
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "queue_wait": common.summary([e[2] for e in events if e[0] == "queue" and e[3] is None]),
        "trainings_started": len([e for e in events if e[0] == "rerun" and e[1] == "train" and e[3] is None]),
        "locust": raw["locust"],
        "load_average": round(os.getloadavg()[0], 2),
    }
    if usage:
        result["cpu_ms_per_change"] = {k: round(1000 * v / max(all_changes, 1), 1) for k, v in usage["cpu_s"].items()}
        result["cores"] = {k: round(v / usage["wall_s"], 2) for k, v in usage["cpu_s"].items()}
        result["peak_rss_mb"] = {k: round(v) for k, v in usage["peak_rss_mb"].items()}
        ranked = sorted(usage["tier_cpu_s"].items(), key=lambda kv: -kv[1])
        result["tier_cores"] = {k: round(v / usage["wall_s"], 2) for k, v in ranked if v / usage["wall_s"] >= 0.01}
    common.say(
        f"    {result['participants']} + {result['trainings']} training: participants median "
        f"{result['simulated'].get('median')} ms p95 {result['simulated'].get('p95')} ms "
        f"(n={result['simulated'].get('n', 0)}); probe median {result['probe'].get('median')} ms p95 "
        f"{result['probe'].get('p95')} ms; errors {result['errors']}; CPU/change {result.get('cpu_ms_per_change')}; "
        f"queue wait {result['queue_wait'].get('median')} ms; load {result['load_average']}; cores: "
        f"{result.get('cores')}, compute tier by process: {result.get('tier_cores')}"
    )
    return result


def _latencies(events: list, name: str) -> dict:
    return common.summary([e[2] for e in events if e[0] == "rerun" and e[1] == name])


def _wait_quiet(pid: int, timeout: float = 240.0) -> int:
    """Let the trainings that outlived their participants end (a starved worker uses little CPU, so this waits
    for the training workers themselves to go); returns how many were still there when it gave up."""
    deadline = time.monotonic() + timeout
    while True:
        left = [p for p in procs.descendants(pid) if procs.process_kind(p).startswith("ray::TrainingWorker")]
        if not left or time.monotonic() > deadline:
            return len(left)
        time.sleep(2)


def capacity(result: dict, goal_ms: float = 1000.0) -> str:
    """The plain sentence: how many participants keep p95 under ``goal_ms`` (participants and probe)."""
    every = f"{result['every_s']:g}"
    cores = os.cpu_count()
    parts = []
    for t in sorted({s["trainings"] for s in result["scenarios"]}):
        rows = [s for s in result["scenarios"] if s["trainings"] == t]
        ok = [s["participants"] for s in rows if s["errors"] == 0 and _p95(s, "simulated") < goal_ms
              and _p95(s, "probe") < goal_ms]  # fmt: skip
        best = max(ok, default=None)
        while_training = "" if t == 0 else f" while {t} others train"
        if best is None:
            worst = min(rows, key=lambda s: s["participants"])
            p95 = max(_p95(worst, "simulated"), _p95(worst, "probe"))
            people = f"{worst['participants']} participant{'s' if worst['participants'] > 1 else ''}"
            parts.append(f"even {people}{while_training} saw a p95 of {p95:.0f} ms")
        else:
            people = f"{best} participant{'s' if best > 1 else ''}"
            parts.append(f"{people} changing a setting every {every} s keep{'s' * (best == 1)} p95 under "
                         f"{goal_ms / 1000:g} s{while_training}")  # fmt: skip
    tested = ", ".join(str(n) for n in sorted({s["participants"] for s in result["scenarios"]}))
    return f"On {cores} cores, " + "; ".join(parts) + f" (tested: {tested} participants)."


def _p95(scenario: dict, who: str) -> float:
    return scenario[who].get("p95", float("inf"))


def table(result: dict) -> str:
    """The scenarios as a markdown table."""
    lines = [
        "| Participants | Trainings | Change → rerun finished, participants: median / p95 (n) | Probe (Chromium): "
        "median / p95 (n) | Errors | Server CPU per change: web / compute tier | Peak RSS: web / compute tier | "
        "Train → first epoch (median) |",
        "|---:|---:|---|---|---:|---|---|---|",
    ]
    for s in result["scenarios"]:
        cpu, rss, q = s.get("cpu_ms_per_change", {}), s.get("peak_rss_mb", {}), s["queue_wait"]
        lines.append(
            f"| {s['participants']} | {s['trainings']} | {_ms(s['simulated'])} | {_ms(s['probe'])} | {s['errors']} | "
            f"{cpu.get('web server', 0):.0f} ms / {cpu.get('compute tier', 0):.0f} ms | "
            f"{rss.get('web server', 0)} MB / {rss.get('compute tier', 0)} MB | "
            + (f"{q['median'] / 1000:.1f} s (n = {q['n']}) |" if q.get("n") else _no_epoch(s))
        )
    return "\n".join(lines)


def _no_epoch(s: dict) -> str:
    started = s["trainings_started"]
    return f"none reached its first epoch ({started} started) |" if started else "– |"


def _ms(s: dict) -> str:
    return f"{s['median']:.0f} / {s['p95']:.0f} ms ({s['n']})" if s.get("n") else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 and 3 participants, 20 s each: a smoke run")
    args = parser.parse_args()
    result = run(participants=(1, 3), seconds=20.0) if args.quick else run()
    common.LOGS.mkdir(parents=True, exist_ok=True)
    (common.LOGS / "workshop_load.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
