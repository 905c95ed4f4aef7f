"""A real multi-node Ray cluster on this machine, started and stopped with Ray's own CLI, for tests.

Each node gets its own loopback address (127.0.0.2, 127.0.0.3, …: Ray swaps 127.0.0.1 for the machine's
outward address, so the nodes are given other loopback addresses to keep every byte on loopback), its own
temporary directory, free ports and its own CPUs. Token authentication is on, with a token file of the
cluster's own passed by ``RAY_AUTH_TOKEN_PATH``, so nothing in the real home is read or written.
:meth:`RayCluster.stop` kills every process of the cluster by PID (never ``ray stop``, which would stop
every Ray on the machine).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
from browser_helpers import free_port

RAY = str(Path(sys.executable).with_name("ray"))
START_TIMEOUT = 180


class RayCluster:
    """``nodes`` Ray nodes with ``cpus`` CPUs each, the first one the head; stopped (and cleaned up) even
    when a node fails to start."""

    def __init__(self, nodes: int = 2, cpus: int = 1):
        self.root = Path(tempfile.mkdtemp(prefix="lrc-"))  # short: Ray's socket paths live under it
        self.token_file = self.root / "auth_token"
        self.token_file.write_text(secrets.token_hex(32))
        self.token_file.chmod(0o600)
        self.ips = [f"127.0.0.{2 + i}" for i in range(nodes)]
        self.gcs_port, self.client_port = free_port(), free_port()
        self.address = f"{self.ips[0]}:{self.gcs_port}"
        self.client_address = f"ray://{self.ips[0]}:{self.client_port}"
        self.env = {"RAY_AUTH_TOKEN_PATH": str(self.token_file)}  # what a driver needs besides RAY_ADDRESS
        try:
            for i, ip in enumerate(self.ips):
                self._start_node(i, ip, cpus)
        except BaseException:
            self.stop()
            raise

    def node_dir(self, ip: str) -> Path:
        return self.root / ip

    def _start_node(self, i: int, ip: str, cpus: int) -> None:
        node_dir = self.node_dir(ip)
        node_dir.mkdir()
        ports = ["--node-manager-port", "--object-manager-port", "--dashboard-agent-listen-port",
                 "--dashboard-agent-grpc-port", "--runtime-env-agent-port", "--metrics-export-port"]  # fmt: skip
        args = [RAY, "start", f"--node-ip-address={ip}", f"--num-cpus={cpus}", f"--temp-dir={node_dir}",
                "--object-store-memory=100000000", "--disable-usage-stats",
                *(f"{p}={free_port()}" for p in ports)]  # fmt: skip
        if i == 0:
            args += ["--head", f"--port={self.gcs_port}", f"--ray-client-server-port={self.client_port}",
                     "--include-dashboard=false", f"--dashboard-port={free_port()}"]  # fmt: skip
        else:
            args.append(f"--address={self.address}")
        env = {**os.environ, **self.env, "RAY_AUTH_MODE": "token", "RAY_ADDRESS": "", "RAY_USAGE_STATS_ENABLED": "0"}
        # Run from the node's own directory: a worker's working directory is never the project tree.
        done = subprocess.run(args, cwd=node_dir, env=env, capture_output=True, text=True, timeout=START_TIMEOUT)
        if done.returncode != 0:
            raise RuntimeError(f"ray start failed for node {ip}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")

    def processes(self) -> list[psutil.Process]:
        """Every running process of the cluster: those naming its directory or GCS port, and their children."""
        mark = re.compile(rf"{re.escape(str(self.root))}|:{self.gcs_port}(?!\d)")
        found: dict[int, psutil.Process] = {}
        for p in psutil.process_iter(["cmdline"]):
            if p.pid != os.getpid() and mark.search(" ".join(p.info["cmdline"] or [])):
                try:
                    found.update((c.pid, c) for c in [p, *p.children(recursive=True)])
                except psutil.Error:
                    pass
        return list(found.values())

    def raylet(self, ip: str) -> psutil.Process:
        """The raylet of the node at ``ip`` (its workers are its children)."""
        node_dir = str(self.node_dir(ip))
        for p in self.processes():
            try:
                if p.name() == "raylet" and node_dir in " ".join(p.cmdline()):
                    return p
            except psutil.Error:
                pass
        raise LookupError(f"no raylet for node {ip}")

    def stop(self) -> None:
        """Kill the cluster's processes by PID, wait for them, and remove its directory."""
        for _ in range(3):  # a dying raylet may still start a worker: look again
            left = self.processes()
            if not left:
                break
            for p in left:
                try:
                    p.kill()
                except psutil.Error:
                    pass
            psutil.wait_procs(left, timeout=15)
        shutil.rmtree(self.root, ignore_errors=True)
