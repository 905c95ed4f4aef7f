"""lstm_lab.compute on a real local Ray: the warm shapes actor and training jobs."""

import sys
import time
from pathlib import Path

import pytest

from lstm_lab import LabSpec, LstmLabError, compute
from lstm_lab.data.generate import sine_table

ROOT = Path(__file__).resolve().parents[2]

LAB = {"data": {"rows": 160, "timesteps": 8}, "model": {"layers": [{"units": 4}]}, "train": {"epochs": 2}}
DATA = sine_table(160, 1, 0.1, 0)


def finish(job, timeout=120):
    """Poll until the job has ended (as a page does) and return its final progress."""
    deadline = time.monotonic() + timeout
    while not job.collect() and time.monotonic() < deadline:
        time.sleep(0.2)
    return job.progress()


@pytest.fixture(scope="module")
def engine():
    e = compute.engine()
    e.wait_ready()
    return e


def test_shapes_come_from_the_actor(engine):
    rows = compute.shape_table_later({"timesteps": 20, "features": 128, "layers": [{"units": 64}], "head": None})()
    assert rows[-1].output_shapes == ((None, 64),)
    assert rows[-1].params == 49_408


def test_keras_errors_come_back_as_values(engine):
    with pytest.raises(LstmLabError) as err:
        compute.shape_table_later({"timesteps": 5, "features": 2, "layers": [{"units": 4}, {"units": 3}]})()
    assert "expected ndim=3, found ndim=2" in err.value.keras_message


def test_invalid_spec_comes_back_as_a_message(engine):
    with pytest.raises(LstmLabError, match="`model.layers.0.units`"):
        compute.shape_table_later({"layers": [{"units": 0}]})()


def test_a_job_trains_streams_history_and_predicts(engine):
    job = compute.TrainingJob(LabSpec.from_dict(LAB), DATA)
    seen = set()
    deadline = time.monotonic() + 120
    while not job.ended and time.monotonic() < deadline:
        seen.add(job.progress().state)
        time.sleep(0.2)
    final = job.progress()
    assert final.state == "done", final.message
    assert [h["epoch"] for h in final.history] == [1, 2]
    assert final.predictions.metrics["mae"] > 0
    assert final.model_bytes
    assert seen <= {"queued", "starting", "training", "done"}


def test_stop_ends_a_long_job_and_keeps_the_model(engine):
    job = compute.TrainingJob(LabSpec.from_dict({**LAB, "train": {"epochs": 200}}), DATA)
    deadline = time.monotonic() + 120
    while job.progress().epoch < 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    job.stop()
    final = finish(job)
    assert final.state == "stopped"
    assert 1 <= final.epoch < 200
    assert final.model_bytes and final.predictions


def test_failure_in_a_job_is_reported_not_raised(engine):
    lab = LabSpec.from_dict({**LAB, "data": {"rows": 160, "timesteps": 8, "targets": ["nope"]}})
    final = finish(compute.TrainingJob(lab, DATA))
    assert final.state == "failed"
    assert "'nope' is not in the data" in final.message


NO_TF_IN_CALLER = """
import sys, time
from lstm_lab import LabSpec, compute
from lstm_lab.data.generate import sine_table
rows = compute.shape_table_later({"timesteps": 3, "features": 2, "layers": [{"units": 5}]})()
job = compute.TrainingJob(LabSpec.from_dict({"data": {"rows": 120, "timesteps": 5}, "train": {"epochs": 1}}),
                          sine_table(120, 1, 0.1, 0))
while not job.collect():
    time.sleep(0.2)
state = job.progress().state
loaded = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "ray")})
print("STATE", state, "LOADED", loaded)
"""


def python(code: str, timeout: float) -> str:
    """Run ``code`` in a fresh Python with the project importable; its output."""
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
        cwd=str(ROOT), env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    return out.stdout + out.stderr[-2000:]


def test_the_caller_never_imports_tensorflow_or_ray():
    assert "STATE done LOADED []" in python(NO_TF_IN_CALLER, 300)


def test_the_tier_reports_ready_with_training_slots(engine):
    assert engine.status.state == "ready" and engine.status.message == "Keras workers ready"
    assert engine.capacity >= 1


RAY_FROM_SHORT_THREAD = """
import threading, time
from lstm_lab import compute
t = threading.Thread(target=lambda: compute.engine().wait_ready())
t.start(); t.join()      # like a Streamlit script thread, the caller's thread ends here
time.sleep(5)            # local daemons tied to a dead thread die within about a second
rows = compute.shape_table_later({"timesteps": 3, "features": 2, "layers": [{"units": 5}]})()
print("ALIVE", rows[1].output_shapes)
"""


def test_the_tier_outlives_the_thread_that_first_asked_for_it():
    assert "ALIVE ((None, 5),)" in python(RAY_FROM_SHORT_THREAD, 180)


def test_trainings_beyond_the_cap_wait_in_the_queue(engine):
    lab = LabSpec.from_dict({**LAB, "train": {"epochs": 200}})
    jobs = [compute.TrainingJob(lab, DATA) for _ in range(engine.capacity + 1)]
    try:
        seen = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not ({"queued", "training"} <= seen):
            seen = {job.progress().state for job in jobs}
            time.sleep(0.3)
        assert {"queued", "training"} <= seen, seen
        for job in jobs[: engine.capacity]:
            job.stop()
        last = jobs[-1]
        while time.monotonic() < deadline + 120 and last.progress().state in ("queued", "starting"):
            time.sleep(0.3)
        assert last.progress().state in ("training", "done")
    finally:
        for job in jobs:
            job.stop()
        for job in jobs:
            finish(job)
