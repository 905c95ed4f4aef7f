"""One web replica: ``serve.py`` (``streamlit run app.py``, warm) on its own port, with its own compute service."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from deploy.processes import free_port, stop_group, wait_for

ROOT = Path(__file__).resolve().parents[1]


class Replica:
    """A Streamlit server of the lab, started in the project root with ``env`` added to this environment.

    It runs ``serve.py``, as ``scripts/start.sh`` does: its compute service starts (and joins Ray) with the
    server, so the first browser nginx sends it finds its Keras workers ready.

    Args:
        env: Its store (``LSTM_LAB_DATABASE_URL`` or ``LSTM_LAB_DATA_DIR``) and Ray (``RAY_ADDRESS`` and the
            token variables, or none for a local Ray of its own), plus any ``LSTM_LAB_*`` limit.
        log: Where its output goes.
        address: The interface it listens on; nginx on the same machine needs only 127.0.0.1.
        max_upload_mb: Streamlit's upload cap (``server.maxUploadSize``).

    Raises:
        RuntimeError: it did not answer ``/_stcore/health`` (the message ends with its log).
    """

    def __init__(self, env: dict, log: Path, address: str = "127.0.0.1", max_upload_mb: int = 50,
                 timeout: float = 120.0):  # fmt: skip
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.address}"
        self.log = log
        command = [
            sys.executable, "serve.py",
            "--server.headless", "true", "--server.address", address, "--server.port", str(self.port),
            "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
            "--server.maxUploadSize", str(max_upload_mb),
        ]  # fmt: skip
        with open(log, "w") as out:
            self.proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                         env={**os.environ, **env}, start_new_session=True)  # fmt: skip
        try:
            wait_for(self.healthy, f"The replica on port {self.port}", self.proc, log, timeout)
        except BaseException:
            self.stop()
            raise

    def healthy(self) -> bool:
        """Whether it answers ``/_stcore/health``."""
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:  # noqa: S310 (http://)
                return r.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM to the server and its compute service, as a supervisor sends it; SIGKILL to any left."""
        stop_group(self.proc, grace=60)
