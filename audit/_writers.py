"""How one event joins the chain, per backend: the chain head is read and advanced atomically.

Why two writers: the databases serialise writers differently.
- SQLite has one writer at a time per file. A process-local lock orders this process's threads
  (so they queue on a mutex, not on SQLite's sleeping busy handler) and ``BEGIN IMMEDIATE`` takes
  the file's write lock before the head is read, which orders other processes. One long-lived
  connection does the writing: closing the last connection to a WAL database checkpoints it.
- PostgreSQL serves many processes. One statement locks the head row (``FOR UPDATE``), inserts
  the event with its hash computed in SQL from the canonical parts, and advances the head; it runs
  in autocommit, so the lock is held for one statement and no client round-trip. Its timestamp is
  taken just before, so under contention chain order (the id) and timestamp order may differ by
  the wait; the id is authoritative.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, text, update

from audit._canonical import event_hash, hash_parts
from audit.db import StoreError
from audit.models import AuditEvent, ChainHead

_events = AuditEvent.__table__
_head = ChainHead.__table__
NO_HEAD = "the store has no audit chain head; open it with audit.open_store"

# built once: constructing statements per append was a large share of its CPU time
HEAD = select(_head.c.last_id, _head.c.last_hash).where(_head.c.id == 1)
_INSERT_EVENT = insert(_events)
_ADVANCE_HEAD = update(_head).where(_head.c.id == 1).values(last_id=bindparam("new_id"),
                                                           last_hash=bindparam("new_hash"))

_PG_APPEND = """
WITH head AS (
    SELECT last_id + 1 AS id, last_hash AS prev_hash FROM {q}audit_chain_head WHERE id = 1 FOR UPDATE
), ins AS (
    INSERT INTO {q}audit_events (id, ts, session_id, actor, kind, action, target, payload, prev_hash, hash)
    SELECT id, :ts, :session_id, :actor, :kind, :action, :target, CAST(:payload AS json), prev_hash,
           encode(sha256(convert_to(:p_head || CAST(id AS text) || :p_middle || prev_hash || :p_tail,
                                    'UTF8')), 'hex')
    FROM head
    RETURNING id, hash
)
UPDATE {q}audit_chain_head AS h SET last_id = ins.id, last_hash = ins.hash FROM ins WHERE h.id = 1
RETURNING ins.id
"""

_sqlite_locks: dict[str, threading.Lock] = {}
_sqlite_locks_guard = threading.Lock()

Now = Callable[[], datetime]


class SqliteWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = lock_for(engine)
        self._conn: Connection | None = None

    def append(self, fields: dict[str, Any], now: Now) -> int:
        with self._lock:
            if self._conn is None:
                self._conn = self.engine.connect()
            conn = self._conn
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                head = conn.execute(HEAD).one_or_none()
                if head is None:
                    raise StoreError(NO_HEAD)
                event_id, ts = head.last_id + 1, now()
                digest = event_hash(event_id, ts, prev_hash=head.last_hash, **fields)
                conn.execute(_INSERT_EVENT, {"id": event_id, "ts": ts, "prev_hash": head.last_hash,
                                             "hash": digest, **fields})
                conn.execute(_ADVANCE_HEAD, {"new_id": event_id, "new_hash": digest})
                conn.commit()
            except BaseException:
                self._conn = None
                conn.close()  # rolls back; the next append starts from a fresh connection
                raise
        return event_id

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class PostgresWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        schema = (engine.get_execution_options().get("schema_translate_map") or {}).get(None)
        qualifier = '"{}".'.format(schema.replace('"', '""')) if schema else ""
        self._statement = text(_PG_APPEND.format(q=qualifier))

    def append(self, fields: dict[str, Any], now: Now) -> int:
        ts = now()
        p_head, p_middle, p_tail = hash_parts(ts, **fields)
        params = {**fields, "payload": json.dumps(fields["payload"]), "ts": ts,
                  "p_head": p_head, "p_middle": p_middle, "p_tail": p_tail}
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            row = conn.execute(self._statement, params).first()
        if row is None:
            raise StoreError(NO_HEAD)
        return row[0]

    def close(self) -> None:
        pass


def lock_for(engine: Engine) -> threading.Lock:
    """One lock per SQLite database in this process, shared by every AuditLog on it."""
    key = engine.url.render_as_string(hide_password=True)
    with _sqlite_locks_guard:
        return _sqlite_locks.setdefault(key, threading.Lock())
