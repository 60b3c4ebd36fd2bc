"""The notification outbox: announcements written with the change they announce, delivered once.

Why an outbox: "approver, a request waits" must never be sent for a request that was rolled back,
and never lost for one that was committed. So ``announce`` inserts the row inside the very
transaction that made the request or moved its status (``policies.approvals``), and workers
deliver later. Claiming is a lease: a worker selects due rows (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two workers never pick the same row) and stamps them with its id and a deadline
in the same transaction; a crashed worker's rows become due again when the lease ends. Each
channel delivered is recorded on the row, so a retry after a partial failure resends only what
failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Engine, Row, and_, func, or_, select, update

from audit.service_tables import OutboxEntry

# approval status reached -> the event announced (other transitions are not announced)
ANNOUNCED = {
    "pending": "requested",
    "approved": "approved",
    "denied": "denied",
    "executed": "executed",
    "failed": "failed",
    "expired": "expired",
}
_T = OutboxEntry.__table__
# what ``finish`` made of an attempt: delivered, tried again later, or given up
Outcome = Literal["sent", "retry", "failed"]


@dataclass(frozen=True)
class Claimed:
    id: int
    event: str
    approval_id: str
    attempts: int
    delivered: tuple[str, ...]


def _now() -> datetime:
    return datetime.now(UTC)


def announce(conn: Connection, status: str, approval_id: str) -> None:
    """Queue the announcement of ``approval_id`` reaching ``status``, in the caller's transaction."""
    event = ANNOUNCED.get(status)
    if event is None:
        return
    now = _now()
    conn.execute(
        _T.insert().values(
            event=event,
            approval_id=approval_id,
            created_at=now,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            delivered=[],
        )
    )


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        _T.c.status == "pending",
        _T.c.next_attempt_at <= now,
        or_(_T.c.claim_until.is_(None), _T.c.claim_until < now),
    )


def claim(engine: Engine, worker: str, *, batch: int = 20, lease_seconds: int = 120) -> list[Claimed]:
    """Lease up to ``batch`` due entries to ``worker``; each entry is leased to one worker at a time."""
    now = _now()
    with engine.begin() as conn:
        query = select(_T.c.id).where(_due(now)).order_by(_T.c.id).limit(batch)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(conn.execute(query).scalars())
        if not ids:
            return []
        # the WHERE repeats the due test: on SQLite a second worker that read the same ids wins none
        conn.execute(
            update(_T)
            .where(_T.c.id.in_(ids), _due(now))
            .values(claimed_by=worker, claim_until=now + timedelta(seconds=lease_seconds))
        )
        rows = conn.execute(
            select(_T)
            .where(_T.c.id.in_(ids), _T.c.claimed_by == worker, _T.c.claim_until > now)
            .order_by(_T.c.id)
        ).all()
    return [Claimed(r.id, r.event, r.approval_id, r.attempts, tuple(r.delivered or ())) for r in rows]


def mark_delivered(engine: Engine, entry: Claimed, worker: str, channel: str) -> None:
    """Record that ``channel`` got the entry (so a retry does not send it there again)."""
    with engine.begin() as conn:
        row = conn.execute(
            select(_T.c.delivered).where(_T.c.id == entry.id, _T.c.claimed_by == worker)
        ).first()
        if row is not None:
            done = [*list(row.delivered or []), channel]
            conn.execute(
                update(_T).where(_T.c.id == entry.id, _T.c.claimed_by == worker).values(delivered=done)
            )


def finish(
    engine: Engine,
    entry: Claimed,
    worker: str,
    *,
    error: str | None,
    max_attempts: int,
    backoff_seconds: float,
) -> Outcome:
    """Close the lease: sent, or retried after ``backoff * 2**attempts``, or failed for good."""
    now = _now()
    attempts = entry.attempts + 1
    outcome: Outcome
    if error is None:
        outcome = "sent"
        values: dict[str, Any] = {"status": "sent", "sent_at": now, "last_error": None}
    elif attempts >= max_attempts:
        outcome = "failed"
        values = {"status": "failed", "last_error": error[:2000]}
    else:
        outcome = "retry"
        delay = backoff_seconds * (2 ** (attempts - 1))
        values = {"next_attempt_at": now + timedelta(seconds=delay), "last_error": error[:2000]}
    with engine.begin() as conn:
        conn.execute(
            update(_T)
            .where(_T.c.id == entry.id, _T.c.claimed_by == worker)
            .values(attempts=attempts, claimed_by=None, claim_until=None, **values)
        )
    return outcome


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {s: n for s, n in conn.execute(select(_T.c.status, func.count()).group_by(_T.c.status))}


def entries(engine: Engine, approval_id: str | None = None) -> list[Row[*tuple[Any, ...]]]:
    query = select(_T).order_by(_T.c.id)
    if approval_id is not None:
        query = query.where(_T.c.approval_id == approval_id)
    with engine.connect() as conn:
        return list(conn.execute(query))
