"""The append-only, hash-chained audit log.

Each event's ``hash`` is SHA-256 over the canonical JSON of its own fields (id, ts, session_id,
actor, kind, action, target, payload) and the previous event's hash. Editing, removing or
reordering any event therefore breaks the chain at that event, and ``verify`` names it. The
chain is tamper-evident, not tamper-proof: someone with write access who recomputes every later
hash (and the chain head) goes unnoticed, so keep a copy of ``VerifyReport.head_hash`` elsewhere
when that matters.

Why the canonical form looks the way it does: the hash is recomputed from what the database
gives back, on SQLite (timestamps as text, no zone) and on PostgreSQL (timestamptz, microseconds).
So the timestamp is hashed as a fixed-precision UTC ISO string, the payload is made plain JSON
(and redacted) *before* hashing and storing, and keys are sorted. Ids are assigned from the chain
head (last id + 1), so they are gap-free and a removed event shows up as a missing id.

One chain under concurrent writers: each append reads and advances the one-row ``audit_chain_head``
atomically with its insert (``audit._writers``: ``FOR UPDATE`` on PostgreSQL, a process lock and
``BEGIN IMMEDIATE`` on SQLite).

There is deliberately no update or delete method.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from audit._canonical import canonical_json, iso_ts, plain_json
from audit._verify import VerifyReport, walk
from audit._writers import HEAD, PostgresWriter, SqliteWriter
from audit.db import StoreError
from audit.models import AuditEvent
from audit.redact import redact, redact_pii, redact_text

KINDS = frozenset({
    "session_started", "user_message", "model_proposal", "validation_error", "decision",
    "confirmation_issued", "confirmation_used", "approval_requested", "approval_decided",
    "docusign_request", "action_result", "error", "model_usage",
})
# column -> the longest value the table accepts (PostgreSQL enforces it; SQLite would not)
_LIMITS = {"session_id": 64, "actor": 320, "action": 64, "target": 320}
EXPORT_FIELDS = ("id", "ts", "session_id", "actor", "kind", "action", "target", "payload",
                 "prev_hash", "hash")

_events = AuditEvent.__table__


@dataclass(frozen=True)
class AuditRecord:
    """One stored event, as read back."""

    id: int
    ts: datetime
    session_id: str | None
    actor: str | None
    kind: str
    action: str | None
    target: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form used by exports and ``--json`` (ts as the hashed ISO string)."""
        data = dataclasses.asdict(self)
        data["ts"] = iso_ts(self.ts)
        return data


