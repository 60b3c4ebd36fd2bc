"""Engines for the store, on SQLite with no set-up or on a shared PostgreSQL.

Schema versions: a one-row version table rather than Alembic. The schema is small and owned by
this package alone; ``ensure_schema`` creates missing tables and runs the numbered upgrade steps
in ``_UPGRADES`` in order, inside one transaction, so an old database is upgraded in place on the
next start without shipping a migration framework to every user.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, select, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from audit import directory_cache as _directory_cache  # noqa: F401  (registers its table on Base)
from audit import service_tables as _service_tables  # noqa: F401  (registers the service's tables)
from audit._canonical import canonical_json
from audit.models import (
    AUDIT_EVENT_INDEXES,
    SCHEMA1_EVENT_INDEXES,
    SCHEMA_VERSION,
    AuditEvent,
    Base,
    ChainHead,
    SchemaVersion,
)

GENESIS_HASH = "0" * 64


def qualifier(engine_or_conn: Engine | Connection) -> str:
    """``"schema".`` for raw SQL when tables live in a schema of their own (PostgreSQL), else ``""``."""
    schema = (engine_or_conn.get_execution_options().get("schema_translate_map") or {}).get(None)
    return '"{}".'.format(schema.replace('"', '""')) if schema else ""


def _upgrade_to_2(conn: Connection) -> None:
    """Approval leases; `audit tail` indexes; audit_checkpoints is new (create_all made it)."""
    q = qualifier(conn)
    stamp = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"
    conn.execute(text(f"ALTER TABLE {q}approvals ADD COLUMN lease_until {stamp}"))
    conn.execute(text(f"ALTER TABLE {q}approvals ADD COLUMN recovered INTEGER DEFAULT 0"))
    events = AuditEvent.__table__
    for name, _column in SCHEMA1_EVENT_INDEXES:  # raw SQL: an Index object would join the metadata
        conn.execute(text(f"DROP INDEX IF EXISTS {q}{name}"))
    for index in events.indexes:
        if index.name in dict(AUDIT_EVENT_INDEXES):
            index.create(conn, checkfirst=True)


# version -> step that upgrades a database at (version - 1) to it.
_UPGRADES: dict[int, Callable[[Connection], None]] = {2: _upgrade_to_2}


class StoreError(RuntimeError):
    """The store cannot be opened or written; callers fail closed."""


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for ``url``. ``schema`` (PostgreSQL only) places every table in that schema.

    JSON is stored as canonical text, so ``verify`` can hash an event's stored payload as it is."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            _create_private(Path(path.split("?", 1)[0]))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               json_serializer=canonical_json,
                               poolclass=NullPool if path and path != ":memory:" else None)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # no pre-ping: it cost a round-trip per checkout, i.e. per audit append; the audit writer keeps
    # its own connection and pings it only after it sat idle (audit._writers)
    engine = create_engine(url, pool_size=10, max_overflow=20, json_serializer=canonical_json)
    if schema:
        engine = engine.execution_options(schema_translate_map={None: schema})
    return engine


def _create_private(path: Path) -> None:
    """Create a missing SQLite file readable by its owner alone (0600): it holds conversations and
    the audit log. SQLite gives its -wal and -shm files the main file's mode. An existing file is
    left as its owner set it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def ensure_schema(engine: Engine) -> None:
    """Create or upgrade the store's tables; idempotent and safe to call on every start.

    One creator at a time when several processes start together on an empty store: PostgreSQL
    takes an advisory lock; SQLite takes the file's write lock (``BEGIN IMMEDIATE``) before the
    first look at the tables, and SQLite DDL is transactional, so the others wait, then find the
    tables made and create nothing."""
    schema = (engine.get_execution_options().get("schema_translate_map") or {}).get(None)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        if schema:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(724177001)"))
        Base.metadata.create_all(conn)
        # a Core connection returns table rows, not ORM objects: select the columns, get a Row
        row = conn.execute(select(SchemaVersion.version).where(SchemaVersion.id == 1)).one_or_none()
        current = row.version if row else 0
        if current > SCHEMA_VERSION:
            raise StoreError(f"the store is at schema version {current}, newer than this dsadmin "
                             f"({SCHEMA_VERSION}); upgrade dsadmin")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            step = _UPGRADES.get(version)
            if step is not None and current > 0:
                step(conn)
        if row is None:
            conn.execute(SchemaVersion.__table__.insert().values(id=1, version=SCHEMA_VERSION))
        elif row.version != SCHEMA_VERSION:
            conn.execute(SchemaVersion.__table__.update().where(SchemaVersion.id == 1)
                         .values(version=SCHEMA_VERSION))
        head = conn.execute(select(ChainHead.id).where(ChainHead.id == 1)).scalar_one_or_none()
        if head is None:
            conn.execute(ChainHead.__table__.insert().values(id=1, last_id=0, last_hash=GENESIS_HASH))


def open_store(url: str, *, schema: str | None = None) -> Engine:
    """Make an engine and bring its schema up to date; errors become ``StoreError``."""
    try:
        engine = make_engine(url, schema=schema)
        ensure_schema(engine)
    except StoreError:
        raise
    except Exception as exc:  # driver errors vary by backend; the person needs the URL and cause
        raise StoreError(f"cannot open the store at {_safe(url)}: {exc}") from exc
    return engine


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url
