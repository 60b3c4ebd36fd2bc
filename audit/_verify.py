"""Walking the chain: the first event that was edited, removed or reordered, and why.

Why ids matter here: ``append`` assigns ids from the chain head without gaps and hashes them, so a
missing id means a removed event, an event hashed under another id means a moved one, and the
head row (last id and hash) catches removal at the end of the chain.

Why rows are read raw: a million events went through SQLAlchemy's type processing (JSON parse,
datetime parse) only to be turned back into text for hashing. The stored payload is canonical
JSON text for every event written since schema 2, so its bytes are hashed as they are; an older
row whose text is not canonical is parsed and re-serialised (same result, slower). The timestamp
comes back as the hashed ISO text (SQL on PostgreSQL, a fixed rewrite of SQLite's text). On SQLite
the whole canonical text is assembled in SQL and read through the driver's own cursor: at a
million events, Python's share of the work was most of the time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from audit._canonical import canonical_json, canonical_text, iso_ts
from audit.db import GENESIS_HASH, qualifier


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None
    head_id: int = 0
    head_hash: str = GENESIS_HASH
    # the walk began after this event (0: from the first); events up to it were proven earlier
    start_id: int = 0


# (id, hash recomputed from the row's content, stored prev_hash, stored hash)
Hashed = tuple[int, str, str, str]


def walk(rows: Iterable[Hashed], head_id: int, head_hash: str, *, start_id: int = 0,
         start_hash: str = GENESIS_HASH) -> VerifyReport:
    """Check ``rows`` (in id order, ids after ``start_id``) against each other and the chain head."""
    prev_id, prev_hash, checked = start_id, start_hash, 0

    def broken(event_id: int, problem: str) -> VerifyReport:
        return VerifyReport(False, checked, event_id, problem, head_id, head_hash, start_id)

    for event_id, actual, stored_prev, stored in rows:
        expected = prev_id + 1
        if event_id > head_id:
            return broken(event_id, f"event {event_id} lies beyond the chain head (event {head_id}); "
                                    "it was not written by dsadmin")
        if event_id != expected:
            gap = f"event {expected}" if event_id == expected + 1 else f"events {expected}-{event_id - 1}"
            return broken(expected, f"{gap} removed (the next event present is {event_id})")
        if actual != stored:
            return broken(event_id, f"event {event_id} was edited or moved: its content no longer matches "
                                    "its hash")
        if stored_prev != prev_hash:
            return broken(event_id, f"event {event_id} does not follow event {prev_id}: the event before "
                                    "it was rewritten, removed or reordered")
        prev_id, prev_hash = event_id, stored
        checked += 1
    if prev_id < head_id:
        first = prev_id + 1
        gap = f"event {first}" if first == head_id else f"events {first}-{head_id}"
        return broken(first, f"{gap} removed from the end of the chain (the head records event {head_id})")
    if prev_hash != head_hash:
        return broken(prev_id, f"event {prev_id} does not match the hash the chain head records for it")
    return VerifyReport(True, checked, None, None, head_id, head_hash, start_id)


_SQLITE_ROWS = ("SELECT id, ts, session_id, actor, kind, action, target, payload, prev_hash, hash "
                "FROM {q}audit_events WHERE id > :after ORDER BY id")
_PG_ROWS = ("SELECT id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), session_id, "
            "actor, kind, action, target, CAST(payload AS text), prev_hash, hash "
            "FROM {q}audit_events WHERE id > :after ORDER BY id")


# SQLite assembles the canonical text itself (json_quote, the timestamp rewrite): one string per
# row reaches Python instead of ten values, a fifth less CPU per event. Its quoting leaves non-ASCII
# text unescaped where the canonical form escapes it, so a row whose text does not hash to its
# stored hash is hashed again the exact way (``_hashed_one``) before it counts as changed.
_SQLITE_CANONICAL = (
    """SELECT id, '{"action":' || json_quote(action) || ',"actor":' || json_quote(actor) || ',"id":' || id"""
    """ || ',"kind":' || json_quote(kind) || ',"payload":' || payload || ',"prev_hash":"' || prev_hash"""
    """ || '","session_id":' || json_quote(session_id) || ',"target":' || json_quote(target) || ',"ts":"'"""
    """ || CASE WHEN length(ts) = 26 AND substr(ts, 11, 1) = ' '"""
    """ THEN substr(ts, 1, 10) || 'T' || substr(ts, 12) || 'Z' ELSE ts END || '"}', prev_hash, hash"""
    " FROM {q}audit_events WHERE id > :after ORDER BY id"
)


def hashed_rows(conn: Connection, after_id: int = 0) -> Iterator[Hashed]:
    """Every event after ``after_id`` with its hash recomputed, streamed in id order."""
    if conn.dialect.name != "sqlite":
        yield from _hashed(conn, _PG_ROWS, after_id, sqlite=False)
        return
    sql = _SQLITE_CANONICAL.replace("{q}", qualifier(conn)).replace(":after", "?")  # braces: JSON
    # the driver's own cursor, in the caller's transaction (same snapshot): SQLAlchemy's row objects
    # cost as much as the hashing here
    cursor = conn.connection.driver_connection.cursor()
    cursor.arraysize = 5000
    cursor.execute(sql, (after_id,))
    sha = hashlib.sha256
    for event_id, canonical, prev_hash, stored in _fetched(cursor):
        actual = sha(canonical.encode()).hexdigest() if isinstance(canonical, str) else ""
        if actual != stored:
            actual = next(_hashed(conn, _SQLITE_ROWS + " LIMIT 1", event_id - 1, sqlite=True), (0, ""))[1]
        yield event_id, actual, prev_hash, stored


def _hashed(conn: Connection, sql: str, after_id: int, *, sqlite: bool) -> Iterator[Hashed]:
    """Rows from ``sql`` (every column) hashed the exact way, in Python."""
    sql = sql.format(q=qualifier(conn))
    result = conn.execution_options(yield_per=5000).execute(text(sql), {"after": after_id})
    c = canonical_text
    sha = hashlib.sha256
    for event_id, ts, session_id, actor, kind, action, target, payload, prev_hash, stored in _rows(result):
        if sqlite:
            ts = _sqlite_iso(ts)
        head = f'{{"action":{c(action)},"actor":{c(actor)},"id":{event_id},"kind":{c(kind)},"payload":'
        tail = f',"prev_hash":"{prev_hash}","session_id":{c(session_id)},"target":{c(target)},"ts":"{ts}"}}'
        actual = sha(f"{head}{payload}{tail}".encode()).hexdigest()
        if actual != stored:  # written before payloads were stored canonical, or really changed
            try:
                canonical = canonical_json(json.loads(payload))
            except (TypeError, ValueError):
                canonical = None
            if canonical is not None and canonical != payload:
                actual = sha(f"{head}{canonical}{tail}".encode()).hexdigest()
        yield event_id, actual, prev_hash, stored


def _fetched(cursor: Any) -> Iterator[Any]:
    try:
        while part := cursor.fetchmany():
            yield from part
    finally:
        cursor.close()


def _rows(result: Any) -> Iterator[Any]:
    for partition in result.partitions():  # fetchmany: far less per-row work than fetchone
        yield from partition


def _sqlite_iso(value: object) -> str:
    """SQLite's stored ``2026-01-31 09:00:00.000000`` as the hashed ``2026-01-31T09:00:00.000000Z``."""
    if isinstance(value, str) and len(value) == 26 and value[10] == " ":
        return f"{value[:10]}T{value[11:]}Z"
    try:
        return iso_ts(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)  # not a time dsadmin wrote: the hash will not match, and verify says so
