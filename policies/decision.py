"""What the policy engine may answer: a closed set, so every caller handles every case.

A decision is data, not control flow: the gate turns ``NeedsConfirmation`` into a one-time token
and ``NeedsApproval`` into a stored request; nothing here performs I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Allow:
    rule: str
    kind: str = field(default="allow", init=False)


@dataclass(frozen=True, slots=True)
class Deny:
    reasons: tuple[str, ...]
    who_could: tuple[str, ...] = ()
    rule: str = "deny"
    kind: str = field(default="deny", init=False)


@dataclass(frozen=True, slots=True)
class NeedsConfirmation:
    summary: str
    rule: str
    why: str = ""  # the policy condition that asks for it, as a person reads it
    kind: str = field(default="needs_confirmation", init=False)


@dataclass(frozen=True, slots=True)
class NeedsApproval:
    summary: str
    approver_role: str
    ttl_seconds: int
    rule: str
    kind: str = field(default="needs_approval", init=False)


Decision = Allow | Deny | NeedsConfirmation | NeedsApproval
