"""The approval requests as the API serves them: read (scoped by ``can_see``), answered ("what's
waiting for me?"), decided, recovered. A mixin of ``Agent``: every method reads the person's roles
again from the configuration (``_actor``) and decides through the gate (``_decided``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent.api.refusals import Refused
from agent.api.values import ApprovalRequest
from agent.api.visibility import UNDECIDABLE, can_see

if TYPE_CHECKING:
    from agent.api.replies import Reply
    from agent.api.values import Person
    from agent.runtime import Runtime
    from policies.call import Actor
    from tools.results import Result


class Approvals:
    """``Agent``'s approval methods (see the module docstring)."""

    runtime: Runtime

    if TYPE_CHECKING:
        def _actor(self, person: Person) -> Actor: ...
        def _decided(self, result: Result, args: dict[str, Any] | None = None) -> Reply: ...

    def approvals(self, person: Person, status: str | None = "pending", *, limit: int = 200,
                  mine: bool = False, own: bool = False) -> list[ApprovalRequest]:
        """Requests ``person`` may see, newest first: their own, those for a role they hold, every one
        for an admin. ``status``: pending, approved, denied, expired, executed, failed, or None for
        all. ``mine``: an approver's actionable ones (someone else's, for a role they hold), anyone
        else's own. ``own``: only those ``person`` made."""
        actor = self._actor(person)
        try:
            views = self.runtime.approvals.list(status, limit=limit, requester=actor.email if own else None)
        except ValueError as exc:
            raise Refused("invalid", f"status: {exc}") from None
        if mine:
            from agent.waiting import waiting_for

            views = waiting_for(actor.email, actor.roles, views)[0]
        return [ApprovalRequest.from_view(v) for v in views if can_see(actor, v)]

    def waiting(self, person: Person, channel: str = "api") -> tuple[str, tuple[ApprovalRequest, ...]]:
        """"What's waiting for me?" answered for ``person`` without a conversation: the reply's words
        (how to decide them in ``channel`` included) and the requests it lists: an approver's to
        decide, anyone else's own pending ones (``agent.waiting``)."""
        from agent.waiting import answer

        actor = self._actor(person)
        text, shown = answer(actor.email, actor.roles, self.runtime.approvals.list("pending"), channel)
        return text, tuple(ApprovalRequest.from_view(v) for v in shown)

    def approval(self, person: Person, approval_id: str) -> ApprovalRequest:
        """One request, if ``person`` may see it (else ``Refused('not_found')``: its existence is not
        disclosed)."""
        view = self.runtime.approvals.get(approval_id.strip())
        if view is None or not can_see(self._actor(person), view):
            raise Refused("not_found", f"no approval request {approval_id!r} that {person.email} may see")
        return ApprovalRequest.from_view(view)

    def approval_status(self, approval_id: str) -> str | None:
        """The status of request ``approval_id`` (None: no such request), and nothing more: for a
        channel showing buttons on a request message, which must say "nothing left to decide"
        before a press reaches the gate. Whoever holds an id learns only whether it is pending; the
        request itself is read with ``approval`` by those who may see it."""
        view = self.runtime.approvals.get(approval_id.strip())
        return None if view is None else str(view.status)

    def approval_for_notice(self, approval_id: str) -> ApprovalRequest | None:
        """A request as the notification outbox delivers it to the recipients the outbox chose (no
        person asks: the outbox runs as the service)."""
        view = self.runtime.approvals.get(approval_id.strip())
        return None if view is None else ApprovalRequest.from_view(view)

    def check_decidable(self, person: Person, approval_id: str, *, approve: bool) -> ApprovalRequest:
        """The request, if ``person`` may decide it now; else ``Refused`` naming why (one they may not
        see is not disclosed; their own, a role they lack: forbidden; no longer pending: conflict).
        For a channel that asks for something (a reason) before deciding."""
        from policies.approvals import ApprovalError

        request = self.approval(person, approval_id)
        try:
            self.runtime.approvals.check_decidable(request.id, self._actor(person), approve=approve)
        except ApprovalError as exc:
            raise Refused(UNDECIDABLE.get(exc.code, "conflict"), str(exc)) from None
        return request

    def decide(self, person: Person, approval_id: str, *, approve: bool, reason: str | None = None,
               strict: bool = False, session_id: str | None = None) -> Reply:
        """Approve (the request then runs once, through the gate, as its requester's call) or deny.

        ``strict``: refuse up front (``Refused``) what the gate would refuse: one's own request, a
        role the person lacks, a request no longer pending; otherwise the gate's refusal comes back
        as the reply (outcome denied or error), audited."""
        actor = self._actor(person)
        approval_id = approval_id.strip()
        if strict:
            self.check_decidable(person, approval_id, approve=approve)
        gate = self.runtime.gate
        result = gate.approve(actor, approval_id, reason=reason, session_id=session_id) if approve else \
            gate.deny(actor, approval_id, reason=reason, session_id=session_id)
        return self._decided(result)

    def recover(self, *, older_than: Any = None) -> list[tuple[str, Reply]]:
        """Finish approved requests a crash interrupted (each finished, marked done, or run, once);
        ``older_than``: a timedelta, default the approval lease."""
        options = {} if older_than is None else {"older_than": older_than}
        return [(approval_id, self._decided(result))
                for approval_id, result in self.runtime.gate.recover(**options)]
