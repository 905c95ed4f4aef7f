"""nginx in front of the replicas: its configuration from ``nginx.conf.template``, and a private instance.

``python -m deploy.nginx --prefix DIR --listen 0.0.0.0:80 --replica web1:8501 --replica web2:8501`` writes
``DIR/nginx.conf`` for replicas on other machines; then run ``nginx -p DIR -c nginx.conf -e DIR/error.log``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

from deploy.processes import free_port, stop_group, wait_for

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
NGINX = "/usr/sbin/nginx"


def render(prefix: Path, listen: str, replicas: list[str], max_upload_mb: int = 50,
           cookie_max_age: int = 7200) -> str:  # fmt: skip
    """The nginx configuration for ``replicas`` (``host:port`` each), listening on ``listen``.

    Args:
        prefix: An absolute directory for nginx's pid, logs and temporary files.
        listen: What nginx listens on: ``8080``, ``127.0.0.1:8080``, ``0.0.0.0:80``.
        replicas: The replicas' addresses, ``host:port``.
        max_upload_mb: The replicas' upload cap (``LSTM_LAB_MAX_UPLOAD_MB``); nginx allows 1 MB more.
        cookie_max_age: Seconds the cookie nginx issues lives (the store's ``LSTM_LAB_STORE_TTL_SECONDS``).

    Raises:
        ValueError: no replica, or a replica that is not ``host:port``.

    >>> conf = render(Path("/srv/lab"), "8080", ["127.0.0.1:8601", "127.0.0.1:8602"])
    >>> for line in conf.splitlines():
    ...     if line.strip().startswith(("server 127", "listen", "hash")):
    ...         print(line.strip())
    hash $lab_browser consistent;
    server 127.0.0.1:8601 max_fails=1 fail_timeout=10s;
    server 127.0.0.1:8602 max_fails=1 fail_timeout=10s;
    listen 8080;
    """
    if not replicas:
        raise ValueError("nginx needs at least one replica to send browsers to.")
    for replica in replicas:
        if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+:\d+", replica):
            raise ValueError(f"A replica is host:port, got {replica!r}.")
    servers = "\n".join(f"        server {r} max_fails=1 fail_timeout=10s;" for r in replicas)
    values = {"PREFIX": str(prefix), "LISTEN": listen, "SERVERS": servers, "MAX_BODY_MB": str(max_upload_mb + 1),
              "COOKIE_MAX_AGE": str(cookie_max_age)}  # fmt: skip
    return re.sub(r"@([A-Z_]+)@", lambda m: values[m.group(1)], TEMPLATE.read_text())


class Nginx:
    """Debian's nginx in the foreground with its own prefix directory, on a free port of 127.0.0.1 by default.

    Args:
        prefix: A new directory for its configuration, pid, logs (``access.log``, ``error.log``) and temp files.
        replicas: The replicas' addresses, ``host:port``.
        port: The port to listen on (default: a free one).
        host: The address to listen on: 127.0.0.1 (this machine only) or 0.0.0.0 (the network too).

    Raises:
        RuntimeError: nginx is not installed, or did not start (the message ends with its error log).
    """

    def __init__(self, prefix: Path, replicas: list[str], port: int | None = None, host: str = "127.0.0.1",
                 max_upload_mb: int = 50, cookie_max_age: int = 7200, timeout: float = 30.0):  # fmt: skip
        if not Path(NGINX).exists():
            raise RuntimeError("nginx is not installed: apt-get install nginx (Debian's package)")
        self.prefix = prefix
        self.port = port or free_port()
        self.url = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{self.port}"  # noqa: S104
        self.access_log = prefix / "access.log"
        prefix.mkdir(parents=True, exist_ok=True)
        prefix.chmod(0o755)  # nginx's workers run as an unprivileged user and need its temp directories
        (prefix / "tmp").mkdir(exist_ok=True)
        conf = prefix / "nginx.conf"
        conf.write_text(render(prefix, f"{host}:{self.port}", replicas, max_upload_mb, cookie_max_age))
        log, pid = prefix / "error.log", prefix / "nginx.pid"
        pid.unlink(missing_ok=True)
        command = [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(log)]
        self.proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:  # nginx writes its pid file once it has bound its port (another server there would also accept)
            wait_for(pid.exists, "nginx", self.proc, log, timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """SIGTERM to the master (it stops its workers), SIGKILL to any left."""
        stop_group(self.proc, grace=15, leader_only=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write nginx.conf for LSTM Lab replicas.")
    parser.add_argument("--prefix", type=Path, required=True, help="nginx's directory (pid, logs, temp files)")
    parser.add_argument("--listen", default="80", help="address:port or port nginx listens on (default 80)")
    parser.add_argument("--replica", action="append", required=True, help="host:port of a replica (repeat)")
    parser.add_argument("--max-upload-mb", type=int, default=50, help="the replicas' LSTM_LAB_MAX_UPLOAD_MB")
    parser.add_argument("--cookie-max-age", type=int, default=7200, help="the replicas' LSTM_LAB_STORE_TTL_SECONDS")
    args = parser.parse_args(argv)
    prefix = args.prefix.resolve()
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    conf = render(prefix, args.listen, args.replica, args.max_upload_mb, args.cookie_max_age)
    (prefix / "nginx.conf").write_text(conf)
    print(f"Wrote {prefix / 'nginx.conf'}; run: nginx -p {prefix} -c nginx.conf -e {prefix / 'error.log'}")


if __name__ == "__main__":
    main()
