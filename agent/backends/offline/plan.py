"""What one planning step hands back: a reply, the calls to propose, or a question with its state.

Why its own module: the planner, its lookups, its questions and the backend all build or read it,
and none of them should have to import the others to do so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tools.actions import ToolCall


@dataclass
class Plan:
    text: str = ""
    calls: list[ToolCall] | None = None
    clarify: bool = False
    state: dict[str, Any] | None = None
    hold: str | None = None  # why the writes proposed must wait for the person's yes (``ModelTurn.hold``)
    about: Literal["approvals"] | None = None  # answered by the conversation (``ModelTurn.about``)


def noted(plan: Plan, notes: list[str]) -> Plan:
    """Say whom each name was taken to be, before whatever comes next."""
    if notes:
        plan.text = ".\n".join(notes) + "." + (f"\n\n{plan.text}" if plan.text else "")
    return plan


def memberships(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The memberships a user_memberships read returned (none when it failed)."""
    rows = ((result.get("data") or {}).get("memberships") or []) if result.get("kind") == "ok" else []
    return [m for m in rows if isinstance(m, dict) and m.get("account")]
