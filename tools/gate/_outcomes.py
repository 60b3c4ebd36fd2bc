"""How each gate call ends, and what each ending leaves on record: asked to confirm, sent to an
approver, denied, failed, voided or done.

Why one place: an approved request must be closed however its run ends (``_settle``), and every
ending writes its audit event the same way (``_audit``); keeping the endings together keeps those
two promises in one reading. ``_Outcomes`` is also where the state the gate's parts share is
declared (``Gate.__init__`` sets it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policies.approvals import ApprovalError
from policies.call import Actor, ResolvedCall
from policies.decision import Deny, NeedsApproval, NeedsConfirmation
from policies.decision import Outcome as RequestOutcome
from policies.serial import AccountLocks
from tools.actions import ToolCall
from tools.gate._context import _Consent
from tools.gate._results import _explain, _ids, _iso, _target_of
from tools.operations import OperationError, Outcome
from tools.ports import Approvals, AuditTrail, Confirmations
from tools.results import ConfirmationNeeded, Denied, Error, Ok, PendingApproval, Result

if TYPE_CHECKING:  # annotations only
    from policies.engine import Policy
    from tools.docusign.cache import DirectoryCache
    from tools.docusign.client import AdminClient
    from tools.docusign.resolvers import Directory

# approval refusals that are about who decides (policy), not about the request itself
_NOT_YOURS_TO_DECIDE = frozenset({"self_approval", "wrong_role"})


class _Outcomes:
    """The endings of a gate call; the state every part of the gate shares (set by ``Gate.__init__``)."""

    client: AdminClient
    policy: Policy
    audit: AuditTrail
    approvals: Approvals
    confirmations: Confirmations
    directory_cache: DirectoryCache | None
    bulk_files: Path | None
    bulk_state: Path | None
    job_sleep: Callable[[float], None]
    job_interval: float
    job_timeout: float
    _clock: Callable[[], datetime]
    _org_id: str | None
    _directory: Directory | None
    _lock: threading.Lock
    _actors: Callable[[str], Actor]
    _locks: AccountLocks
    _issued: dict[tuple[str, str], tuple[str, datetime]]

    def _ask_confirmation(self, actor: Actor, session_id: str | None, call: ToolCall, resolved: ResolvedCall,
                          summary: str, decision: NeedsConfirmation, ids: dict[str, str],
                          preview: list[dict[str, Any]]) -> Result:
        fingerprint = resolved.fingerprint()
        key = (actor.email, fingerprint)
        reused = self._issued.get(key)
        live = self.confirmations.live(reused[0], actor) if reused else None
        if reused and live is not None and live.call_hash == fingerprint:
            token, expires_at = reused  # asked again for the same call: the same token
        else:
            # the book writes the confirmation_issued event (with the call hash, never the token)
            token, expires_at = self.confirmations.issue(actor, resolved, summary, session_id=session_id,
                                                         preview=preview)
            now = self._clock()
            self._issued = {k: v for k, v in self._issued.items() if v[1] > now}  # only live ones kept
            self._issued[key] = (token, expires_at)
        return ConfirmationNeeded(**ids, summary=f"This will {summary}. Confirm to go ahead.", token=token,
                                  expires_at=_iso(expires_at), preview=preview, why=decision.why or None)

    def _ask_approval(self, actor: Actor, session_id: str | None, call: ToolCall, resolved: ResolvedCall,
                      summary: str, decision: NeedsApproval, consent: _Consent,
                      ids: dict[str, str], preview: list[dict[str, Any]]) -> Result:
        same = self.approvals.pending_for(actor.email, resolved.fingerprint())
        if same:  # the same request again: merged into the one already waiting
            approval = same[0]
        else:
            limit = self.policy.max_open_requests
            if len(self.approvals.pending_for(actor.email)) >= limit:
                return self._denied(actor, session_id, call, consent, Deny((
                    f"{actor.email} already has {limit} requests waiting for an approver (the policy's "
                    "limit); wait until some are decided, then ask again",), rule="max_open_requests"), ids)
            approval = self.approvals.request(actor, resolved, summary, decision.approver_role,
                                              decision.ttl_seconds, session_id=session_id, preview=preview)
        approval_id = approval.id  # the book writes the approval_requested event
        return PendingApproval(**ids, summary=f"Request {approval_id} to {summary} is waiting for an "
                               f"{decision.approver_role}'s approval; nothing has changed yet.",
                               approval_id=approval_id, approver_role=decision.approver_role, preview=preview)

    def _denied(self, actor: Actor, session_id: str | None, call: ToolCall, consent: _Consent,
                decision: Deny, ids: dict[str, str]) -> Result:
        result = Denied(**ids, reasons=list(decision.reasons), who_could=list(decision.who_could))
        self._audit("action_result", actor, session_id, call, {"outcome": RequestOutcome.DENIED,
                                                              "reasons": result.reasons})
        self._settle(consent, ok=False, result=result)
        return result

    def _approval_refused(self, approver: Actor, session_id: str | None, blank: ToolCall,
                          exc: ApprovalError) -> Result:
        """Approving one's own request, or without the approver role, is a policy refusal (denied);
        an unknown, expired or already decided request is an error to fix."""
        if exc.code not in _NOT_YOURS_TO_DECIDE:
            return self._failed(approver, session_id, blank, "approval", exc)
        result = Denied(call_id=blank.id, reasons=[f"{exc}; nothing was changed"],
                        who_could=["a person with the approver role other than the requester"])
        self._audit("action_result", approver, session_id, blank,
                    {"outcome": RequestOutcome.DENIED, "reasons": result.reasons, "code": exc.code})
        return result

    def _void(self, actor: Actor, session_id: str | None, call: ToolCall, consent: _Consent,
              fingerprint: str, ids: dict[str, str]) -> Result:
        if consent.approval_id is not None:
            # presenting the changed call's hash is what voids the approval in the book
            self.approvals.claim_for_execution(consent.approval_id, fingerprint)
        exc = OperationError(
            f"the {consent.origin} was given for a different call than the one now resolved (names, "
            f"accounts, profiles or groups changed meanwhile); it is void and nothing was changed",
            fix="make the request again")
        return self._failed(actor, session_id, call, consent.origin, exc, ids)

    def _finish(self, actor: Actor, session_id: str | None, call: ToolCall, consent: _Consent,
                ids: dict[str, str], outcome: Outcome, preview: list[dict[str, Any]] | None = None) -> Result:
        result = Ok(**ids, summary=outcome.summary, changed=outcome.changed, data=outcome.data,
                    next_cursor=outcome.next_cursor, preview=preview or [])
        self._audit("action_result", actor, session_id, call, {
            "outcome": RequestOutcome.DONE, "changed": outcome.changed, "summary": outcome.summary,
            **({"preview": preview} if preview else {})})
        self._settle(consent, ok=True, result=result)
        return result

    def _failed(self, actor: Actor, session_id: str | None, call: ToolCall, step: str, exc: Exception,
                ids: dict[str, str] | None = None, consent: _Consent | None = None) -> Result:
        result = Error(**(ids or _ids(call)), **_explain(exc))
        with suppress(Exception):  # the store is down: the person still gets the error; nothing ran after
            self._audit("error", actor, session_id, call, {"step": step, "message": result.message,
                                                           "type": type(exc).__name__})
        if consent is not None:
            self._settle(consent, ok=False, result=result)
        return result

    def _settle(self, consent: _Consent, *, ok: bool, result: Result) -> None:
        """Close an approved request with how it ended, whatever the ending (a refusal, a no-op, an
        error, a success): claim it if the run has not yet (the book lets one claim through), then
        record the result. A request the book will not let us claim (void, expired) stays as is."""
        if consent.approval_id is None or consent.fingerprint is None:
            return
        with suppress(Exception):  # the claim and finish refuse what is not ours; nothing to record then
            self.approvals.claim_for_execution(consent.approval_id, consent.fingerprint)
            self.approvals.finish(consent.approval_id, ok, result.model_dump_json())

    def _audit(self, kind: str, actor: Actor, session_id: str | None, call: ToolCall,
               payload: dict[str, Any]) -> None:
        self.audit.append(kind, session_id=session_id, actor=actor.email, action=call.action or None,
                          target=_target_of(call), payload=payload)

