"""Who hears of what, and the words: one table from outbox event to audience and sentence.

Approvers hear of new requests; requesters hear of approval, denial, execution (or its failure)
and expiry. Recipients are the configured people: approvers are the ``people.approvers`` entries
that are emails (an ``@domain`` pattern names no one in particular, so it receives nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# event -> (audience, subject template, body template)
EVENTS: dict[str, tuple[str, str, str]] = {
    "requested": (
        "approvers",
        "dsadmin: {requester} asks for approval ({id})",
        "{requester} asks: {summary}\nIt expires {expires_at}. Approve or deny it in the inbox "
        "({base}/inbox) or with `dsadmin approvals approve {id}`.",
    ),
    "approved": (
        "requester",
        "dsadmin: your request {id} was approved",
        "{approver} approved your request: {summary}\nIt now runs once, through the policy gate.",
    ),
    "denied": (
        "requester",
        "dsadmin: your request {id} was denied",
        "{approver} denied your request: {summary}\nReason: {reason}\nNothing was changed.",
    ),
    "executed": ("requester", "dsadmin: your request {id} is done", "Done: {summary}"),
    "failed": (
        "requester",
        "dsadmin: your request {id} failed",
        "Your approved request could not be carried out: {summary}\nSee {base}/requests for details.",
    ),
    "expired": (
        "requester",
        "dsadmin: your request {id} expired",
        "Nobody decided on your request in time, so it expired: {summary}\nNothing was changed.",
    ),
}


@dataclass(frozen=True)
class Notice:
    event: str
    approval_id: str
    recipients: tuple[str, ...]
    subject: str
    text: str

    def as_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "approval_id": self.approval_id,
            "recipients": list(self.recipients),
            "subject": self.subject,
            "text": self.text,
        }


def compose(event: str, view: Any, approvers: list[str], base_url: str | None = None) -> Notice:
    """``base_url``: where people reach the service (``auth.public_url``), so a link in an email opens
    the page; without it the links stay paths, for the reader to put after the service's address."""
    audience, subject, body = EVENTS[event]
    fields = {
        "base": (base_url or "").rstrip("/"),
        "id": view.id,
        "requester": view.requester,
        "summary": view.summary,
        "approver": view.approver or "an approver",
        "reason": view.reason or "(none given)",
        "expires_at": view.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
    }
    if audience == "approvers":
        recipients = tuple(sorted(a for a in approvers if not a.startswith("@") and a != view.requester))
    else:
        recipients = (view.requester,)
    return Notice(event, view.id, recipients, subject.format(**fields), body.format(**fields))
