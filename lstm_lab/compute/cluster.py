"""Starting or joining Ray inside the compute service, and telling whether it is still there.

With no ``RAY_ADDRESS`` the service starts its own local Ray (``address="local"``, so a cluster that
``ray start`` once recorded in ``/tmp/ray/ray_current_cluster`` is never joined by mistake). With
``RAY_ADDRESS`` set it joins that cluster, in any form ``ray.init`` takes (``auto``, ``host:port``,
``ray://host:10001``). Only the compute service imports this module.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import psutil
import ray

from lstm_lab.limits import LIMITS

ROOT = Path(__file__).resolve().parents[2]
DAEMONS = ("gcs_server", "raylet")
_QUIET_TF = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow"}


def start_ray() -> dict:
    """Start a local Ray or join ``RAY_ADDRESS``; the resources one training worker asks for."""
    env = {**_QUIET_TF, "RAY_USAGE_STATS_ENABLED": "0"}
    options = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    # Ray starts workers at nice 15 by default, which made the warm shapes worker lose the CPU to the
    # browser and the server; it runs at 0, and each training worker lowers itself to 10.
    os.environ.setdefault("RAY_worker_niceness", "0")
    address = os.environ.get("RAY_ADDRESS")
    if address:
        package = str(ROOT / "lstm_lab")  # a path: Ray Client (ray://) cannot send a module object
        ray.init(address=address, runtime_env={"env_vars": env, "py_modules": [package]}, **options)
        return {}
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    cpus = os.cpu_count() or 1
    slots = LIMITS.max_concurrent_trainings or max(1, cpus // LIMITS.cpus_per_training)
    ray.init(
        address="local", num_cpus=cpus, object_store_memory=512 * 2**20, resources={"lstm_lab_training": slots},
        runtime_env={"env_vars": {**env, "PYTHONPATH": pythonpath}}, **options,
    )  # fmt: skip
    return {"lstm_lab_training": 1}


def local_daemons() -> list[psutil.Process]:
    """The ``gcs_server`` and ``raylet`` this process started (none when it joined a cluster)."""
    children = psutil.Process().children(recursive=True)
    return [p for p in children if _name(p) in DAEMONS]


def _name(process: psutil.Process) -> str:
    try:
        return process.name()
    except psutil.Error:
        return ""


def check_alive(daemons: list[psutil.Process]) -> None:
    """Raise RuntimeError when one of the local daemons has gone or Ray stops answering.

    ``ray.cluster_resources`` blocks for as long as the GCS does not answer, so the caller
    must wait for this with a timeout of its own.
    """
    for daemon in daemons:
        if not daemon.is_running() or daemon.status() == psutil.STATUS_ZOMBIE:
            raise RuntimeError(f"Ray's {_name(daemon) or 'daemon'} (pid {daemon.pid}) stopped")
    ray.cluster_resources()


def capacity(slot: dict) -> int:
    """How many trainings may run at once on this machine or cluster: its slots, or on a cluster its CPUs
    over ``LSTM_LAB_CPUS_PER_TRAINING`` (at most ``LSTM_LAB_MAX_CONCURRENT_TRAININGS`` when set). Asked
    again each time, so a node that joins the cluster adds its slots."""
    total = ray.cluster_resources()
    if slot:
        return int(total.get("lstm_lab_training", 1))
    cores = max(1, int(total.get("CPU", 1) // LIMITS.cpus_per_training))
    return min(cores, LIMITS.max_concurrent_trainings) if LIMITS.max_concurrent_trainings else cores
