"""Engines for the store, on SQLite with no set-up or on a shared PostgreSQL.

Schema versions: a one-row version table rather than Alembic. The schema is small and owned by
this package alone; ``ensure_schema`` creates missing tables and runs the numbered upgrade steps
in ``_UPGRADES`` in order, inside one transaction, so an old database is upgraded in place on the
next start without shipping a migration framework to every user.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, select, text
from sqlalchemy.pool import NullPool

from audit import directory_cache as _directory_cache  # noqa: F401  (registers its table on Base)
from audit.models import SCHEMA_VERSION, Base, ChainHead, SchemaVersion

GENESIS_HASH = "0" * 64

# version -> step that upgrades a database at (version - 1) to it.
_UPGRADES: dict[int, Callable[[Connection], None]] = {}


class StoreError(RuntimeError):
    """The store cannot be opened or written; callers fail closed."""


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for ``url``. ``schema`` (PostgreSQL only) places every table in that schema."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               poolclass=NullPool if path and path != ":memory:" else None)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if schema:
        engine = engine.execution_options(schema_translate_map={None: schema})
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def ensure_schema(engine: Engine) -> None:
    """Create or upgrade the store's tables; idempotent and safe to call on every start."""
    schema = (engine.get_execution_options().get("schema_translate_map") or {}).get(None)
    with engine.begin() as conn:
        if schema:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        if conn.dialect.name == "postgresql":
            # one creator at a time when several processes start together
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
