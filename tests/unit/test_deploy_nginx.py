"""deploy/nginx: the configuration nginx accepts, and how Debian's real nginx routes browsers with it.

The replicas here are two plain HTTP servers that answer with their own port, so each routing decision is
read off the answer; tests/browser/test_replicas.py runs the same configuration in front of the app.
"""

import http.server
import re
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import psutil
import pytest

from deploy import nginx
from deploy.nginx import Nginx, render

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not Path(nginx.NGINX).exists(), reason="nginx is not installed (test.sh installs it)")


class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = str(self.server.server_port).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def backends():
    """Two HTTP servers on free ports, each answering with its port; shut down afterwards."""
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer) for _ in range(2)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    try:
        yield servers
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()


@pytest.fixture
def proxy(backends, tmp_path):
    tmp_path.chmod(0o755)  # nginx's workers run as an unprivileged user
    n = Nginx(tmp_path / "nginx", [f"127.0.0.1:{s.server_port}" for s in backends])
    try:
        yield n
    finally:
        n.stop()


def get(url: str, cookie: str | None = None):
    request = urllib.request.Request(url, headers={"Cookie": f"lstm_lab_sid={cookie}"} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as r:
        return int(r.read()), r.headers


def test_nginx_accepts_the_rendered_configuration(tmp_path):
    prefix = tmp_path / "nginx"
    (prefix / "tmp").mkdir(parents=True)
    conf = prefix / "nginx.conf"
    conf.write_text(render(prefix, "127.0.0.1:8080", ["127.0.0.1:8601", "localhost:8602"], 200, 3600))
    checked = subprocess.run([nginx.NGINX, "-t", "-p", prefix, "-c", conf, "-e", prefix / "error.log"],
                             capture_output=True, text=True)  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    text = conf.read_text()
    assert "client_max_body_size 201m;" in text and "Max-Age=3600;" in text
    assert re.search(r"@[A-Z_]+@", text) is None  # every placeholder filled in


def test_the_command_line_writes_the_configuration_for_other_machines(tmp_path):
    done = subprocess.run([sys.executable, "-m", "deploy.nginx", "--prefix", tmp_path, "--listen", "0.0.0.0:80",
                           "--replica", "web1:8501", "--replica", "web2:8501"], cwd=ROOT, capture_output=True,
                          text=True, check=True)  # fmt: skip
    text = (tmp_path / "nginx.conf").read_text()
    assert "listen 0.0.0.0:80;" in text and "server web1:8501" in text and "server web2:8501" in text
    assert f"nginx -p {tmp_path} -c nginx.conf" in done.stdout


@pytest.mark.parametrize("replicas", [[], ["web1"], ["web1:80; evil"]])
def test_a_replica_must_be_host_and_port(replicas):
    with pytest.raises(ValueError):
        render(Path("/srv/lab"), "80", replicas)


def test_a_port_already_taken_is_an_error_and_leaves_no_nginx(backends, tmp_path):
    tmp_path.chmod(0o755)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(RuntimeError, match="Address already in use"):
            Nginx(tmp_path / "nginx", [f"127.0.0.1:{backends[0].server_port}"], port=taken.getsockname()[1])
    ours = [p for p in psutil.process_iter(["cmdline"]) if str(tmp_path / "nginx") in " ".join(p.info["cmdline"] or [])]
    assert ours == []


def test_a_first_request_gets_the_cookie_and_the_replica_it_will_keep(backends, proxy):
    ports = {s.server_port for s in backends}
    seen = set()
    for _ in range(12):  # new browsers: each gets a token, and later requests with it go where the first went
        port, headers = get(proxy.url)
        token = headers["Set-Cookie"].split(";")[0].removeprefix("lstm_lab_sid=")
        assert len(token) == 32 and "SameSite=Strict" in headers["Set-Cookie"]
        assert headers["X-Upstream"] == f"127.0.0.1:{port}"
        for _ in range(3):
            again, again_headers = get(proxy.url, token)
            assert again == port and "Set-Cookie" not in again_headers
        seen.add(port)
    assert seen == ports  # 12 random tokens spread over both replicas (a 1-in-2048 chance they would not)


def test_a_cookie_that_is_no_token_is_replaced(proxy):
    _, headers = get(proxy.url, "not-a-token")
    assert headers["Set-Cookie"].startswith("lstm_lab_sid=")


def test_a_browser_whose_replica_stopped_goes_to_the_other(backends, proxy):
    port, headers = get(proxy.url)
    token = headers["Set-Cookie"].split(";")[0].removeprefix("lstm_lab_sid=")
    gone = next(s for s in backends if s.server_port == port)
    gone.shutdown()
    gone.server_close()
    other = next(s.server_port for s in backends if s is not gone)
    for _ in range(3):
        assert get(proxy.url, token)[0] == other
