"""What the gate needs from the layers below it, stated as Protocols.

Why Protocols and not the concrete classes: the gate is the one chokepoint, so what it may do with
the audit log and the two books is part of its contract. Naming exactly those methods here keeps
the gate from growing new reach into the store unnoticed, and lets a test or a benchmark hand in
its own recorder. ``audit.AuditLog``, ``policies.approvals.ApprovalBook`` and
``policies.confirmations.ConfirmationBook`` satisfy them structurally (mypy checks it where the
runtime builds the gate).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol

from policies.approvals import ApprovalView
from policies.call import Actor, BatchCall, BoundCall, ResolvedCall
from policies.confirmations import ConfirmationView


class AuditTrail(Protocol):
    """Where every gate step is recorded (one hash chain)."""

    def append(self, kind: str, *, session_id: str | None = None, actor: str | None = None,
               action: str | None = None, target: str | None = None,
               payload: Mapping[str, Any] | None = None) -> int | None:
        """Record one event (raises on a store failure: the gate then refuses)."""
        ...

    def batch(self) -> AbstractContextManager[None]:
        """One call's events in one transaction."""
        ...

    def flush(self) -> None:
        """Write what the batch holds now: the decision is on record before DocuSign changes."""
        ...


class Approvals(Protocol):
    """The approval book: requests waiting for a second person, claimed once when they run."""

    def request(self, requester: Actor, call: BoundCall, summary: str, approver_role: str,
                ttl_seconds: int, session_id: str | None = None,
                preview: list[dict[str, Any]] | None = None) -> ApprovalView: ...

    def approve(self, approval_id: str, approver: Actor, reason: str | None = None) -> ApprovalView: ...

    def deny(self, approval_id: str, approver: Actor, reason: str | None = None) -> ApprovalView: ...

    def claim_for_execution(self, approval_id: str, call_hash: str) -> bool: ...

    def finish(self, approval_id: str, ok: bool, result_json: str | None) -> ApprovalView: ...

    def pending_for(self, requester: str, call_hash: str | None = None) -> list[ApprovalView]: ...

    def stuck(self, older_than: timedelta = ...) -> list[ApprovalView]: ...

    def take_over(self, approval_id: str, older_than: timedelta = ...) -> bool: ...


class Confirmations(Protocol):
    """The confirmation book: single-use tokens a person answers through the channel."""

    def issue(self, actor: Actor, call: ResolvedCall | BatchCall, summary: str, ttl_seconds: int = ...,
              session_id: str | None = None,
              preview: list[dict[str, Any]] | None = None) -> tuple[str, datetime]: ...

    def redeem(self, token: str, actor: Actor, *, call_hash: str | None = None) -> ConfirmationView: ...

    def decline(self, token: str, actor: Actor) -> ConfirmationView: ...

    def withdraw(self, actor: Actor, session_id: str) -> list[ConfirmationView]: ...

    def live(self, token: str, actor: Actor) -> ConfirmationView | None: ...


__all__ = ["Approvals", "AuditTrail", "Confirmations"]
