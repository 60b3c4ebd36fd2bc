"""What the gate hands back: written for the model and the person alike, never holding a secret.

A closed union keyed by ``kind``. What a result means is said in the one vocabulary of
``policies.decision``: ``outcome_of`` (the ``Outcome`` the CLI's ``--json``, the channels and the
evals report) and ``decision_of`` (the policy's ``DecisionKind`` behind it), never by reading text.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from policies.decision import DecisionKind, Outcome

ErrorCause = Literal["consent_required", "forbidden", "unknown_user"]


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
    decision: DecisionKind  # allow | needs_confirmation | needs_approval
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
    # why it failed, typed, so a channel or a planner acts on it without reading ``message``:
    # consent_required (the integration lacks the admin's consent), forbidden (HTTP 403),
    # unknown_user (the call's email names no user of the organization: a typo may be offered back)
    cause: ErrorCause | None = None


Result = Ok | Denied | ConfirmationNeeded | PendingApproval | DryRun | Error

OUTCOMES: dict[str, Outcome] = {
    "ok": Outcome.DONE,
    "denied": Outcome.DENIED,
    "needs_confirmation": Outcome.NEEDS_CONFIRMATION,
    "pending_approval": Outcome.PENDING_APPROVAL,
    "dry_run": Outcome.DRY_RUN,
    "error": Outcome.ERROR,
}

# the policy decision a result stands for (an error was never decided: None)
DECISIONS: dict[str, DecisionKind] = {
    "ok": DecisionKind.ALLOW,
    "denied": DecisionKind.DENY,
    "needs_confirmation": DecisionKind.NEEDS_CONFIRMATION,
    "pending_approval": DecisionKind.NEEDS_APPROVAL,
}


def outcome_of(result: Result) -> Outcome:
    return OUTCOMES[result.kind]


def decision_of(result: Result) -> DecisionKind | None:
    """The policy's decision behind a result; a dry run carries the decision it would have had."""
    if isinstance(result, DryRun):
        return result.decision
    return DECISIONS.get(result.kind)
