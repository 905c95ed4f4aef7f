"""The compute tier's faults, on real Ray: killed daemons, killed workers, a stale `ray start` record.

Each test that kills Ray runs its own :class:`~lstm_lab.compute.engine.Engine` (its own compute service and
local Ray), so the rest of the suite's tier is untouched; closing it must leave no process behind.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from processes import alive, find, kill

from lstm_lab import LabSpec, LstmLabError, compute
from lstm_lab.compute.engine import Engine
from lstm_lab.data.generate import sine_table

LONG = {
    "data": {"rows": 4000, "timesteps": 8},
    "model": {"layers": [{"units": 4}]},
    "train": {"epochs": 200, "batch_size": 8},
}  # minutes: it is still training when something is killed
DATA = sine_table(4000, 1, 0.1, 0)


def spec(units: int) -> dict:
    return {"timesteps": 6, "features": 2, "layers": [{"units": units}], "head": None}


def shape_within(engine: Engine, units: int, timeout: float) -> tuple:
    """The last layer's output shape for ``units``, asking until the tier answers (or ``timeout``)."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            return engine.shape_table_later(spec(units))()[-1].output_shapes[0]
        except LstmLabError as e:
            assert e.code.startswith("compute_"), e.message  # only "restarting", never a Keras error
            last = e
            time.sleep(0.5)
    raise AssertionError(f"no shape after {timeout} s: {last}")


def training_at_epoch_one(job, timeout=120):
    deadline = time.monotonic() + timeout
    while job.progress().epoch < 1:
        assert time.monotonic() < deadline, job.progress()
        time.sleep(0.2)


def final(job, timeout=60):
    deadline = time.monotonic() + timeout
    while not job.collect():
        assert time.monotonic() < deadline, job.progress()
        time.sleep(0.2)
    return job.progress()


@pytest.fixture
def own_engine():
    e = Engine()
    yield e
    e.close()


def test_killing_rays_daemons_restarts_the_tier_and_fails_the_running_training(own_engine, monkeypatch):
    e = own_engine
    monkeypatch.setattr(compute.jobs, "engine", lambda: e)
    e.wait_ready()
    assert shape_within(e, 3, 10) == (None, 3)
    job = compute.TrainingJob(LabSpec.from_dict(LONG), DATA)
    training_at_epoch_one(job)
    first = e._child.pid
    seen = {p.pid for p in find(first, "")}
    kill(find(first, "gcs_server", "raylet"))

    lost = final(job)
    assert lost.state == "failed" and lost.error.code == "worker_lost"
    assert "press Train to start again" in lost.message and lost.epoch >= 1
    deadline = time.monotonic() + 30
    while e.status.generation == 0:
        assert time.monotonic() < deadline, "the supervisor did not notice"
        time.sleep(0.2)
    assert e.status.state in ("restarting", "ready")
    if not e.status.ready:
        assert "Keras workers are restarting" in e.status.message
    assert shape_within(e, 5, 90) == (None, 5)
    assert e.status.ready and e._child.pid != first
    assert alive(seen) == [], "processes of the killed service were left running"
    family = {p.pid for p in find(e._child.pid, "")}
    e.close()
    assert alive(family | {e._child.pid}) == []


def test_a_killed_shapes_worker_is_started_again(own_engine):
    e = own_engine
    e.wait_ready()
    assert shape_within(e, 3, 10) == (None, 3)
    kill(find(e._child.pid, "ray::ShapesWorker"))
    assert shape_within(e, 7, 30) == (None, 7)
    assert e.status.generation == 0  # Ray restarted the worker; the tier itself carried on


def test_a_killed_training_worker_fails_its_training_only(own_engine, monkeypatch):
    e = own_engine
    monkeypatch.setattr(compute.jobs, "engine", lambda: e)
    e.wait_ready()
    job = compute.TrainingJob(LabSpec.from_dict(LONG), DATA)
    training_at_epoch_one(job)
    kill([psutil.Process(job.progress().place.pid)])  # the worker the run reports; the other is the spare
    lost = final(job, 30)
    assert lost.state == "failed" and "The training worker was lost" in lost.message
    assert shape_within(e, 9, 10) == (None, 9) and e.status.generation == 0
    again = compute.TrainingJob(LabSpec.from_dict({**LONG, "train": {"epochs": 1}}), DATA)
    assert final(again, 120).state == "done"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


RAY = str(Path(sys.executable).with_name("ray"))
RECORD = Path("/tmp/ray/ray_current_cluster")


@pytest.fixture
def head_node():
    """A `ray start --head` cluster (its GCS and Ray Client ports); killed, by its ports, afterwards."""
    had_record = RECORD.exists()
    gcs, client = free_port(), free_port()
    subprocess.run([RAY, "start", "--head", f"--port={gcs}", f"--ray-client-server-port={client}", "--num-cpus=2",
                    "--include-dashboard=false", "--disable-usage-stats"], check=True, capture_output=True,
                   timeout=120, env={**os.environ, "RAY_ADDRESS": ""})  # fmt: skip
    head = {"gcs": gcs, "client": client, "processes": lambda: _of_cluster(gcs)}
    try:
        yield head
    finally:
        left = _of_cluster(gcs)
        if left:
            kill(left)
        if not had_record:
            RECORD.unlink(missing_ok=True)


def _of_cluster(gcs: int):
    """The head node's processes: its daemons (their command lines name its port) and their children."""
    import psutil

    roots = [p for p in psutil.process_iter(["cmdline"])
             if any(f"{sep}{gcs}" in " ".join(p.info["cmdline"] or []) for sep in (":", "port="))]  # fmt: skip
    family = {}
    for root in roots:
        try:
            family.update((p.pid, p) for p in [root, *root.children(recursive=True)])
        except psutil.Error:
            pass
    return [p for p in family.values() if alive([p.pid])]


def test_ray_address_forms_join_a_cluster_and_a_stale_record_never_breaks_local_mode(head_node, monkeypatch):
    for address in (f"127.0.0.1:{head_node['gcs']}", f"ray://127.0.0.1:{head_node['client']}"):
        monkeypatch.setenv("RAY_ADDRESS", address)
        joined = Engine()
        try:
            joined.wait_ready()
            assert shape_within(joined, 4, 60) == (None, 4), address
            assert joined.capacity == 2  # the head's 2 CPUs, one per training
        finally:
            joined.close()
    assert RECORD.exists()
    # Killed as a crash or the OOM killer would: the record stays behind, naming a cluster that is gone.
    kill(head_node["processes"]())
    monkeypatch.delenv("RAY_ADDRESS")
    local = Engine()
    try:
        local.wait_ready()
        assert shape_within(local, 6, 30) == (None, 6)
    finally:
        local.close()
