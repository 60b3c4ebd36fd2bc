"""What every network channel may do, on the one runtime: ask, confirm, read and decide requests.

Why one module: the HTTP API and the web pages must refuse and allow exactly the same things, so
both call these functions, which call the public API (``agent.api``) the CLI calls. The read
scoping is the API's (``agent.api.VISIBILITY``): a request is visible to its requester, to the
people holding the role that may approve it, and to admins; the audit log only to admins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent.api import Agent, Person, Reply, can_see
from agent.api import Refused as _ApiRefused
from policies.call import Actor

if TYPE_CHECKING:
    from agent.runtime import Runtime

AUDIT_ROLES = ("admin",)
STATUS = {"invalid": 422, "forbidden": 403, "not_found": 404, "conflict": 409}  # API refusal -> HTTP


class Refused(Exception):
    """A refusal before anything ran: ``status`` is the HTTP status (403, 404, 409)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def can_read_audit(actor: Actor) -> bool:
    return any(actor.has(role) for role in AUDIT_ROLES)


def _api(rt: Runtime, actor: Actor) -> tuple[Agent, Person]:
    """The public API on the service's runtime (which the app owns and closes), as the signed-in person."""
    return Agent(rt), Person(actor.email, actor.roles)


def ask(rt: Runtime, actor: Actor, text: str, session_id: str | None = None) -> Reply:
    """One request through a conversation (resumed when ``session_id`` is the person's own)."""
    dsadmin, person = _api(rt, actor)
    try:
        return dsadmin.ask(person, text, session_id=session_id, channel="web")
    except _ApiRefused as exc:
        raise Refused(STATUS[exc.kind], exc.message) from None


def transcript(rt: Runtime, actor: Actor, session_id: str | None) -> list[tuple[str, str]]:
    """(role, text) of a session's plain-text messages, for the chat page: read-only, and only the
    owner's (another person's or an unknown session id reads as empty)."""
    from sqlalchemy import select

    from audit.models import Session, SessionMessage

    with rt.engine.connect() as conn:
        owner = conn.execute(select(Session.actor).where(Session.id == session_id)).scalar()
        if owner != actor.email:
            return []
        rows = conn.execute(
            select(SessionMessage.role, SessionMessage.content)
            .where(SessionMessage.session_id == session_id)
            .order_by(SessionMessage.seq)
        ).all()
    lines = []
    for role, content in rows:
        blocks = content.get("content") if isinstance(content, dict) else content
        for block in blocks if isinstance(blocks, list) else []:
            if isinstance(block, dict) and block.get("type") == "text" and block.get("text"):
                lines.append((role, block["text"]))
    return lines


def confirm(rt: Runtime, actor: Actor, token: str, accept: bool) -> Reply:
    """The person's answer to a confirmation; the gate refuses anyone but its owner."""
    dsadmin, person = _api(rt, actor)
    return dsadmin.confirm(person, token, accept=accept)


def visible(rt: Runtime, actor: Actor, status: str | None = None, limit: int = 200) -> list[Any]:
    return [v for v in rt.approvals.list(status, limit=limit) if can_see(actor, v)]


def actionable(rt: Runtime, actor: Actor) -> list[Any]:
    """Pending requests this person may decide: someone else's, for a role they hold."""
    return [
        v for v in rt.approvals.list("pending") if actor.has(v.approver_role) and v.requester != actor.email
    ]


def approval(rt: Runtime, actor: Actor, approval_id: str) -> Any:
    view = rt.approvals.get(approval_id)
    if view is None or not can_see(actor, view):
        raise Refused(404, f"no approval request {approval_id!r} that you may see")
    return view


def decide(rt: Runtime, actor: Actor, approval_id: str, approve: bool, reason: str | None) -> Reply:
    """Approve (it then runs once, through the gate) or deny; refusals change nothing."""
    dsadmin, person = _api(rt, actor)
    try:
        return dsadmin.decide(person, approval_id, approve=approve, reason=reason, strict=True)
    except _ApiRefused as exc:
        raise Refused(STATUS[exc.kind], exc.message) from None


def audit_events(
    rt: Runtime,
    actor: Actor,
    *,
    n: int = 100,
    actor_filter: str | None = None,
    kind: str | None = None,
    target: str | None = None,
) -> tuple[list[Any], Any]:
    """The newest events matching the filters and the chain's verify report (admins only)."""
    if not can_read_audit(actor):
        raise Refused(403, "the audit log is for admins")
    try:
        events = rt.audit.tail(n, actor=actor_filter or None, kind=kind or None, target=target or None)
    except ValueError as exc:
        raise Refused(422, str(exc)) from None
    return events, rt.audit.verify()
