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


class Ok(_Result):
    kind: Literal["ok"] = "ok"
    summary: str
    changed: bool = False
    data: Any = None
    next_cursor: str | None = None


class Denied(_Result):
    kind: Literal["denied"] = "denied"
    reasons: list[str]
    who_could: list[str] = Field(default_factory=list)


class ConfirmationNeeded(_Result):
    kind: Literal["needs_confirmation"] = "needs_confirmation"
    summary: str
    token: str
    expires_at: str


class PendingApproval(_Result):
    kind: Literal["pending_approval"] = "pending_approval"
    summary: str
    approval_id: str
    approver_role: str


class Error(_Result):
    kind: Literal["error"] = "error"
    message: str
    fix: str | None = None
    suggestions: list[str] = Field(default_factory=list)
    # the system failed (DocuSign unreachable or refusing our credentials, the store down), not the
    # request: the command line exits 1
    system: bool = False


Result = Ok | Denied | ConfirmationNeeded | PendingApproval | Error

OUTCOMES = {
    "ok": "done",
    "denied": "denied",
    "needs_confirmation": "needs_confirmation",
    "pending_approval": "pending_approval",
    "error": "error",
}


def outcome_of(result: Result) -> str:
    return OUTCOMES[result.kind]
