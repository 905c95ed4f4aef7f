"""A one-node Ray cluster (``ray start --head --block``) that every replica's compute service joins."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from deploy.processes import free_port, stop_group, wait_for

RAY = str(Path(sys.executable).with_name("ray"))
STARTED = "Ray runtime started."
OVERLOADED = "timed out during startup"  # what `ray start` says when its raylet registered too late
ATTEMPTS = 2


class RayHead:
    """Ray's head node on this machine, token authentication on, its token and session files in a new directory.

    ``ray start --block`` stays in the foreground as the parent of Ray's daemons, so stopping it by its PID
    stops them all (never ``ray stop``, which would stop every Ray on the machine). :attr:`env` is what a
    driver needs to join it: ``RAY_ADDRESS``, ``RAY_AUTH_MODE`` and ``RAY_AUTH_TOKEN_PATH``.

    Args:
        cpus: The CPUs it offers; the replicas run one training per CPU (``LSTM_LAB_CPUS_PER_TRAINING``).
        log: Where ``ray start`` writes its output.

    Raises:
        RuntimeError: it did not start (the message ends with its log).
    """

    def __init__(self, cpus: int, log: Path, timeout: float = 120.0):
        self.proc = None
        # Short: Ray's Unix socket paths under it must stay within 107 characters.
        self.temp_dir = Path(tempfile.mkdtemp(prefix="lstm_lab_ray_", dir="/tmp"))
        token = self.temp_dir / "auth_token"
        token.write_text(secrets.token_hex(32))
        token.chmod(0o600)
        try:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    self._start(cpus, token, log, timeout)
                    return
                except RuntimeError as e:  # Ray waits a fixed 30 s for its raylet; a busy machine can take longer
                    if attempt == ATTEMPTS or OVERLOADED not in str(e):
                        raise
                    stop_group(self.proc, grace=30)
        except BaseException:
            self.stop()
            raise

    def _start(self, cpus: int, token: Path, log: Path, timeout: float) -> None:
        self.port = free_port()
        # Ray replaces a loopback node address with the machine's own (its daemons listen on that too).
        self.address = f"127.0.0.1:{self.port}"
        self.env = {"RAY_ADDRESS": self.address, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}
        env = {**os.environ, **self.env, "RAY_ADDRESS": "", "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0"}
        command = [
            RAY, "start", "--head", "--block", f"--port={self.port}", f"--num-cpus={cpus}",
            "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={self.temp_dir}",
            f"--ray-client-server-port={free_port()}", f"--dashboard-port={free_port()}",
            f"--dashboard-agent-listen-port={free_port()}",
        ]  # fmt: skip
        with open(log, "w") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        wait_for(lambda: STARTED in log.read_text(errors="replace"), "ray start --head", self.proc, log, timeout)

    def stop(self) -> None:
        """SIGTERM to ``ray start`` and its daemons, SIGKILL to any left; remove its directory."""
        if self.proc is not None:
            stop_group(self.proc, grace=30)
        shutil.rmtree(self.temp_dir, ignore_errors=True)
