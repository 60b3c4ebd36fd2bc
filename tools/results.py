"""What the gate hands back: written for the model and the person alike, never holding a secret.

A closed union keyed by ``kind``; ``outcome`` is the word the CLI's ``--json`` and the evals use.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)

    call_id: str = ""
    action: str = ""
    operation: str = ""

    @property
    def is_error(self) -> bool:
        return self.kind in ("denied", "error")  # type: ignore[attr-defined]


Preview = list[dict[str, str | None]]  # [{account, field, before, after}] (policies.preview.PreviewRow)


class Ok(_Result):
    kind: Literal["ok"] = "ok"
    summary: str
    changed: bool = False
    data: Any = None
    next_cursor: str | None = None
    preview: Preview = Field(default_factory=list)


class Denied(_Result):
    kind: Literal["denied"] = "denied"
    reasons: list[str]
    who_could: list[str] = Field(default_factory=list)


class ConfirmationNeeded(_Result):
    kind: Literal["needs_confirmation"] = "needs_confirmation"
    summary: str
    token: str
    expires_at: str
    preview: Preview = Field(default_factory=list)
    why: str | None = None  # the policy's reason for asking


class PendingApproval(_Result):
    kind: Literal["pending_approval"] = "pending_approval"
    summary: str
    approval_id: str
    approver_role: str
    preview: Preview = Field(default_factory=list)


class DryRun(_Result):
    """A write planned and decided but not run (``--dry-run``): what it would change, and the decision."""

    kind: Literal["dry_run"] = "dry_run"
    summary: str
    decision: str  # allow | needs_confirmation | needs_approval
    preview: Preview = Field(default_factory=list)
    fingerprint: str = ""  # the resolved call's hash: what a later confirmation is bound to


class Error(_Result):
    kind: Literal["error"] = "error"
    message: str
    fix: str | None = None
    suggestions: list[str] = Field(default_factory=list)
    # the system failed (DocuSign unreachable or refusing our credentials, the store down), not the
    # request: the command line exits 1
    system: bool = False


Result = Ok | Denied | ConfirmationNeeded | PendingApproval | DryRun | Error

OUTCOMES = {
    "ok": "done",
    "denied": "denied",
    "needs_confirmation": "needs_confirmation",
    "pending_approval": "pending_approval",
    "dry_run": "dry_run",
    "error": "error",
}


def outcome_of(result: Result) -> str:
    return OUTCOMES[result.kind]
