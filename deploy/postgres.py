"""A private PostgreSQL server (Debian's ``postgresql`` package) for the replicas' shared store."""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from deploy.processes import free_port, stop_group, wait_for

DATABASE = "lstm_lab"
USER = "lstm_lab"


def bin_dir() -> Path:
    """The newest installed PostgreSQL's ``bin`` directory.

    Raises:
        RuntimeError: PostgreSQL is not installed.
    """
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (Debian's package)")
    return Path(found[-1]).parent


class PostgreSQL:
    """``initdb`` and ``postgres`` in a new directory, listening on 127.0.0.1 on a free port, password auth.

    As root it runs as the ``postgres`` system user (PostgreSQL refuses root). :attr:`url` is the
    SQLAlchemy URL of its ``lstm_lab`` database, for ``LSTM_LAB_DATABASE_URL``.

    Raises:
        RuntimeError: PostgreSQL is missing, or did not start (the message ends with its log).
    """

    def __init__(self, log: Path, timeout: float = 60.0):
        self.proc = None
        self.port = free_port()
        password = secrets.token_urlsafe(24)
        self.url = f"postgresql+psycopg://{USER}:{password}@127.0.0.1:{self.port}/{DATABASE}"
        self.base = Path(tempfile.mkdtemp(prefix="lstm_lab_pg_"))  # /tmp: the postgres user can reach it
        try:
            self._start(password, log, timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, password: str, log: Path, timeout: float) -> None:
        run_as = {}
        if os.geteuid() == 0:
            pwd.getpwnam("postgres")  # KeyError: no user to run it as
            run_as = {"user": "postgres", "group": "postgres"}
            shutil.chown(self.base, "postgres", "postgres")
        (self.base / "password").write_text(password)
        if run_as:
            shutil.chown(self.base / "password", "postgres", "postgres")
        data, binaries = self.base / "data", bin_dir()
        subprocess.run([binaries / "initdb", "-D", data, "-U", USER, "-A", "scram-sha-256",
                        "--pwfile", self.base / "password", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True, **run_as)  # fmt: skip
        (self.base / "password").unlink()
        with open(log, "w") as out:
            self.proc = subprocess.Popen(
                [binaries / "postgres", "-D", data, "-p", str(self.port), "-k", self.base,
                 "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **run_as,
            )  # fmt: skip
        import psycopg

        admin = f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/postgres"
        wait_for(lambda: _connects(psycopg, admin), "PostgreSQL", self.proc, log, timeout)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")

    def stop(self) -> None:
        """Fast shutdown (SIGINT to the postmaster), then remove its directory."""
        if self.proc is not None and self.proc.poll() is None:
            stop_group(self.proc, signal.SIGINT, grace=30, leader_only=True)
        shutil.rmtree(self.base, ignore_errors=True)


def _connects(psycopg, url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=2).close()
        return True
    except psycopg.OperationalError:
        return False
