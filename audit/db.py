"""Engines for the store, on SQLite with no set-up or on a shared PostgreSQL.

The schema is made and upgraded by migrations (``audit.migrate``, Alembic): ``open_store``
migrates an empty store and refuses one that is not at this dsadmin's head revision, naming
``dsadmin store upgrade``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from audit._canonical import canonical_json

GENESIS_HASH = "0" * 64
# How long a SQLite write waits for another process's write lock before failing "database is locked":
# long enough for any command's transaction, short enough that a stuck holder is reported.
SQLITE_BUSY_TIMEOUT_S: float = 30


def qualifier(engine_or_conn: Engine | Connection) -> str:
    """``"schema".`` for raw SQL when tables live in a schema of their own (PostgreSQL), else ``""``."""
    schema = (engine_or_conn.get_execution_options().get("schema_translate_map") or {}).get(None)
    return '"{}".'.format(schema.replace('"', '""')) if schema else ""


class StoreError(RuntimeError):
    """The store cannot be opened or written; callers fail closed."""


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for ``url``. ``schema`` (PostgreSQL only) places every table in that schema.

    JSON is stored as canonical text, so ``verify`` can hash an event's stored payload as it is."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            _create_private(Path(path.split("?", 1)[0]))
        connect = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
        engine = create_engine(url, connect_args=connect, json_serializer=canonical_json,
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
    cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def open_store(url: str, *, schema: str | None = None) -> Engine:
    """An engine on a store at this dsadmin's head revision (an empty store is migrated first);
    errors, and a store that needs ``dsadmin store upgrade``, become ``StoreError``."""
    from audit.migrate import ensure_current

    try:
        engine = make_engine(url, schema=schema)
        ensure_current(engine)
    except StoreError:
        raise
    except Exception as exc:  # driver errors vary by backend; the person needs the URL and cause
        raise StoreError(f"cannot open the store at {_safe(url)}: {cause(exc)}") from exc
    return engine


def cause(exc: BaseException) -> str:
    """A database error as the person needs it: the driver's own words, without the SQL statement
    and its parameters (request data) or SQLAlchemy's link to its error catalogue."""
    text = str(getattr(exc, "orig", None) or exc)
    noise = ("(Background on this error", "[SQL", "[parameters")
    lines = (line.strip() for line in text.splitlines())
    kept = [line for line in lines if line and not line.startswith(noise)]
    return " ".join(kept) or type(exc).__name__


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url
