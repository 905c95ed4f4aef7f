"""The workshop load generator itself (bench/workshop_participants.py): Locust runs two simulated participants,
speaking Streamlit's websocket protocol, against a real server for a few seconds. No timing is checked here;
the benchmark (bench/workshop_load.py) measures."""

import json
import subprocess
import sys

from browser_helpers import ROOT

SETTINGS = {"units", "layers", "bidirectional", "timesteps"}


def test_two_simulated_participants_change_settings_without_errors(server, tmp_path):
    out = tmp_path / "participants.json"
    cmd = [sys.executable, str(ROOT / "bench" / "workshop_participants.py"), "--host", server.url,
           "--participants", "2", "--every", "1.5", "--seconds", "10", "--out", str(out)]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    errors = [event for event in result["events"] if event[3] is not None]  # [type, name, ms, error, time]
    assert result["opened"] == 2 and result["failed_to_open"] == 0
    assert errors == []
    changes = [event for event in result["events"] if event[0] == "rerun" and event[1] in SETTINGS]
    assert len(changes) >= 4
    assert {event[1] for event in changes} & {"units", "layers", "bidirectional"}
    counted = sum(entry["n"] for name, entry in result["locust"].items() if name.split(" ", 1)[1] in SETTINGS)
    assert counted >= 1  # Locust's own statistics counted the reruns inside the measured window
