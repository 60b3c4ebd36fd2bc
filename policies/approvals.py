"""Approval requests: a second person's yes, bound to one exact call, usable once.

Every status change is a conditional UPDATE on the row's current status, so whatever number of
approvers or processes act on one request at the same moment, the database lets exactly one
transition through: one approval, one claim to execute. The lifecycle::

    pending ──approve──▶ approved ──claim_for_execution──▶ executing ──finish──▶ executed | failed
       │ deny ▶ denied      │ call hash differs ▶ void
       └─ past expires_at (pending or approved) ▶ expired

Each transition is then written to the audit log (``approval_requested`` / ``approval_decided``
with ``from`` and ``to`` in the payload).

A crash between the steps must not leave a request stuck or run it twice. A claim holds a lease
(``lease_until``, wall-clock time): while it runs, nobody else touches the request. ``stuck``
lists what a crash left behind - ``approved`` but never claimed, ``executing`` past its lease -
and ``take_over`` hands an ``executing`` one to a recovery, once (``recovered`` counts it); the
recovery (``Gate.recover``) reads the current state and finishes, marks done, or re-runs.

``crash_point`` is a test hook: with ``DSADMIN_TEST_CRASH_AT`` naming a point, the process kills
itself there (SIGKILL, as a power cut would), so tests can stop a real run at each step.
"""

from __future__ import annotations

import builtins
import os
import secrets
import signal
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, Engine, Row, func, or_, select, update

from audit.models import Approval
from policies._records import (
    AuditSink,
    Clock,
    RefusedError,
    StoredCall,
    as_utc,
    now_from,
    stored_json,
    system_clock,
)
from policies.call import ROLES, Actor, BoundCall
from policies.outbox import announce

LEASE = timedelta(minutes=5)  # longer than any one approved call takes to run
CRASH_ENV = "DSADMIN_TEST_CRASH_AT"
ApprovalStatus = Literal["pending", "approved", "denied", "expired", "executing", "executed", "failed",
                         "void"]
STATUSES: tuple[ApprovalStatus, ...] = get_args(ApprovalStatus)
_LIVE: tuple[ApprovalStatus, ...] = ("pending", "approved")
_T = Approval.__table__


class ApprovalError(RefusedError):
    """An approval action was refused."""


@dataclass(frozen=True, slots=True)
class ApprovalView(StoredCall):
    id: str
    requester: str
    action: str
    operation: str
    target: str | None
    approver_role: str
    status: ApprovalStatus
    approver: str | None
    reason: str | None
    decided_at: datetime | None
    executed_at: datetime | None
    result_json: str | None
    lease_until: datetime | None
    recovered: int | None


