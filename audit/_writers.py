"""How one event joins the chain, per backend: the chain head is read and advanced atomically.

Why two writers: the databases serialise writers differently.
- SQLite has one writer at a time per file. A process-local lock orders this process's threads
  (so they queue on a mutex, not on SQLite's sleeping busy handler) and ``BEGIN IMMEDIATE`` takes
  the file's write lock before the head is read, which orders other processes. One long-lived
  connection does the writing: closing the last connection to a WAL database checkpoints it.
- PostgreSQL serves many processes. One statement per batch locks the head row (``FOR UPDATE``),
  inserts the events with their hashes chained in SQL from the canonical parts, and advances the
  head; it runs in autocommit, so the lock is held for one statement, one round trip and one
  commit. Timestamps are taken just before, so under contention chain order (the id) and
  timestamp order may differ by the wait; the id is authoritative.

Where an append's time goes on PostgreSQL: with the client's CPU cut down (one json parameter, a
prepared statement, no SQLAlchemy in between) it is mostly the commit's WAL flush, an fdatasync
the server must finish before it answers. That wait is the price of a durable audit log and is
kept: ``synchronous_commit`` stays as the server has it (an audit log may not lose its last event).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import suppress
from typing import Any

from sqlalchemy import Connection, Engine, select

from audit._canonical import canonical_json, event_hash, hash_parts, iso_ts
from audit.db import StoreError, qualifier
from audit.models import AuditEvent, ChainHead

_events = AuditEvent.__table__
_head = ChainHead.__table__
NO_HEAD = "the store has no audit chain head; open it with audit.open_store"

# built once: constructing statements per append was a large share of its CPU time
HEAD = select(_head.c.last_id, _head.c.last_hash).where(_head.c.id == 1)
# A whole batch in one statement: the head row locked (FOR UPDATE), the events' ids and hashes
# chained in SQL (a recursive CTE: each hash covers the one before), the rows inserted and the head
# advanced; in autocommit, so one round trip and one commit per batch, the lock held only for it.
# The batch travels as ONE json parameter (a list of objects of strings) unpacked by
# json_to_recordset: as ten text arrays, psycopg's escaping of every quote in the payloads' JSON was
# ~40% of an append's CPU, and the C json encoder does the same job at a fraction of it. A JSON
# string unescapes to exactly the text encoded, so the hashed parts reach SQL byte for byte.
_PG_APPEND = """
WITH RECURSIVE head AS (
    SELECT last_id, last_hash FROM {q}audit_chain_head WHERE id = 1 FOR UPDATE
), input AS (
    SELECT * FROM ROWS FROM (json_to_recordset(CAST(%(batch)s AS json))
                             AS (ts timestamptz, session_id text, actor text, kind text, action text,
                                 target text, payload text, p_head text, p_middle text, p_tail text))
        WITH ORDINALITY
        AS t(ts, session_id, actor, kind, action, target, payload, p_head, p_middle, p_tail, n)
), chain AS (
    SELECT i.n, h.last_id + 1 AS id, CAST(h.last_hash AS text) AS prev_hash,
           encode(sha256(convert_to(i.p_head || CAST(h.last_id + 1 AS text) || i.p_middle || h.last_hash
                                    || i.p_tail, 'UTF8')), 'hex') AS hash
    FROM head h JOIN input i ON i.n = 1
    UNION ALL
    SELECT i.n, c.id + 1, CAST(c.hash AS text),
           encode(sha256(convert_to(i.p_head || CAST(c.id + 1 AS text) || i.p_middle || c.hash || i.p_tail,
                                    'UTF8')), 'hex')
    FROM chain c JOIN input i ON i.n = c.n + 1
), ins AS (
    INSERT INTO {q}audit_events (id, ts, session_id, actor, kind, action, target, payload, prev_hash, hash)
    SELECT c.id, i.ts, i.session_id, i.actor, i.kind, i.action, i.target, CAST(i.payload AS json),
           c.prev_hash, c.hash
    FROM chain c JOIN input i ON i.n = c.n
    RETURNING id, hash
), advance AS (
    UPDATE {q}audit_chain_head AS h SET last_id = last.id, last_hash = last.hash
    FROM (SELECT id, hash FROM ins ORDER BY id DESC LIMIT 1) AS last WHERE h.id = 1
)
SELECT id, hash FROM ins ORDER BY id
"""
# the batch parameter's encoder: built once; non-ASCII text travels as UTF-8, not as escapes
_BATCH_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

_SQLITE_HEAD = "SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1"
_SQLITE_INSERT = ("INSERT INTO audit_events (id, ts, session_id, actor, kind, action, target, payload, "
                  "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_SQLITE_ADVANCE = "UPDATE audit_chain_head SET last_id = ?, last_hash = ? WHERE id = 1"

_sqlite_locks: dict[str, threading.Lock] = {}
_sqlite_locks_guard = threading.Lock()

# a pooled PostgreSQL connection idle longer than this is pinged before an append (the server or a
# proxy may have dropped it); a busy one is not, so an append costs one round-trip
IDLE_PING_SECONDS = 30.0


class SqliteWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = lock_for(engine)
        self._conn: Connection | None = None

    def append(self, events: list[dict[str, Any]]) -> list[tuple[int, str]]:
        """Add ``events`` (each with its ``ts``) to the chain in one transaction; their ids and hashes.

        Straight on the sqlite3 connection: SQLAlchemy's statement handling was most of an
        append's CPU. Values are stored as SQLAlchemy would (canonical JSON text; the UTC time as
        ``YYYY-MM-DD HH:MM:SS.ffffff``), so its reads see the same rows."""
        with self._lock:
            if self._conn is None:
                self._conn = self.engine.connect()
            conn = self._conn
            try:
                raw = conn.connection.driver_connection
                if raw is None:  # a checked-out connection has one; SQLAlchemy's type says it may not
                    raise StoreError("the SQLite store's connection has no driver connection")
                cur = raw.cursor()
                cur.execute("BEGIN IMMEDIATE")
                head = cur.execute(_SQLITE_HEAD).fetchone()
                if head is None:
                    raise StoreError(NO_HEAD)
                event_id, prev_hash = head
                rows, done = [], []
                for fields in events:
                    event_id += 1
                    body = canonical_json(fields["payload"])  # hashed and stored: encoded once
                    digest = event_hash(event_id, prev_hash=prev_hash, payload_json=body, **fields)
                    rows.append((event_id, fields["ts"].strftime("%Y-%m-%d %H:%M:%S.%f"),
                                 fields["session_id"], fields["actor"], fields["kind"], fields["action"],
                                 fields["target"], body, prev_hash, digest))
                    done.append((event_id, digest))
                    prev_hash = digest
                cur.executemany(_SQLITE_INSERT, rows)
                cur.execute(_SQLITE_ADVANCE, (event_id, prev_hash))
                raw.commit()
            except BaseException as exc:
                self._conn = None
                with suppress(Exception):
                    driver = conn.connection.driver_connection
                    if driver is not None:
                        driver.rollback()
                conn.close()
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"cannot append to the audit log: {type(exc).__name__}: {exc}") from exc
                raise
        return done

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class PostgresWriter:
    """Appends on connections kept by the writer: no pool checkout and no pre-ping per append.

    A connection goes back to a short idle list after each append (so the number held follows how
    many appends run at once, not how many threads ever appended); one idle for longer than
    ``IDLE_PING_SECONDS`` is pinged before use, one that fails is dropped."""

    MAX_IDLE = 4

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._statement = _PG_APPEND.format(q=qualifier(engine))
        self._driver_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        self._idle: list[tuple[Connection, float]] = []
        self._guard = threading.Lock()

    def append(self, events: list[dict[str, Any]]) -> list[tuple[int, str]]:
        """Add ``events`` (each with its ``ts``) to the chain in one statement; their ids and hashes.

        Straight on the psycopg connection, prepared from its first use (the server plans the CTE
        once per connection): SQLAlchemy's statement handling added CPU and nothing else here."""
        batch = []
        for fields in events:
            body = canonical_json(fields["payload"])  # hashed and stored: encoded once
            ts = iso_ts(fields["ts"])  # as hashed; PostgreSQL reads the same instant from it
            p_head, p_middle, p_tail = hash_parts(**{**fields, "ts": ts}, payload_json=body)
            batch.append({"ts": ts, "session_id": fields["session_id"],
                          "actor": fields["actor"], "kind": fields["kind"], "action": fields["action"],
                          "target": fields["target"], "payload": body, "p_head": p_head,
                          "p_middle": p_middle, "p_tail": p_tail})
        params = {"batch": _BATCH_JSON.encode(batch)}
        conn = self._take()
        try:
            raw = conn.connection.driver_connection
            if raw is None:  # a checked-out connection has one; SQLAlchemy's type says it may not
                raise StoreError("the PostgreSQL store's connection has no driver connection")
            # autocommit: one statement, one commit
            rows = raw.execute(self._statement, params, prepare=True).fetchall()
        except BaseException as exc:
            _discard(conn)  # closing it rolls back whatever the failed statement began
            if isinstance(exc, self._driver_error):
                raise StoreError(f"cannot append to the audit log: {type(exc).__name__}: {exc}") from exc
            raise
        self._give_back(conn)
        if len(rows) != len(events):
            raise StoreError(NO_HEAD)
        return [(row[0], row[1]) for row in rows]

    def _take(self) -> Connection:
        while True:
            with self._guard:
                conn, used = self._idle.pop() if self._idle else (None, 0.0)
            if conn is None:
                return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if time.monotonic() - used <= IDLE_PING_SECONDS:
                return conn
            try:
                conn.exec_driver_sql("SELECT 1")
                conn.commit()
                return conn
            except Exception:
                _discard(conn)

    def _give_back(self, conn: Connection) -> None:
        with self._guard:
            if len(self._idle) < self.MAX_IDLE:
                self._idle.append((conn, time.monotonic()))
                return
        conn.close()

    def close(self) -> None:
        with self._guard:
            idle, self._idle = self._idle, []
        for conn, _used in idle:
            with suppress(Exception):
                conn.close()


def _discard(conn: Connection) -> None:
    with suppress(Exception):
        conn.invalidate()
        conn.close()


def lock_for(engine: Engine) -> threading.Lock:
    """One lock per SQLite database in this process, shared by every AuditLog on it."""
    key = engine.url.render_as_string(hide_password=True)
    with _sqlite_locks_guard:
        return _sqlite_locks.setdefault(key, threading.Lock())
