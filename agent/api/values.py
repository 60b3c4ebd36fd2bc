"""The typed values the API hands out: a person, a preview row, a receipt, a tool, a pending
confirmation, an approval request. Plain frozen data, read by every channel; nothing here runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policies.decision import DecisionKind, Outcome


@dataclass(frozen=True)
class Person:
    """An authenticated person, as the embedding program vouches for them. ``roles`` is what the
    configuration's ``people`` gives this email (informational: every call reads them again)."""

    email: str
    roles: frozenset[str] = frozenset()

    def has(self, role: str) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class Change:
    """One row of a preview: a field of one account, before and after the write."""

    account: str | None
    field: str | None
    before: str | None
    after: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"account": self.account, "field": self.field, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Receipt:
    """One call as the gate recorded it (never the model's account of it)."""

    action: str
    operation: str
    args: dict[str, Any]
    decision: DecisionKind | None  # None: refused before the policy decided (bad input, an error)
    outcome: Outcome
    line: str  # the receipt line every reply ends with


@dataclass(frozen=True)
class ToolSpec:
    """One action as a model is offered it (from the catalogue): an MCP client's tool list."""

    name: str
    description: str
    input_schema: dict[str, Any]
    writes: bool  # a write (read-only otherwise): clients mark it destructive


@dataclass(frozen=True)
class PendingConfirmation:
    """A confirmation waiting for its person: what saying yes would run, from the stored record."""

    summary: str
    previews: tuple[Change, ...]
    expires_at: Any


@dataclass(frozen=True)
class ApprovalRequest:
    """A request sent to an approver, as its requester, its approvers and admins may see it."""

    id: str
    status: str
    requester: str
    action: str
    operation: str
    target: str | None
    summary: str
    approver_role: str
    approver: str | None
    reason: str | None
    created_at: Any
    expires_at: Any
    decided_at: Any
    executed_at: Any
    previews: tuple[Change, ...]
    call: dict[str, Any]

    @classmethod
    def from_view(cls, view: Any) -> ApprovalRequest:
        """From the approval book's stored record."""
        return cls(
            view.id, view.status, view.requester, view.action, view.operation, view.target, view.summary,
            view.approver_role, view.approver, view.reason, view.created_at, view.expires_at,
            view.decided_at, view.executed_at, changes(view.preview),
            {k: v for k, v in view.call.items() if k != "preview"},
        )

    def as_dict(self) -> dict[str, Any]:
        """The row ``dsadmin approvals list --json`` prints (``preview`` as plain rows)."""
        row = {k: getattr(self, k) for k in ("id", "status", "requester", "action", "operation", "target",
                                             "summary", "approver_role", "approver", "reason", "created_at",
                                             "expires_at", "decided_at", "executed_at")}
        return row | {"preview": [c.as_dict() for c in self.previews]}


def changes(preview: Any) -> tuple[Change, ...]:
    """A stored or returned preview ([{account, field, before, after}]) as ``Change`` rows."""
    return tuple(Change(row.get("account"), row.get("field"), row.get("before"), row.get("after"))
                 for row in preview or [] if isinstance(row, dict))