def crash_point(name: str) -> None:
    """Die here, at once and without cleanup, when a test asked for it (see the module docstring)."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


_VIEW_FIELDS = frozenset(f.name for f in fields(ApprovalView))


def _view(row: Row[*tuple[Any, ...]]) -> ApprovalView:
    m = row._mapping
    values: dict[str, Any] = {k: (as_utc(v) if isinstance(v, datetime) else v)
                              for k, v in m.items() if k in _VIEW_FIELDS}
    return ApprovalView(**values)


class ApprovalBook:
    """Approval requests in the store. ``clock`` returns aware datetimes (tests move time).

    (The method ``list`` shadows the builtin inside this class body, so annotations here spell
    ``builtins.list``.)
    """

    def __init__(self, engine: Engine, audit_log: AuditSink, *, clock: Clock | None = None) -> None:
        self._engine = engine
        self._audit = audit_log
        self._clock = clock or system_clock

    # ---------------------------------------------------------------- reading

    def get(self, approval_id: str) -> ApprovalView | None:
        self._expire(approval_id)
        return self._read(approval_id)

    def list(self, status: str | None = None, *, requester: str | None = None,
             limit: int = 100) -> list[ApprovalView]:
        """Newest first. Overdue requests are marked expired first, so the list is current."""
        if status is not None and status not in STATUSES:
            raise ApprovalError("bad_status", f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        self.expire_due()
        query = select(_T).order_by(_T.c.created_at.desc(), _T.c.id).limit(limit)
        if status is not None:
            query = query.where(_T.c.status == status)
        if requester is not None:
            query = query.where(_T.c.requester == requester.strip().lower())
        with self._engine.connect() as conn:
            return [_view(r) for r in conn.execute(query)]

    def expire_due(self) -> int:
        """Mark every pending or approved request past its expiry as expired; returns how many."""
        now = now_from(self._clock)
        with self._engine.connect() as conn:
            ids = list(conn.execute(select(_T.c.id).where(_T.c.status.in_(_LIVE),
                                                          _T.c.expires_at <= now)).scalars())
        return sum(1 for i in ids if self._expire(i))

    # ---------------------------------------------------------------- transitions

    def request(self, requester: Actor, call: BoundCall, summary: str, approver_role: str,
                ttl_seconds: int, session_id: str | None = None,
                preview: builtins.list[dict[str, Any]] | None = None) -> ApprovalView:
        if approver_role not in ROLES:
            raise ApprovalError("bad_role", f"unknown approver role {approver_role!r}; use one of {ROLES}")
        if not isinstance(ttl_seconds, int) or ttl_seconds <= 0:
            raise ApprovalError("bad_ttl",
                                f"ttl_seconds must be a positive whole number, not {ttl_seconds!r}")
        now = now_from(self._clock)
        row: dict[str, Any] = {
            "id": "apr_" + secrets.token_hex(10),
            "requester": requester.email.strip().lower(),
            "session_id": session_id,
            "action": call.action,
            "operation": call.operation,
            "target": call.target_email,
            "call_json": stored_json(call, preview),
            "call_hash": call.fingerprint(),
            "summary": summary,
            "approver_role": approver_role,
            "status": "pending",
            "created_at": now,
            "expires_at": now + timedelta(seconds=ttl_seconds),
        }
        with self._engine.begin() as conn:
            conn.execute(_T.insert().values(**row))
            announce(conn, "pending", row["id"])  # the approvers' notice commits with the request
        view = self._read(row["id"])
        assert view is not None
        self._log("approval_requested", view, requester.email, {
            "to": "pending", "summary": summary, "approver_role": approver_role,
            "call_hash": view.call_hash, "expires_at": view.expires_at.isoformat(),
        })
        return view

    def approve(self, approval_id: str, approver: Actor, reason: str | None = None) -> ApprovalView:
        """Refuses the requester, a person without the approver role, and anything not pending."""
        return self._decide(approval_id, approver, "approved", reason)

    def deny(self, approval_id: str, approver: Actor, reason: str | None = None) -> ApprovalView:
        return self._decide(approval_id, approver, "denied", reason)

    def claim_for_execution(self, approval_id: str, call_hash: str) -> bool:
        """True for exactly one caller: the approved, unexpired request whose call is unchanged."""
        now = now_from(self._clock)
        won = self._move(approval_id, "approved", "executing", values={"lease_until": system_clock() + LEASE},
                         extra_where=(_T.c.call_hash == call_hash, _T.c.expires_at > now))
        if won:
            self._log("approval_decided", self._must_read(approval_id), None,
                      {"from": "approved", "to": "executing", "call_hash": call_hash})
            return True
        current = self._read(approval_id)
        if current is None or current.status != "approved":
            return False
        if current.expires_at <= now:
            self._expire(approval_id)
        elif current.call_hash != call_hash and self._move(
                approval_id, "approved", "void",
                values={"reason": "the call changed after it was approved"},
                extra_where=(_T.c.call_hash != call_hash,)):
            self._log("approval_decided", self._must_read(approval_id), None, {
                "from": "approved", "to": "void", "approved_hash": current.call_hash,
                "presented_hash": call_hash,
            })
        return False

    def finish(self, approval_id: str, ok: bool, result_json: str | None) -> ApprovalView:
        """Record the outcome of the one execution a claim allowed."""
        to: ApprovalStatus = "executed" if ok else "failed"
        if not self._move(approval_id, "executing", to,
                          values={"executed_at": now_from(self._clock), "result_json": result_json}):
            current = self._read(approval_id)
            state = current.status if current else "unknown"
            raise ApprovalError("not_executing",
                                f"approval {approval_id} is {state}, not executing; nothing recorded")
        view = self._must_read(approval_id)
        self._log("approval_decided", view, None, {"from": "executing", "to": to})
        return view

    def pending_for(self, requester: str, call_hash: str | None = None) -> builtins.list[ApprovalView]:
        """The requester's pending requests (for one call, if ``call_hash``), oldest first: identical
        requests are merged into the first, and the policy caps how many may be open at once."""
        self.expire_due()
        query = (select(_T).where(_T.c.requester == requester.strip().lower(), _T.c.status == "pending")
                 .order_by(_T.c.created_at, _T.c.id))
        if call_hash is not None:
            query = query.where(_T.c.call_hash == call_hash)
        with self._engine.connect() as conn:
            return [_view(r) for r in conn.execute(query)]

    # ---------------------------------------------------------------- recovery

    def stuck(self, older_than: timedelta = LEASE) -> builtins.list[ApprovalView]:
        """What a crash left: approved at least ``older_than`` ago and never claimed (unexpired), or
        claimed at least ``older_than`` ago and still executing. Oldest first."""
        now, wall = now_from(self._clock), system_clock()
        query = select(_T).where(or_(
            (_T.c.status == "approved") & (_T.c.decided_at <= now - older_than) & (_T.c.expires_at > now),
            (_T.c.status == "executing") & self._lease_over(wall, older_than),
        )).order_by(_T.c.decided_at, _T.c.id)
        with self._engine.connect() as conn:
            return [_view(r) for r in conn.execute(query)]

    def take_over(self, approval_id: str, older_than: timedelta = LEASE) -> bool:
        """True for one caller, once per request: an executing request whose claim is at least
        ``older_than`` old and that no recovery has taken before. The caller holds a fresh lease."""
        wall = system_clock()
        stmt = (update(_T).where(_T.c.id == approval_id, _T.c.status == "executing",
                                 self._lease_over(wall, older_than), func.coalesce(_T.c.recovered, 0) == 0)
                .values(lease_until=wall + LEASE, recovered=1))
        with self._engine.begin() as conn:
            won = conn.execute(stmt).rowcount == 1
        if won:
            self._log("approval_decided", self._must_read(approval_id), None,
                      {"from": "executing", "to": "executing", "recovery": "taken over after a crash"})
        return won

    @staticmethod
    def _lease_over(wall: datetime, older_than: timedelta) -> ColumnElement[bool]:
        # claimed at lease_until - LEASE; a claim with no lease (made before leases) counts as old
        return or_(_T.c.lease_until.is_(None), _T.c.lease_until <= wall + LEASE - older_than)

    # ---------------------------------------------------------------- internals

    def check_decidable(self, approval_id: str, approver: Actor, *, approve: bool) -> ApprovalView:
        """The request, if ``approver`` may decide it now; else ``ApprovalError`` with a code
        (not_found, self_approval, wrong_role, expired, not_pending). Reads only: a channel asks it
        first to refuse up front, and ``approve``/``deny`` ask it again inside the decision."""
        current = self.get(approval_id)
        if current is None:
            raise ApprovalError("not_found", f"no approval request {approval_id!r}")
        who = approver.email.strip().lower()
        verb = "approve" if approve else "deny"
        if who == current.requester:
            raise ApprovalError("self_approval", f"{approver.email} made request {approval_id} and cannot "
                                f"{verb} it; another {current.approver_role} must")
        if not approver.has(current.approver_role):
            raise ApprovalError("wrong_role", f"{approver.email} does not have the {current.approver_role} "
                                f"role needed to {verb} request {approval_id}")
        if current.status != "pending":
            raise ApprovalError(current.status if current.status == "expired" else "not_pending",
                                f"request {approval_id} is {current.status}, not pending")
        return current

    def _decide(self, approval_id: str, approver: Actor, to: Literal["approved", "denied"],
                reason: str | None) -> ApprovalView:
        self.check_decidable(approval_id, approver, approve=to == "approved")
        who = approver.email.strip().lower()
        verb = "approve" if to == "approved" else "deny"
        now = now_from(self._clock)
        if not self._move(approval_id, "pending", to,
                          values={"approver": who, "reason": reason, "decided_at": now},
                          extra_where=(_T.c.expires_at > now,)):
            latest = self.get(approval_id)
            state = latest.status if latest else "gone"
            raise ApprovalError("not_pending", f"request {approval_id} is {state}, not pending")
        view = self._must_read(approval_id)
        self._log("approval_decided", view, approver.email, {"from": "pending", "to": to, "reason": reason})
        crash_point(f"after_{verb}")
        return view

    def _expire(self, approval_id: str) -> bool:
        now = now_from(self._clock)
        current = self._read(approval_id)
        if current is None or current.status not in _LIVE or current.expires_at > now:
            return False
        if not self._move(approval_id, current.status, "expired", extra_where=(_T.c.expires_at <= now,)):
            return False
        self._log("approval_decided", self._must_read(approval_id), None,
                  {"from": current.status, "to": "expired"})
        return True

    def _move(self, approval_id: str, frm: ApprovalStatus, to: ApprovalStatus, *,
              values: dict[str, Any] | None = None,
              extra_where: tuple[ColumnElement[bool], ...] = ()) -> bool:
        """The one primitive: UPDATE ... WHERE id = :id AND status = :frm; True if this call won."""
        stmt = (update(_T).where(_T.c.id == approval_id, _T.c.status == frm, *extra_where)
                .values(status=to, **(values or {})))
        with self._engine.begin() as conn:
            won = conn.execute(stmt).rowcount == 1
            if won:
                announce(conn, to, approval_id)  # the notice commits with the transition, or not at all
            return won

    def _read(self, approval_id: str) -> ApprovalView | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(_T).where(_T.c.id == approval_id)).first()
        return _view(row) if row else None

    def _must_read(self, approval_id: str) -> ApprovalView:
        view = self._read(approval_id)
        if view is None:
            raise ApprovalError("not_found", f"no approval request {approval_id!r}")
        return view

    def _log(self, kind: str, view: ApprovalView, actor: str | None, payload: dict[str, Any]) -> None:
        self._audit.append(kind, session_id=view.session_id, actor=actor or view.requester,
                           action=f"{view.action}.{view.operation}", target=view.target,
                           payload={"approval_id": view.id, **payload})
