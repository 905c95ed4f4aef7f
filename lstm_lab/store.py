"""A durable per-browser store: what a browser uploaded, set and trained survives a server restart.

Each browser holds a random token (:func:`new_token`, kept in a cookie by the web app). Under it the
store keeps named items of opaque bytes: the caller encodes them (JSON, ``.npz`` saved with
``allow_pickle=False``, ``.keras`` files); the store never pickles or unpickles anything. Only the
SHA-256 of a token is stored, so a leaked database does not hand out anybody's cookie, and every query
filters on that hash, so one browser never reaches another's items.

The database is SQLite by default, ``store.db`` in ``LSTM_LAB_DATA_DIR`` (default ``.lstm_lab_data``
in the working directory, which ``scripts/start.sh`` makes the project root). SQLite runs in WAL mode
with a busy timeout, and every transaction starts with ``BEGIN IMMEDIATE``, so threads and processes
sharing the file wait their turn instead of failing. ``LSTM_LAB_DATABASE_URL`` (for example
``postgresql+psycopg://user:password@host/lstm_lab``) puts the store in PostgreSQL, which several web
servers can share: all state lives in the database and the code is plain SQLAlchemy Core.

Bounds, each with an environment variable read by :meth:`Store.from_env`: a browser's items expire
``LSTM_LAB_STORE_TTL_SECONDS`` (7200) after its last :meth:`~Store.touch` or :meth:`~Store.put`; at
most ``LSTM_LAB_STORE_MAX_BROWSERS`` (200) browsers and ``LSTM_LAB_STORE_MAX_MB`` (2048 MiB) of items
are kept, evicting the least recently used browsers first; one item may hold at most
``LSTM_LAB_STORE_MAX_ITEM_MB`` (256 MiB). Reads never return expired items; :meth:`~Store.cleanup`
deletes them and applies the caps. :meth:`~Store.put` runs it at most once every ``cleanup_every``
seconds (60) across all processes, claimed through a timestamp in the database, so the caps may be
overshot for at most that long, by at most the items put meanwhile. An SQLite file keeps its largest
size; the pages that deleted items free are reused.

>>> import tempfile
>>> directory = tempfile.TemporaryDirectory()
>>> store = Store.from_env({"LSTM_LAB_DATA_DIR": directory.name})
>>> token = new_token()
>>> store.put(token, "lab.json", b'{"epochs": 5}')
>>> store.get(token, "lab.json"), store.names(token)
(b'{"epochs": 5}', ['lab.json'])
>>> store.get(new_token(), "lab.json") is None  # another browser sees nothing
True
>>> store.close()
>>> directory.cleanup()
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    exists,
    func,
    make_url,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from lstm_lab.errors import LstmLabError

SCHEMA_VERSION = 1
TTL_SECONDS = 2 * 3600
MAX_BROWSERS = 200
MAX_MB = 2048
MAX_ITEM_MB = 256
CLEANUP_EVERY = 60.0
BUSY_TIMEOUT_MS = 30_000
SCHEMA_LOCK = 0x4C53544D  # PostgreSQL advisory lock key held while the tables are created
MAX_NAME = 200
_MB = 1024 * 1024

metadata = MetaData()
browsers = Table(
    "lstm_lab_browsers", metadata,
    Column("browser", String(64), primary_key=True),  # SHA-256 of the token, hex
    Column("last_used", Float, nullable=False, index=True),  # Unix time
)  # fmt: skip
items = Table(
    "lstm_lab_items", metadata,
    Column("browser", String(64), primary_key=True),
    Column("name", String(MAX_NAME), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("updated", Float, nullable=False),
)  # fmt: skip
meta = Table(
    "lstm_lab_meta", metadata,
    Column("id", Integer, primary_key=True),  # always 1: one row
    Column("schema_version", Integer, nullable=False),
    Column("last_cleanup", Float, nullable=False),
)  # fmt: skip

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class StoreError(LstmLabError):
    """The store cannot be opened or used, or refuses an item."""

    def __init__(self, message: str, *, code: str = "store_error", **values):
        super().__init__(message, code=code, **values)


class CorruptItem(StoreError):
    """An item's bytes no longer match their checksum; the item has been deleted, the others are kept."""

    def __init__(self, name: str):
        super().__init__(f"The saved {name!r} was damaged and has been discarded.", code="store_corrupt_item",
                         name=name)  # fmt: skip
        self.name = name


