""""What's waiting for me?": the approval requests themselves, and how to decide them where one asks.

Why here and not in a backend: a model (or the offline planner) can only tell that the person asks
about approval requests; reading the approval book and knowing which channel the person is in are
the conversation's (``Conversation``). Pointing everyone at the command line was wrong on Slack, the
web service and MCP, where the request can be decided in place: each channel's way is data below.

Who sees what is one rule (``waiting_for``), used by this answer and by ``Agent.approvals(mine=True)``:
an approver sees the requests someone else made for a role they hold; anyone else their own requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# channel -> how a request listed in the reply is decided there ({id} is the first one listed)
HOW_TO_DECIDE: dict[str, str] = {
    "cli": "To decide one: `dsadmin approvals approve {id} --as {email}` or "
           "`dsadmin approvals deny {id} --as {email}` "
           "(`dsadmin approvals show {id} --as {email}` shows the exact call).",
    "slack": "Each one is posted below with Approve and Deny buttons: press one to decide it here.",
    "web": "Decide them on the inbox page (/inbox), or through the HTTP API: "
           "POST /api/v1/approvals/{id}/approve or /deny.",
    "mcp": "Decide one on the service's inbox page (/inbox) or with `dsadmin approvals approve {id}`: "
           "no MCP tool approves, so a client's model can never decide a request for you.",
    "api": "Decide one with Agent.decide(person, \"{id}\", approve=True) (or approve=False).",
}
CHANNELS = tuple(HOW_TO_DECIDE)
NOT_APPROVER = "You are not an approver, so nothing waits for your decision."


def is_approver(roles: Iterable[str], actionable: list[Any]) -> bool:
    """An approver holds the approver role, or a role some pending request waits for."""
    return "approver" in set(roles) or bool(actionable)


def waiting_for(email: str, roles: Iterable[str], views: list[Any]) -> tuple[list[Any], bool]:
    """(the requests that concern this person, whether they are an approver): for an approver, the
    ones someone else made for a role they hold; for anyone else, their own."""
    held = set(roles)
    actionable = [v for v in views if v.approver_role in held and v.requester != email]
    if is_approver(held, actionable):
        return actionable, True
    return [v for v in views if v.requester == email], False


def answer(email: str, roles: Iterable[str], pending: list[Any], channel: str) -> tuple[str, list[Any]]:
    """The reply to "what's waiting for me?" from the pending requests the person may see, and the
    requests it lists (a channel may show them with its own controls)."""
    from agent.render import preview_text, when

    shown, approver = waiting_for(email, roles, pending)
    if approver and not shown:
        return "Nothing is waiting for your approval.", []
    lines = [f"{len(shown)} request{'s' if len(shown) != 1 else ''} waiting for your decision:"] \
        if approver else [NOT_APPROVER + (" Your own requests still waiting for an approver:" if shown
                                          else " You have no requests waiting for an approver.")]
    for view in shown:
        who = f" from {view.requester}" if approver else f" (for an {view.approver_role})"
        lines.append(f"- {view.id}{who}: {view.summary} (expires {when(view.expires_at)})"
                     + preview_text(view.preview).replace("\n", "\n    "))
    if approver:
        how = HOW_TO_DECIDE.get(channel, HOW_TO_DECIDE["cli"])
        lines.append(how.format(id=shown[0].id, email=email))
    return "\n".join(lines), shown