def _columns(payload: dict[str, Any], **values: str | None) -> dict[str, str | None]:
    """The indexed text columns, cleaned. A value longer than its column (a model can propose any
    action name) is cut to fit and kept whole in the payload: an audit sink must not refuse the
    event it is asked to record."""
    out: dict[str, str | None] = {}
    for name, value in values.items():
        if value is not None and not isinstance(value, str):
            raise TypeError(f"audit event {name} must be a string or None, not {type(value).__name__}")
        if value is not None:
            value = redact_text(plain_json(value))
            if len(value) > _LIMITS[name]:
                if not isinstance(payload.get("_overlong"), dict):
                    payload["_overlong"] = {}
                payload["_overlong"][name] = value
                value = value[: _LIMITS[name] - 1] + "\u2026"
        out[name] = value
    return out


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AuditLog:
    """Append events, read them back, verify the chain, export it."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self._clock = clock or _utc_now
        self._sqlite = engine.dialect.name == "sqlite"
        self._writer = SqliteWriter(engine) if self._sqlite else PostgresWriter(engine)

    # -- writing -------------------------------------------------------------------------------

    def append(self, kind: str, *, session_id: str | None = None, actor: str | None = None,
               action: str | None = None, target: str | None = None,
               payload: Mapping[str, Any] | None = None) -> int:
        """Record one event (payload redacted first) and return its id. Raises StoreError on failure."""
        if kind not in KINDS:
            raise ValueError(f"unknown audit event kind {kind!r}; use one of {', '.join(sorted(KINDS))}")
        if payload is not None and not isinstance(payload, Mapping):
            raise TypeError(f"audit payload must be a mapping or None, not {type(payload).__name__}")
        clean_payload = redact(plain_json(payload or {}))
        fields = {"kind": kind, "payload": clean_payload,
                  **_columns(clean_payload, session_id=session_id, actor=actor, action=action, target=target)}
        try:
            return self._writer.append(fields, self._now)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot append to the audit log: {exc.__class__.__name__}: {exc}") from exc

    def _now(self) -> datetime:
        ts = self._clock()
        if ts.tzinfo is None:
            raise ValueError("the audit clock returned a naive datetime; give it a UTC-aware one")
        # microseconds are what both databases keep, so that is what gets hashed
        return ts.astimezone(UTC)

    def close(self) -> None:
        """Release the SQLite writer connection (the engine stays usable)."""
        self._writer.close()

    # -- reading -------------------------------------------------------------------------------

    def get(self, event_id: int) -> AuditRecord | None:
        with self._read() as conn:
            row = conn.execute(select(_events).where(_events.c.id == event_id)).one_or_none()
        return _record(row) if row is not None else None

    def tail(self, n: int = 20, *, actor: str | None = None, target: str | None = None,
             kind: str | None = None, since: datetime | None = None,
             session_id: str | None = None) -> list[AuditRecord]:
        """The newest ``n`` events matching every given filter, oldest first."""
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown audit event kind {kind!r}; use one of {', '.join(sorted(KINDS))}")
        query = select(_events)
        if actor:
            query = query.where(func.lower(_events.c.actor) == actor.strip().lower())
        if target:
            query = query.where(func.lower(_events.c.target) == target.strip().lower())
        if kind:
            query = query.where(_events.c.kind == kind)
        if session_id:
            query = query.where(_events.c.session_id == session_id)
        if since is not None:
            since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
            query = query.where(_events.c.ts >= since)
        with self._read() as conn:
            rows = conn.execute(query.order_by(_events.c.id.desc()).limit(n)).all()
        return [_record(row) for row in reversed(rows)]

    def records(self, *, after_id: int = 0) -> Iterator[AuditRecord]:
        """Every event with id > ``after_id``, in chain order, streamed."""
        with self._read() as conn:
            result = conn.execution_options(yield_per=500).execute(
                select(_events).where(_events.c.id > after_id).order_by(_events.c.id))
            for row in result:
                yield _record(row)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the audit log: {exc.__class__.__name__}: {exc}") from exc

    # -- verifying and exporting ----------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Walk the chain from the first event; report the first one edited, removed or reordered."""
        with self._read() as conn:
            if self._sqlite:
                conn.exec_driver_sql("BEGIN")  # one read snapshot for the head and every row
            else:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            head = conn.execute(HEAD).one_or_none()
            if head is None:
                return VerifyReport(False, 0, None, "the audit chain head row is missing")
            rows = conn.execution_options(yield_per=500).execute(select(_events).order_by(_events.c.id))
            report = walk((_record(row) for row in rows), head.last_id, head.last_hash)
            conn.rollback()
        return report

    def export(self, stream: IO[str], format: str = "jsonl", *, redact_pii: bool = False,
               pii_salt: str = "") -> int:
        """Write every event to ``stream`` as JSON lines or CSV; return how many were written.

        With ``redact_pii`` emails and personal names are replaced by stable pseudonyms; such an
        export can no longer be checked against the hashes it carries.
        """
        if format not in ("jsonl", "csv"):
            raise ValueError(f"unknown export format {format!r}; use 'jsonl' or 'csv'")
        writer = csv.DictWriter(stream, fieldnames=EXPORT_FIELDS, lineterminator="\n") \
            if format == "csv" else None
        if writer is not None:
            writer.writeheader()
        count = 0
        for record in self.records():
            data = redact(record.to_dict())
            if redact_pii:
                data = _pseudonymise(data, pii_salt)
            if writer is not None:
                writer.writerow({**data, "payload": canonical_json(data["payload"])})
            else:
                stream.write(canonical_json(data) + "\n")
            count += 1
        return count


def _pseudonymise(data: dict[str, Any], salt: str) -> dict[str, Any]:
    keep = {k: data[k] for k in ("id", "ts", "kind", "prev_hash", "hash")}
    rest = redact_pii({k: v for k, v in data.items() if k not in keep}, salt=salt)
    return {**keep, **rest}


def _record(row: Any) -> AuditRecord:
    ts = row.ts if row.ts.tzinfo is not None else row.ts.replace(tzinfo=UTC)
    return AuditRecord(id=row.id, ts=ts.astimezone(UTC), session_id=row.session_id, actor=row.actor,
                       kind=row.kind, action=row.action, target=row.target, payload=row.payload,
                       prev_hash=row.prev_hash, hash=row.hash)