class ItemTooLarge(StoreError):
    """An item is larger than the store's per-item cap."""


@dataclass(frozen=True)
class Removed:
    """What :meth:`Store.cleanup` deleted."""

    browsers: int = 0
    items: int = 0
    bytes: int = 0


def new_token() -> str:
    """An unguessable browser token (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Store:
    """Named byte items per browser token, in SQLite or PostgreSQL; safe across threads and processes.

    Args:
        url: An SQLAlchemy database URL (``sqlite:///path/store.db``, ``postgresql+psycopg://...``).
        ttl_seconds: A browser's items expire this long after its last use.
        max_browsers: At most this many browsers are kept; the least recently used go first.
        max_bytes: At most this many bytes of items are kept; the least recently used browsers go first.
        max_item_bytes: A larger item is refused with :class:`ItemTooLarge`.
        cleanup_every: :meth:`put` runs :meth:`cleanup` at most once per this many seconds (0: every put).
        clock: Returns the Unix time in seconds; wall time, because processes and restarts share it.

    Raises:
        StoreError: the database cannot be reached, is not an LSTM Lab store, or has another schema version.
    """

    def __init__(
        self, url: str, *, ttl_seconds: float = TTL_SECONDS, max_browsers: int = MAX_BROWSERS,
        max_bytes: int = MAX_MB * _MB, max_item_bytes: int = MAX_ITEM_MB * _MB,
        cleanup_every: float = CLEANUP_EVERY, clock: Callable[[], float] = time.time,
    ):  # fmt: skip
        self.ttl_seconds = ttl_seconds
        self.max_browsers = max_browsers
        self.max_bytes = max_bytes
        self.max_item_bytes = max_item_bytes
        self.cleanup_every = cleanup_every
        self.clock = clock
        try:
            backend = make_url(url).get_backend_name()
            if backend not in _INSERTS:
                raise StoreError(f"The browser store runs on SQLite or PostgreSQL, not {backend}.")
            self._engine = create_engine(url, pool_pre_ping=True)
        except (SQLAlchemyError, ImportError) as e:  # a malformed URL, or its database driver is not installed
            raise StoreError(f"Cannot use the database URL for the browser store: {e}") from e
        self._where = self._engine.url.render_as_string(hide_password=True)
        self._insert = _INSERTS[backend]
        if backend == "sqlite":
            event.listen(self._engine, "connect", _sqlite_connect)
            event.listen(self._engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        try:
            self._open()
        except StoreError:
            self._engine.dispose()
            raise

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Store:
        """The store the environment describes (see the module docstring for the variables).

        Raises:
            StoreError: a variable is not a positive integer, or the store cannot be opened.
        """
        env = os.environ if environ is None else environ
        url = env.get("LSTM_LAB_DATABASE_URL")
        if not url:
            directory = Path(env.get("LSTM_LAB_DATA_DIR") or ".lstm_lab_data").resolve()
            try:
                directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"Cannot create the data directory {directory} (LSTM_LAB_DATA_DIR): {e}") from e
            url = f"sqlite:///{directory / 'store.db'}"
        return cls(
            url,
            ttl_seconds=_env_int(env, "LSTM_LAB_STORE_TTL_SECONDS", TTL_SECONDS),
            max_browsers=_env_int(env, "LSTM_LAB_STORE_MAX_BROWSERS", MAX_BROWSERS),
            max_bytes=_env_int(env, "LSTM_LAB_STORE_MAX_MB", MAX_MB) * _MB,
            max_item_bytes=_env_int(env, "LSTM_LAB_STORE_MAX_ITEM_MB", MAX_ITEM_MB) * _MB,
        )

    def close(self) -> None:
        """Close the database connections."""
        self._engine.dispose()

    def touch(self, token: str) -> None:
        """Mark the browser as used now (first dropping its items if they had expired)."""
        with self._tx() as conn:
            self._touch(conn, _key(token), self.clock())

    def put(self, token: str, name: str, data: bytes) -> None:
        """Store ``data`` as the browser's item ``name``, replacing any item of that name; touches the browser.

        Raises:
            ItemTooLarge: ``data`` is over the per-item cap.
            StoreError: ``name`` is empty or too long, or the database fails.
        """
        if not isinstance(data, bytes):
            raise TypeError(f"The store keeps bytes, not {type(data).__name__}.")
        if not name or len(name) > MAX_NAME:
            raise StoreError(f"An item name must have 1 to {MAX_NAME} characters, got {name!r}.")
        if len(data) > self.max_item_bytes:
            raise ItemTooLarge(
                f"{name!r} is {len(data) / _MB:.1f} MB; the server keeps at most {self.max_item_bytes / _MB:.1f} MB "
                "per item (LSTM_LAB_STORE_MAX_ITEM_MB), so it will not survive a reload.",
                code="store_item_too_large", name=name, size=len(data), limit=self.max_item_bytes,
            )  # fmt: skip
        key, now = _key(token), self.clock()
        row = {"browser": key, "name": name, "data": data, "size": len(data),
               "sha256": hashlib.sha256(data).hexdigest(), "updated": now}  # fmt: skip
        with self._tx() as conn:
            self._touch(conn, key, now)
            conn.execute(self._upsert(items, row, ["browser", "name"]))
        with self._tx() as conn:
            claimed = conn.execute(
                update(meta)
                .where(meta.c.id == 1, or_(meta.c.last_cleanup <= now - self.cleanup_every, meta.c.last_cleanup > now))
                .values(last_cleanup=now)
            ).rowcount  # fmt: skip
            if claimed:
                self._cleanup(conn, now)

    def get(self, token: str, name: str) -> bytes | None:
        """The browser's item ``name``, or None if it has none (or it expired).

        Raises:
            CorruptItem: the stored bytes fail their checksum; the item is deleted.
        """
        key = _key(token)
        with self._tx() as conn:
            row = conn.execute(
                select(items.c.data, items.c.sha256)
                .join(browsers, browsers.c.browser == items.c.browser)
                .where(items.c.browser == key, items.c.name == name, self._live())
            ).first()
            damaged = row is not None and hashlib.sha256(row.data).hexdigest() != row.sha256
            if damaged:  # this very row: not a good one put meanwhile
                conn.execute(
                    delete(items).where(items.c.browser == key, items.c.name == name, items.c.sha256 == row.sha256)
                )
        if damaged:
            raise CorruptItem(name)
        return None if row is None else bytes(row.data)

    def names(self, token: str) -> list[str]:
        """The names of the browser's items, sorted."""
        with self._tx() as conn:
            return list(
                conn.execute(
                    select(items.c.name)
                    .join(browsers, browsers.c.browser == items.c.browser)
                    .where(items.c.browser == _key(token), self._live())
                    .order_by(items.c.name)
                ).scalars()
            )

    def delete(self, token: str, name: str) -> None:
        """Delete the browser's item ``name``, if it has one."""
        with self._tx() as conn:
            conn.execute(delete(items).where(items.c.browser == _key(token), items.c.name == name))

    def delete_browser(self, token: str) -> None:
        """Delete everything the browser has stored."""
        with self._tx() as conn:
            self._drop(conn, [_key(token)])

    def cleanup(self) -> Removed:
        """Delete expired browsers, then the least recently used ones over the browser or size cap."""
        with self._tx() as conn:
            return self._cleanup(conn, self.clock())

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        """One transaction; database failures become :class:`StoreError`."""
        try:
            with self._engine.begin() as conn:
                yield conn
        except SQLAlchemyError as e:
            raise StoreError(f"The browser store at {self._where} failed: {getattr(e, 'orig', None) or e}") from e

    def _open(self) -> None:
        """Create the tables on first use and check the schema version."""
        try:
            with self._tx() as conn:
                if self._engine.dialect.name == "postgresql":  # one process at a time creates the tables
                    conn.execute(select(func.pg_advisory_xact_lock(SCHEMA_LOCK)))
                metadata.create_all(conn)
                conn.execute(self._insert(meta).values(id=1, schema_version=SCHEMA_VERSION, last_cleanup=0.0)
                             .on_conflict_do_nothing(index_elements=["id"]))  # fmt: skip
                version = conn.execute(select(meta.c.schema_version).where(meta.c.id == 1)).scalar_one()
        except StoreError as e:
            raise StoreError(
                f"Cannot open the browser store at {self._where}; it is not an LSTM Lab store or it is damaged. "
                "Move it away or point LSTM_LAB_DATA_DIR / LSTM_LAB_DATABASE_URL elsewhere. "
                f"({getattr(e.__cause__, 'orig', None) or e.__cause__})",
                code="store_unavailable",
            ) from e
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"The browser store at {self._where} has schema version {version}; this LSTM Lab uses "
                f"{SCHEMA_VERSION}. Move it away or point LSTM_LAB_DATA_DIR / LSTM_LAB_DATABASE_URL elsewhere.",
                code="store_schema_version", found=version, expected=SCHEMA_VERSION,
            )  # fmt: skip

    def _upsert(self, table: Table, row: dict, keys: list[str]):
        stmt = self._insert(table).values(**row)
        return stmt.on_conflict_do_update(index_elements=keys,
                                          set_={c: stmt.excluded[c] for c in row if c not in keys})  # fmt: skip

    def _live(self):
        """The condition that a browser has not expired."""
        return browsers.c.last_used >= self.clock() - self.ttl_seconds

    def _touch(self, conn: Connection, key: str, now: float) -> None:
        last = conn.execute(select(browsers.c.last_used).where(browsers.c.browser == key)).scalar()
        if last is not None and last < now - self.ttl_seconds:
            conn.execute(delete(items).where(items.c.browser == key))
        conn.execute(self._upsert(browsers, {"browser": key, "last_used": now}, ["browser"]))

    def _drop(self, conn: Connection, keys: list[str]) -> int:
        """Delete these browsers and their items; the number of items deleted."""
        deleted = conn.execute(delete(items).where(items.c.browser.in_(keys))).rowcount
        conn.execute(delete(browsers).where(browsers.c.browser.in_(keys)))
        return deleted

    def _cleanup(self, conn: Connection, now: float) -> Removed:
        usage = conn.execute(
            select(browsers.c.browser, browsers.c.last_used, func.coalesce(func.sum(items.c.size), 0))
            .outerjoin(items, items.c.browser == browsers.c.browser)
            .group_by(browsers.c.browser, browsers.c.last_used)
            .order_by(browsers.c.last_used.desc())
        ).all()  # fmt: skip
        drop, dropped_bytes, kept, total = [], 0, 0, 0
        for key, last_used, size in usage:  # newest first: keep while within every bound
            total += size
            if last_used < now - self.ttl_seconds or kept >= self.max_browsers or total > self.max_bytes:
                drop.append(key)
                dropped_bytes += size
            else:
                kept += 1
        deleted = self._drop(conn, drop) if drop else 0
        # Items a put added while a concurrent cleanup dropped their browser (possible on PostgreSQL).
        deleted += conn.execute(
            delete(items).where(~exists().where(browsers.c.browser == items.c.browser))
        ).rowcount  # fmt: skip
        return Removed(browsers=len(drop), items=deleted, bytes=dropped_bytes)


def _sqlite_connect(dbapi_connection, _record) -> None:
    """WAL, a busy timeout, and transactions we begin ourselves (``BEGIN IMMEDIATE``).

    ``synchronous = NORMAL`` is safe with WAL: a server crash loses nothing, a power cut may lose the last writes.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise StoreError(f"Environment variable {name} must be a positive integer, got {raw!r}.", code="store_env")
    return value
