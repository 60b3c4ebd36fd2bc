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

Cheaper by the call: ``batch()`` buffers a gate call's events and writes them in one transaction
(still one chain, ids in append order); ``flush()`` writes the buffer early, which the gate does
before any DocuSign write so its decision is on record before the write can happen.

Beyond the database: with a ``Checkpointer``, every ``every``-th event's id and hash is signed and
appended to a file outside the store (``audit.checkpoints``), so truncation is detectable; and
``verify(incremental=True)`` starts from the last signed point a verify reached.

There is deliberately no update or delete method.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import Connection, Engine, Row, Text, cast, select
from sqlalchemy.exc import SQLAlchemyError

from audit._canonical import canonical_json, iso_ts, plain_json
from audit._verify import VerifyReport, hashed_rows, walk
from audit._writers import HEAD, PostgresWriter, SqliteWriter
from audit.checkpoints import Checkpoint, Checkpointer, CheckpointError
from audit.db import GENESIS_HASH, StoreError
from audit.models import AuditCheckpoint, AuditEvent
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
_checkpoints = AuditCheckpoint.__table__
# Readers take the payload as text and parse it per row (``_payload``): SQLite keeps JSON as text, so a
# hand edit can leave one row that is not JSON, and the tail around a tampered event must still show.
_READ = select(*(c for c in _events.c if c.name != "payload"), cast(_events.c.payload, Text).label("payload"))
UNREADABLE = "not valid JSON: edited outside dsadmin; run dsadmin audit verify"
_log = logging.getLogger("dsadmin.audit")


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
            if name == "actor" or (name == "target" and "@" in value):
                value = value.lower()  # emails match case-insensitively; `tail` filters need no lower()
            if len(value) > _LIMITS[name]:
                if not isinstance(payload.get("_overlong"), dict):
                    payload["_overlong"] = {}
                payload["_overlong"][name] = value
                value = value[: _LIMITS[name] - 1] + "\u2026"
        out[name] = value
    return out


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _Batch:
    """Events waiting to be written together (a gate call's, from any thread it started)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def take(self) -> list[dict[str, Any]]:
        with self.lock:
            events, self.events = self.events, []
        return events


class AuditLog:
    """Append events, read them back, verify the chain, export it."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] | None = None,
                 checkpoints: Checkpointer | None = None) -> None:
        self.engine = engine
        self._clock = clock or _utc_now
        self._sqlite = engine.dialect.name == "sqlite"
        self._writer = SqliteWriter(engine) if self._sqlite else PostgresWriter(engine)
        self.checkpoints = checkpoints
        self._batch: ContextVar[_Batch | None] = ContextVar(f"audit_batch_{id(self)}", default=None)

    # -- writing -------------------------------------------------------------------------------

    def append(self, kind: str, *, session_id: str | None = None, actor: str | None = None,
               action: str | None = None, target: str | None = None,
               payload: Mapping[str, Any] | None = None) -> int | None:
        """Record one event (payload redacted first) and return its id; inside ``batch()`` the event
        waits for the batch's write and None is returned. Raises StoreError on failure."""
        if kind not in KINDS:
            raise ValueError(f"unknown audit event kind {kind!r}; use one of {', '.join(sorted(KINDS))}")
        if payload is not None and not isinstance(payload, Mapping):
            raise TypeError(f"audit payload must be a mapping or None, not {type(payload).__name__}")
        plain: dict[str, Any] = plain_json(payload or {})  # a mapping comes back a dict of plain values
        clean_payload = redact(plain)
        fields = {"kind": kind, "payload": clean_payload, "ts": self._now(),
                  **_columns(clean_payload, session_id=session_id, actor=actor, action=action, target=target)}
        batch = self._batch.get()
        if batch is not None:
            with batch.lock:
                batch.events.append(fields)
            return None
        return self._write([fields])[0]

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Buffer this context's appends and write them in one transaction at the end, also when
        the body raises. A batch inside a batch joins it. Threads started with a copy of this
        context (the client's parallel pages) append to the same batch."""
        if self._batch.get() is not None:
            yield
            return
        batch = _Batch()
        token = self._batch.set(batch)
        try:
            yield
        finally:
            self._batch.reset(token)
            self._write(batch.take())

    def flush(self) -> None:
        """Write what the current batch holds now (nothing outside a batch): a write-ahead point."""
        batch = self._batch.get()
        if batch is not None:
            self._write(batch.take())

    def _write(self, events: list[dict[str, Any]]) -> list[int]:
        if not events:
            return []
        try:
            done = self._writer.append(events)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot append to the audit log: {exc.__class__.__name__}: {exc}") from exc
        if self.checkpoints is not None:
            every = self.checkpoints.every
            for (event_id, digest), fields in zip(done, events, strict=True):
                if event_id % every == 0:
                    self._scheduled_checkpoint(event_id, digest, fields["ts"])
        return [event_id for event_id, _ in done]

    def _scheduled_checkpoint(self, event_id: int, digest: str, ts: datetime) -> None:
        """The event is written whatever happens here; a checkpoint that cannot be written is
        reported (logged) and the next one is tried at the next multiple."""
        if self.checkpoints is None:  # _write schedules checkpoints only when they are configured
            return
        try:
            self._record_checkpoint(self.checkpoints.sign(event_id, digest, iso_ts(ts)), "signed")
        except (CheckpointError, StoreError, SQLAlchemyError) as exc:
            _log.warning("audit checkpoint at event %s not written: %s", event_id, exc)

    def checkpoint(self) -> Checkpoint:
        """Sign the chain head now and append it to the sink (``dsadmin audit checkpoint``)."""
        if self.checkpoints is None:
            raise CheckpointError("no checkpoint key and file are configured for this audit log")
        with self._read() as conn:
            head = conn.execute(HEAD).one_or_none()
        if head is None:
            raise StoreError("the audit chain head row is missing")
        cp = self.checkpoints.sign(head.last_id, head.last_hash, iso_ts(self._now()))
        self._record_checkpoint(cp, "signed")
        return cp

    def _record_checkpoint(self, cp: Checkpoint, kind: str) -> None:
        if kind == "signed":
            if self.checkpoints is None:  # a signed checkpoint was signed by it, so it is there
                raise CheckpointError("no checkpoint key and file are configured for this audit log")
            self.checkpoints.append(cp)  # the file first: it is the copy that matters
        try:
            with self.engine.begin() as conn:
                # created_at is the signed ts, so the row's own signature can be checked later
                signed_at = datetime.fromisoformat(cp.ts.replace("Z", "+00:00"))
                conn.execute(_checkpoints.insert().values(kind=kind, event_id=cp.event_id, hash=cp.hash,
                                                          created_at=signed_at, mac=cp.mac))
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot record the checkpoint: {exc.__class__.__name__}: {exc}") from exc

    def _now(self) -> datetime:
        ts = self._clock()
        if ts.tzinfo is None:
            raise ValueError("the audit clock returned a naive datetime; give it a UTC-aware one")
        # microseconds are what both databases keep, so that is what gets hashed
        return ts.astimezone(UTC)

    def close(self) -> None:
        """Release the writer's connections (the engine stays usable)."""
        self._writer.close()

    # -- reading -------------------------------------------------------------------------------

    def get(self, event_id: int) -> AuditRecord | None:
        with self._read() as conn:
            row = conn.execute(_READ.where(_events.c.id == event_id)).one_or_none()
        return _record(row) if row is not None else None

    def tail(self, n: int = 20, *, actor: str | None = None, target: str | None = None,
             kind: str | None = None, since: datetime | None = None,
             session_id: str | None = None) -> list[AuditRecord]:
        """The newest ``n`` events matching every given filter, oldest first."""
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown audit event kind {kind!r}; use one of {', '.join(sorted(KINDS))}")
        query = _READ
        # stored lower-case (emails), so the (column, id) indexes serve these without lower()
        if actor:
            query = query.where(_events.c.actor == actor.strip().lower())
        if target:
            target = target.strip()
            query = query.where(_events.c.target == (target.lower() if "@" in target else target))
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
                _READ.where(_events.c.id > after_id).order_by(_events.c.id))
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

    def verify(self, *, incremental: bool = False) -> VerifyReport:
        """Walk the chain; report the first event edited, removed or reordered.

        ``incremental``: start after the newest point an earlier verify proved (a signed row in
        ``audit_checkpoints``), checking that event still has the hash proven for it; events
        before it are not re-read (``start_id`` says where the walk began). Without such a point,
        or without the key to check its signature, the walk starts from the first event."""
        start = self._verified_point() if incremental else None
        with self._read() as conn:
            if self._sqlite:
                conn.exec_driver_sql("BEGIN")  # one read snapshot for the head and every row
            else:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            head = conn.execute(HEAD).one_or_none()
            if head is None:
                return VerifyReport(False, 0, None, "the audit chain head row is missing")
            start_id, start_hash = 0, GENESIS_HASH
            if start is not None:
                stored = conn.execute(select(_events.c.hash).where(_events.c.id == start.event_id)).scalar()
                if stored != start.hash:
                    conn.rollback()
                    return VerifyReport(False, 0, start.event_id, (
                        f"event {start.event_id}, proven intact by an earlier verify, is "
                        f"{'gone' if stored is None else 'changed'}"), head.last_id, head.last_hash)
                start_id, start_hash = start.event_id, start.hash
            report = walk(hashed_rows(conn, start_id), head.last_id, head.last_hash,
                          start_id=start_id, start_hash=start_hash)
            conn.rollback()
        if report.ok and self.checkpoints is not None and report.head_id > start_id:
            try:
                self._record_checkpoint(self.checkpoints.sign(report.head_id, report.head_hash,
                                                              iso_ts(self._now())), "verified")
            except (CheckpointError, StoreError) as exc:
                _log.warning("the verified point was not recorded: %s", exc)
        return report

    def verify_against(self, checkpoints: list[Checkpoint]) -> VerifyReport:
        """A full verify, then each signed checkpoint: its event must still be there with the hash
        signed for it. With the chain intact, that proves nothing up to it was removed or changed."""
        report = self.verify()
        if not report.ok:
            return report
        newest = max(checkpoints, key=lambda c: c.event_id, default=None)
        if newest is not None and newest.event_id > report.head_id:
            return dataclasses.replace(report, ok=False, first_bad_id=report.head_id + 1, problem=(
                f"events {report.head_id + 1}-{newest.event_id} removed: the checkpoint of {newest.ts} "
                f"records event {newest.event_id}, the log now ends at event {report.head_id}"))
        for cp in sorted(checkpoints, key=lambda c: c.event_id):
            if cp.event_id == 0:
                continue
            with self._read() as conn:
                stored = conn.execute(select(_events.c.hash).where(_events.c.id == cp.event_id)).scalar()
            if stored != cp.hash:
                return dataclasses.replace(report, ok=False, first_bad_id=cp.event_id, problem=(
                    f"event {cp.event_id} does not have the hash the checkpoint of {cp.ts} signed: events "
                    f"up to {cp.event_id} were rewritten (or the checkpoint belongs to another store)"))
        return report

    def _verified_point(self) -> Checkpoint | None:
        """The newest verified point whose signature checks out under this installation's key."""
        if self.checkpoints is None:
            return None
        query = (select(_checkpoints).where(_checkpoints.c.kind == "verified")
                 .order_by(_checkpoints.c.event_id.desc()).limit(5))
        with self._read() as conn:
            rows = conn.execute(query).all()
        for row in rows:
            ts = iso_ts(row.created_at)
            cp = Checkpoint(row.event_id, row.hash, ts, row.mac or "")
            if self.checkpoints.valid(cp):
                return cp
        return None

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


def _record(row: Row[*tuple[Any, ...]]) -> AuditRecord:
    ts = row.ts if row.ts.tzinfo is not None else row.ts.replace(tzinfo=UTC)
    return AuditRecord(id=row.id, ts=ts.astimezone(UTC), session_id=row.session_id, actor=row.actor,
                       kind=row.kind, action=row.action, target=row.target, payload=_payload(row.payload),
                       prev_hash=row.prev_hash, hash=row.hash)


def _payload(raw: str) -> dict[str, Any]:
    """The stored payload; one that is not a JSON object is shown as such, never raised."""
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if isinstance(value, dict):
        return value
    return {"unreadable_payload": raw, "problem": UNREADABLE}
