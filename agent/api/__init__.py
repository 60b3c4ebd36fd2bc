"""The public Python API: dsadmin's agent inside another program, on the same gate as every channel.

Why a small typed surface: a program embedding the agent (a portal, a ticketing hook, a chat bot)
needs to ask as the person *it* authenticated, read what happened from typed values (an outcome from
a closed enum, the previews a confirmation would apply, the tokens and request ids, the gate's
receipts) and answer a confirmation or an approval, without learning the runtime, the gate or the
store. The command line's ``ask``, ``chat``, ``confirm`` and ``approvals`` and the service's HTTP API
are built on these same calls, so this surface is exercised by every test of theirs and cannot rot.

    from agent import Agent, Outcome

    with Agent.open() as dsadmin:                       # the configuration dsadmin itself would load
        admin = dsadmin.person("admin@acme.com")       # your program vouches for this identity
        reply = dsadmin.ask(admin, "Purge tom.baker@acme.com")
        if reply.outcome is Outcome.NEEDS_CONFIRMATION:
            dsadmin.confirm(admin, reply.confirmation_token)

Identity: a ``Person`` carries the email the embedding program authenticated; roles are always read
again from the configuration's ``people`` on each call, so a ``Person`` built by hand with made-up
roles gains nothing. Bad input raises ``Refused`` (naming what to fix) before anything runs; a
configuration or store that cannot be used raises ``SetupFailed``. Neither ever follows a write.

The package keeps one job a module: ``core`` (``Agent``), ``approvals`` (its approval methods),
``session``, ``replies``, ``values``, ``refusals`` and ``visibility`` (who may read a request).
Channels import only the names below.
"""

from __future__ import annotations

from agent.api.core import Agent
from agent.api.refusals import ApiError, Refused, SetupFailed
from agent.api.replies import SANDBOX_NOTE, Reply
from agent.api.session import Session
from agent.api.values import ApprovalRequest, Change, PendingConfirmation, Person, Receipt, ToolSpec
from agent.api.visibility import VISIBILITY, can_see
from policies.decision import DecisionKind, Outcome

__all__ = [
    "SANDBOX_NOTE",
    "VISIBILITY",
    "Agent",
    "ApiError",
    "ApprovalRequest",
    "Change",
    "DecisionKind",
    "Outcome",
    "PendingConfirmation",
    "Person",
    "Receipt",
    "Refused",
    "Reply",
    "Session",
    "SetupFailed",
    "ToolSpec",
    "can_see",
]
