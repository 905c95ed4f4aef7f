"""The durable per-browser store, on real SQLite files and, when it is installed, a throwaway PostgreSQL."""

import glob
import hashlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from lstm_lab.store import (
    CorruptItem,
    ItemTooLarge,
    Removed,
    Store,
    StoreError,
    new_token,
)

ROOT = Path(__file__).resolve().parents[2]
INITDB = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, t=1_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


# --- PostgreSQL: a private server for this module, stopped by PID whatever happens -----------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """The admin URL (psycopg form) of a PostgreSQL server started in a temporary directory."""
    if not INITDB:
        pytest.skip("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); scripts/test.sh installs it")
    psycopg = pytest.importorskip("psycopg")
    bin_dir = Path(INITDB[-1]).parent
    run_as = {}
    if os.geteuid() == 0:  # postgres refuses to run as root: run it as the postgres user
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
        run_as = {"user": "postgres", "group": "postgres"}
    # Not under tmp_path: pytest's base directory is private to root, so the postgres user could not reach it.
    base = Path(tempfile.mkdtemp(prefix="lstm_lab_pg_"))
    server = None
    try:
        if run_as:
            shutil.chown(base, "postgres", "postgres")
        data = base / "data"
        subprocess.run([bin_dir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"],
                       check=True, capture_output=True, **run_as)  # fmt: skip
        port = _free_port()
        with open(base / "server.log", "w") as log:
            server = subprocess.Popen(
                [bin_dir / "postgres", "-D", data, "-p", str(port), "-k", base, "-c", "listen_addresses=127.0.0.1",
                 "-c", "fsync=off"],
                stdout=subprocess.DEVNULL, stderr=log, **run_as,
            )  # fmt: skip
        admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 20
        while True:
            try:
                psycopg.connect(admin, connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("PostgreSQL did not start:\n" + (base / "server.log").read_text()) from None
                time.sleep(0.1)
        yield admin
    finally:
        if server is not None:
            os.kill(server.pid, signal.SIGINT)  # fast shutdown, by the PID we started
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(server.pid, signal.SIGKILL)
                server.wait()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """A URL to an empty store: a new SQLite file, or the test PostgreSQL server's database with no store tables."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    admin = request.getfixturevalue("postgres")
    _sql(admin, "DROP TABLE IF EXISTS lstm_lab_items, lstm_lab_browsers, lstm_lab_meta")
    return admin.replace("postgresql://", "postgresql+psycopg://")


def _sql(url, statement, *params):
    """Run SQL on the database behind the store's back; the rows it returns."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return conn.execute(statement, params).fetchall()
    import psycopg

    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        cur = conn.execute(statement.replace("?", "%s"), params)
        return cur.fetchall() if cur.description else []


@pytest.fixture
def make(url):
    """Open stores on ``url`` (closed at the end of the test)."""
    stores = []

    def _make(**kwargs):
        store = Store(url, **kwargs)
        stores.append(store)
        return store

    yield _make
    for store in stores:
        store.close()


# --- Items -----------------------------------------------------------------------------------------------------------


def test_round_trip_replace_names_and_delete(make):
    store, token = make(), new_token()
    assert store.get(token, "upload.npz") is None and store.names(token) == []
    store.put(token, "upload.npz", b"\x00\x01binary\xff")
    store.put(token, "lab.json", b"{}")
    assert store.get(token, "upload.npz") == b"\x00\x01binary\xff"
    store.put(token, "lab.json", b'{"epochs": 9}')  # replace
    assert store.get(token, "lab.json") == b'{"epochs": 9}'
    assert store.names(token) == ["lab.json", "upload.npz"]
    store.delete(token, "upload.npz")
    assert store.names(token) == ["lab.json"]
    store.delete_browser(token)
    assert store.names(token) == [] and store.get(token, "lab.json") is None


def test_items_survive_a_new_store_object(make):
    token = new_token()
    make().put(token, "model.keras", b"weights")
    assert make().get(token, "model.keras") == b"weights"


def test_rows_hold_size_checksum_time_and_only_a_hash_of_the_token(make, url):
    clock = Clock()
    token = new_token()
    make(clock=clock).put(token, "a", b"abc")
    rows = _sql(url, "SELECT browser, name, size, sha256, updated FROM lstm_lab_items")
    assert rows == [(hashlib.sha256(token.encode()).hexdigest(), "a", 3, hashlib.sha256(b"abc").hexdigest(), clock.t)]
    if url.startswith("sqlite"):  # nor in the database file or its write-ahead log
        files = Path(url.removeprefix("sqlite:///")).parent.glob("store.db*")
        assert all(token.encode() not in f.read_bytes() for f in files)


def test_tokens_are_unguessable_and_distinct():
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(t) >= 43 for t in tokens)


def test_one_browser_cannot_read_or_delete_anothers_items(make):
    store, owner, other = make(), new_token(), new_token()
    store.put(owner, "upload.npz", b"mine")
    assert store.get(other, "upload.npz") is None
    assert store.names(other) == []
    store.delete(other, "upload.npz")
    store.delete_browser(other)
    store.put(other, "upload.npz", b"theirs")
    assert store.get(owner, "upload.npz") == b"mine"
    assert store.get(other, "upload.npz") == b"theirs"


def test_put_refuses_an_item_over_the_per_item_cap(make):
    store, token = make(max_item_bytes=100), new_token()
    with pytest.raises(ItemTooLarge, match=r"'model.keras'.*LSTM_LAB_STORE_MAX_ITEM_MB") as e:
        store.put(token, "model.keras", b"x" * 101)
    assert isinstance(e.value, StoreError) and e.value.code == "store_item_too_large"
    store.put(token, "model.keras", b"x" * 100)
    assert store.names(token) == ["model.keras"]


def test_put_checks_its_arguments(make):
    store, token = make(), new_token()
    with pytest.raises(TypeError):
        store.put(token, "a", "text")
    with pytest.raises(StoreError, match="1 to 200 characters"):
        store.put(token, "x" * 201, b"")


def test_a_corrupt_item_is_reported_and_removed_and_the_rest_survive(make, url):
    store, token, other = make(), new_token(), new_token()
    store.put(token, "model.keras", b"good model bytes")
    store.put(token, "lab.json", b"{}")
    store.put(other, "model.keras", b"other model")
    _sql(url, "UPDATE lstm_lab_items SET data = ? WHERE name = 'model.keras' AND browser = ?",
         b"flipped bytes!!!", hashlib.sha256(token.encode()).hexdigest())  # fmt: skip
    with pytest.raises(CorruptItem, match="'model.keras' was damaged") as e:
        store.get(token, "model.keras")
    assert e.value.name == "model.keras" and e.value.code == "store_corrupt_item"
    assert store.get(token, "model.keras") is None
    assert store.names(token) == ["lab.json"]
    assert store.get(other, "model.keras") == b"other model"


# --- Bounds ----------------------------------------------------------------------------------------------------------


def test_items_expire_after_the_ttl_since_last_use(make, url):
    clock = Clock()
    store, token = make(ttl_seconds=100, clock=clock), new_token()
    store.put(token, "lab.json", b"{}")
    clock.t += 90
    store.touch(token)
    clock.t += 90  # 180 s after the put, 90 s after the touch
    assert store.get(token, "lab.json") == b"{}"
    clock.t += 11
    assert store.get(token, "lab.json") is None and store.names(token) == []
    assert store.cleanup() == Removed(browsers=1, items=1, bytes=2)
    assert _sql(url, "SELECT count(*) FROM lstm_lab_browsers") == [(0,)]


def test_touching_an_expired_browser_does_not_bring_its_items_back(make):
    clock = Clock()
    store, token = make(ttl_seconds=100, clock=clock), new_token()
    store.put(token, "a", b"1")
    clock.t += 101
    store.touch(token)
    assert store.names(token) == []
    store.put(token, "b", b"2")
    assert store.names(token) == ["b"]


def test_the_least_recently_used_browsers_go_over_the_browser_cap(make):
    clock = Clock()
    store = make(max_browsers=3, cleanup_every=0, clock=clock)
    a, b, c, d = (new_token() for _ in range(4))
    for token in (a, b, c):
        clock.t += 1
        store.put(token, "lab.json", b"{}")
    clock.t += 1
    store.touch(a)  # now b is the least recently used
    clock.t += 1
    store.put(d, "lab.json", b"{}")
    assert [bool(store.names(t)) for t in (a, b, c, d)] == [True, False, True, True]


def test_the_least_recently_used_browsers_go_over_the_size_cap(make):
    clock = Clock()
    store = make(max_bytes=1000, max_item_bytes=600, cleanup_every=0, clock=clock)
    a, b, c = new_token(), new_token(), new_token()
    store.put(a, "upload", b"a" * 400)
    clock.t += 1
    store.put(b, "upload", b"b" * 400)
    clock.t += 1
    store.touch(a)
    clock.t += 1
    store.put(c, "upload", b"c" * 400)  # 1200 bytes: b, the least recently used, goes
    assert [store.get(t, "upload") is not None for t in (a, b, c)] == [True, False, True]
    assert store.cleanup() == Removed()


def test_put_cleans_up_at_most_once_per_interval(make):
    clock = Clock()
    store = make(max_browsers=1, cleanup_every=60, clock=clock)
    a, b, c = new_token(), new_token(), new_token()
    store.put(a, "x", b"1")  # the first put cleans up
    clock.t += 1
    store.put(b, "x", b"2")  # too soon: two browsers, over the cap for now
    assert store.names(a) == ["x"] and store.names(b) == ["x"]
    clock.t += 60
    store.put(c, "x", b"3")
    assert [store.names(t) for t in (a, b, c)] == [[], [], ["x"]]


# --- Opening ---------------------------------------------------------------------------------------------------------


def test_a_file_that_is_not_a_database_gives_a_store_error(tmp_path):
    path = tmp_path / "store.db"
    path.write_bytes(os.urandom(8192))
    with pytest.raises(StoreError, match="not an LSTM Lab store or it is damaged") as e:
        Store(f"sqlite:///{path}")
    assert e.value.code == "store_unavailable"


def test_another_schema_version_gives_a_store_error(url):
    Store(url).close()
    _sql(url, "UPDATE lstm_lab_meta SET schema_version = 99")
    with pytest.raises(StoreError, match="schema version 99") as e:
        Store(url)
    assert e.value.code == "store_schema_version"


def test_several_stores_can_open_a_new_database_at_once(url):
    opened, errors = [], []

    def open_store():
        try:
            opened.append(Store(url))
        except StoreError as e:
            errors.append(e)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for store in opened:
        store.close()
    assert errors == [] and len(opened) == 4


def test_an_unsupported_database_gives_a_store_error():
    with pytest.raises(StoreError, match="SQLite or PostgreSQL"):
        Store("mysql://nobody@localhost/x")


def test_from_env_uses_the_data_directory_in_wal_mode_and_reads_the_bounds(tmp_path):
    directory = tmp_path / "data" / "store"
    store = Store.from_env({"LSTM_LAB_DATA_DIR": str(directory), "LSTM_LAB_STORE_TTL_SECONDS": "60",
                            "LSTM_LAB_STORE_MAX_BROWSERS": "5", "LSTM_LAB_STORE_MAX_MB": "3",
                            "LSTM_LAB_STORE_MAX_ITEM_MB": "1"})  # fmt: skip
    try:
        bounds = (store.ttl_seconds, store.max_browsers, store.max_bytes, store.max_item_bytes)
        assert bounds == (60, 5, 3 << 20, 1 << 20)
        with sqlite3.connect(directory / "store.db") as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert directory.stat().st_mode & 0o777 == 0o700
    finally:
        store.close()


def test_from_env_prefers_the_database_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    Store.from_env({"LSTM_LAB_DATABASE_URL": url, "LSTM_LAB_DATA_DIR": str(tmp_path / "unused")}).close()
    assert (tmp_path / "elsewhere.db").exists() and not (tmp_path / "unused").exists()


@pytest.mark.parametrize("value", ["0", "-5", "two"])
def test_from_env_refuses_a_bad_bound(tmp_path, value):
    with pytest.raises(StoreError, match=f"LSTM_LAB_STORE_MAX_MB must be a positive integer, got '{value}'"):
        Store.from_env({"LSTM_LAB_DATA_DIR": str(tmp_path), "LSTM_LAB_STORE_MAX_MB": value})


# --- Concurrency -----------------------------------------------------------------------------------------------------


def test_many_threads_put_and_get_at_once(make):
    store, shared = make(cleanup_every=0), new_token()
    errors = []

    def work(i):
        token = new_token()
        try:
            for j in range(15):
                data = f"{i}-{j}".encode() * 100
                store.put(token, f"item{j % 3}", data)
                store.put(shared, f"thread{i}", data)
                assert store.get(token, f"item{j % 3}") == data
                assert store.get(shared, f"thread{i}") == data
                store.touch(token)
            assert store.names(token) == ["item0", "item1", "item2"]
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.names(shared) == [f"thread{i}" for i in range(8)]


WORKER = textwrap.dedent(
    """
    import sys
    from lstm_lab.store import Store
    assert not {"streamlit", "tensorflow", "keras"} & set(sys.modules), "the store must not import them"
    url, token, who = sys.argv[1:]
    store = Store(url, cleanup_every=0)
    for j in range(40):
        data = f"{who}-{j}".encode() * 50
        store.put(token, f"{who}-{j % 4}", data)
        assert store.get(token, f"{who}-{j % 4}") == data
    store.close()
    """
)


def test_several_processes_share_one_sqlite_file(tmp_path):
    url, token = f"sqlite:///{tmp_path / 'store.db'}", new_token()
    store = Store(url, cleanup_every=0)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        workers = [subprocess.Popen([sys.executable, "-c", WORKER, url, token, f"p{i}"], env=env,
                                    stderr=subprocess.PIPE, text=True) for i in range(3)]  # fmt: skip
        for j in range(40):  # this process writes too, meanwhile
            store.put(token, "main", str(j).encode())
        errors = [w.communicate(timeout=60)[1] for w in workers]
        assert errors == [""] * 3 and [w.returncode for w in workers] == [0] * 3
        assert store.names(token) == ["main"] + [f"p{i}-{k}" for i in range(3) for k in range(4)]
        assert store.get(token, "p2-3") == b"p2-39" * 50
    finally:
        store.close()
