"""What a call carries through the gate, and whom its DocuSign requests are attributed to.

Why a context variable: the client reports each request it makes (``on_request``) without knowing
which gate call made it; the gate sets the call in progress here, so every ``docusign_request``
event names the actor, session, action and target it was made for, even across threads that copy
the context.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from policies.call import Actor
from tools.actions import AnyAction, ToolCall
from tools.operations import Env, Operation
from tools.ports import AuditTrail

if TYPE_CHECKING:  # annotations only
    from tools.docusign._sender import RequestRecord

_current: ContextVar[_CallContext | None] = ContextVar("dsadmin_gate_call", default=None)


@dataclass(frozen=True)
class _CallContext:
    """Who and what the DocuSign requests made now belong to (for their audit events)."""

    actor: str
    session_id: str | None
    action: str
    target: str | None
    call_id: str


@dataclass(frozen=True)
class _Consent:
    """What a re-submission carries: the consent given and the exact call it was given for."""

    confirmed: bool = False
    approved_by: str | None = None
    approval_id: str | None = None
    fingerprint: str | None = None
    origin: str = "model"
    dry_run: bool = False
    taken_over: bool = False  # a recovery holds the claim already (see Gate.recover)


@dataclass(frozen=True)
class _Step:
    """One call on its way through the pipeline, once validated."""

    actor: Actor
    call: ToolCall
    session_id: str | None
    consent: _Consent
    action: AnyAction
    module: Operation
    ids: dict[str, str]
    env: Env


def request_auditor(audit: AuditTrail) -> Callable[[RequestRecord], None]:
    """An ``on_request`` callback for ``AdminClient``: one ``docusign_request`` event per request,
    attributed to the gate call in progress (actor, session, action, target)."""

    def record(rec: RequestRecord) -> None:
        ctx = _current.get()
        payload = {"method": rec.method, "path": rec.path_template, "status": rec.status,
                   "duration_ms": round(rec.duration_ms, 1), "retries": rec.retries,
                   "request_id": rec.request_id}
        if ctx is None:
            audit.append("docusign_request", payload=payload)
            return
        audit.append("docusign_request", session_id=ctx.session_id, actor=ctx.actor, action=ctx.action,
                     target=ctx.target, payload={**payload, "call_id": ctx.call_id})

    return record

