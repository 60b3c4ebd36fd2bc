"""What the policy engine may answer, and the words every layer uses for decisions and outcomes.

A decision is data, not control flow: the gate turns ``NeedsConfirmation`` into a one-time token
and ``NeedsApproval`` into a stored request; nothing here performs I/O.

Why the two vocabularies live here, at the bottom of the stack: the gate, the audit payloads, the
bulk plans, the conversation, the channels and the evals all name the same states, and a state
spelled as a loose string in one of them drifts from the others. ``DecisionKind`` is what the policy
answers for one call; ``Outcome`` is what a request came to, as a person (and ``--json``) reads it.
Both are ``StrEnum``: a member *is* its string, so audit events and JSON stored before the enums
existed compare equal to them and read back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DecisionKind(StrEnum):
    """The policy's answer for one call."""

    ALLOW = "allow"
    DENY = "deny"
    NEEDS_CONFIRMATION = "needs_confirmation"
    NEEDS_APPROVAL = "needs_approval"


class Outcome(StrEnum):
    """What one request (or one confirmation, or one approval) came to: a closed set."""

    DONE = "done"
    DENIED = "denied"
    NEEDS_CONFIRMATION = "needs_confirmation"
    PENDING_APPROVAL = "pending_approval"
    DRY_RUN = "dry_run"
    CLARIFY = "clarify"  # the agent asked the person a question back; nothing was decided
    ERROR = "error"
    # recorded in the audit log's action_result events only, never a reply's outcome
    DECLINED = "declined"  # the person declined a confirmation
    SUBMITTED = "submitted"  # a bulk job handed to DocuSign, its rows not yet done


@dataclass(frozen=True, slots=True)
class Allow:
    rule: str
    kind: DecisionKind = field(default=DecisionKind.ALLOW, init=False)


@dataclass(frozen=True, slots=True)
class Deny:
    reasons: tuple[str, ...]
    who_could: tuple[str, ...] = ()
    rule: str = "deny"
    kind: DecisionKind = field(default=DecisionKind.DENY, init=False)


@dataclass(frozen=True, slots=True)
class NeedsConfirmation:
    rule: str
    why: str = ""  # the policy condition that asks for it, as a person reads it
    kind: DecisionKind = field(default=DecisionKind.NEEDS_CONFIRMATION, init=False)


@dataclass(frozen=True, slots=True)
class NeedsApproval:
    approver_role: str
    ttl_seconds: int
    rule: str
    kind: DecisionKind = field(default=DecisionKind.NEEDS_APPROVAL, init=False)


Decision = Allow | Deny | NeedsConfirmation | NeedsApproval
