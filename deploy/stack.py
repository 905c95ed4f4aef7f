"""A whole workshop stack on one machine: the store, one Ray cluster, N replicas and nginx in front.

>>> with Stack(2, Path("/tmp/lab-logs")) as stack:  # doctest: +SKIP
...     print(stack.url)  # open this; nginx sends each browser to its replica
http://127.0.0.1:8080
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from deploy.nginx import Nginx
from deploy.postgres import PostgreSQL
from deploy.ray_head import RayHead
from deploy.replica import Replica

STORES = ("postgresql", "sqlite")


class Stack:
    """Start, in order: the store, Ray's head node, ``replicas`` web replicas, nginx; stop them in reverse.

    Args:
        replicas: How many ``streamlit run`` replicas.
        logs: The directory for every server's log (kept when the stack stops).
        port: nginx's port (default: a free one).
        host: nginx's address: 127.0.0.1 (this machine only) or 0.0.0.0 (participants on the network too).
        store: ``"postgresql"`` (a private PostgreSQL server), ``"sqlite"`` (one SQLite file in WAL mode that
            every replica opens), or a database URL to use as it is (``postgresql+psycopg://...``).
        ray: ``"head"`` (one ``ray start --head`` that every replica joins), ``"local"`` (each replica starts a
            Ray of its own, the single-server default), or the address of a running cluster to join (its
            token from ``RAY_AUTH_TOKEN_PATH``, ``RAY_AUTH_TOKEN`` or ``~/.ray/auth_token``).
        ray_cpus: The head node's CPUs (default: all of this machine's).
        env: More environment for the replicas (``LSTM_LAB_*`` limits).

    Raises:
        RuntimeError: a server did not start; whatever had started is stopped first.
    """

    def __init__(self, replicas: int, logs: Path, *, port: int | None = None, host: str = "127.0.0.1",
                 store: str = "postgresql", ray: str = "head", ray_cpus: int | None = None,
                 env: dict | None = None):  # fmt: skip
        if replicas < 1:
            raise ValueError(f"A stack needs at least one replica, got {replicas}.")
        self.count, self.port, self.host, self.store, self.ray = replicas, port, host, store, ray
        self.ray_cpus = ray_cpus or os.cpu_count() or 1
        self.env = dict(env or {})
        self.dir = Path(tempfile.mkdtemp(prefix="lstm_lab_stack_"))
        self.dir.chmod(0o711)  # nginx's workers (an unprivileged user) reach their temp files in it; nobody lists it
        self.logs = logs
        self.logs.mkdir(parents=True, exist_ok=True)
        self.database: PostgreSQL | None = None
        self.head: RayHead | None = None
        self.replicas: list[Replica] = []
        self.nginx: Nginx | None = None

    @property
    def url(self) -> str:
        """The address participants open."""
        return self.nginx.url

    def start(self) -> Stack:
        try:
            env = {**self.env, **self._store_env(), **self._ray_env()}
            upload_mb = int(env.get("LSTM_LAB_MAX_UPLOAD_MB", 50))
            for i in range(self.count):
                self.replicas.append(Replica(env, self.logs / f"replica-{i + 1}.log", max_upload_mb=upload_mb))
            ttl = int(env.get("LSTM_LAB_STORE_TTL_SECONDS", 7200))
            addresses = [r.address for r in self.replicas]
            self.nginx = Nginx(self.dir / "nginx", addresses, self.port, self.host, upload_mb, ttl)
        except BaseException:
            self.stop()
            raise
        return self

    def _store_env(self) -> dict:
        if self.store == "postgresql":
            self.database = PostgreSQL(self.logs / "postgresql.log")
            return {"LSTM_LAB_DATABASE_URL": self.database.url}
        if self.store == "sqlite":
            return {"LSTM_LAB_DATA_DIR": str(self.dir / "data"), "LSTM_LAB_DATABASE_URL": ""}
        return {"LSTM_LAB_DATABASE_URL": self.store}

    def _ray_env(self) -> dict:
        if self.ray == "head":
            self.head = RayHead(self.ray_cpus, self.logs / "ray-head.log")
            return self.head.env
        if self.ray == "local":
            return {"RAY_ADDRESS": ""}
        return {"RAY_ADDRESS": self.ray}

    def stop(self) -> None:
        """Stop everything that was started, newest first, and remove the stack's directory (not ``logs``)."""
        try:
            for server in [self.nginx, *reversed(self.replicas), self.head, self.database]:
                if server is not None:
                    server.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
