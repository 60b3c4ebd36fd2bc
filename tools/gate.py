"""The one chokepoint between a proposed call and DocuSign: validate, resolve, decide, execute, audit.

Why one class and a permit: the client's write methods refuse to run unless ``guard.permit`` is
in force, and this module is the only product code that opens one (a test walks the repository
to keep it so). Everything a model proposes therefore crosses ``Gate.submit``; confirmations and
approvals re-enter through the same path with the stored call, which is re-validated,
re-resolved and must hash to what the person confirmed or the approver approved, so a changed
call cannot ride on an old consent.

Steps, each leaving an audit event: model_proposal -> validation_error | (resolve) -> decision ->
confirmation_issued | approval_requested | (execute: docusign_request per request) ->
action_result | error. Anything unexpected (unknown action, store error, policy error) ends in a
refusal or an error result: the gate fails closed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from audit.db import StoreError
from audit.redact import redact
from policies import decide
from policies.approvals import LEASE, ApprovalError, crash_point
from policies.call import Actor, PolicyState, ResolvedCall
from policies.confirmations import ConfirmationError
from policies.decision import Allow, Deny, NeedsApproval, NeedsConfirmation
from tools.actions import WRITE_ACTIONS, InvalidCall, ToolCall, parse_call
from tools.docusign import errors
from tools.docusign.guard import permit
from tools.docusign.resolvers import Directory, ResolutionError
from tools.operations import OPERATIONS, Env, OperationError, Outcome, Target
from tools.results import ConfirmationNeeded, Denied, Error, Ok, PendingApproval, Result

# approval refusals that are about who decides (policy), not about the request itself
_NOT_YOURS_TO_DECIDE = frozenset({"self_approval", "wrong_role"})

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
    taken_over: bool = False  # a recovery holds the claim already (see Gate.recover)


def request_auditor(audit: Any) -> Callable[[Any], None]:
    """An ``on_request`` callback for ``AdminClient``: one ``docusign_request`` event per request,
    attributed to the gate call in progress (actor, session, action, target)."""

    def record(rec: Any) -> None:
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


class Gate:
    """Submit proposed calls; confirm, approve or deny what they left pending."""

    def __init__(self, client: Any, policy: Any, audit: Any, approvals: Any, confirmations: Any, *,
                 organization_id: str | None = None, clock: Callable[[], datetime] | None = None,
                 actors: Callable[[str], Actor] | None = None) -> None:
        self.client = client
        self.policy = policy
        self.audit = audit
        self.approvals = approvals
        self.confirmations = confirmations
        self._clock = clock or (lambda: datetime.now(UTC))
        self._org_id = organization_id  # None: the only organization the identity administers
        self._directory: Directory | None = None
        self._lock = threading.Lock()
        # the requester of an approval is re-judged with their roles; without a lookup, as an employee
        self._actors = actors or (lambda email: Actor(email=email, roles=frozenset({"employee"})))

    # -- public surface -------------------------------------------------------------------------------

    def submit(self, actor: Actor, call: ToolCall, *, session_id: str | None = None) -> Result:
        """Run a proposed call through every step; the answer is what the model and person see."""
        return self._guarded(actor, call, session_id, _Consent())

    def confirm(self, actor: Actor, token: str, *, accept: bool = True,
                session_id: str | None = None) -> Result:
        """A person's answer to a confirmation (channel only; never a model tool)."""
        blank = ToolCall(id="confirmation", action="", args={})
        try:
            if not accept:
                self.confirmations.decline(token, actor)
                self._audit("action_result", actor, session_id, blank,
                            {"outcome": "declined", "summary": "confirmation declined"})
                return Ok(call_id=blank.id, summary="Cancelled; nothing was changed.")
            stored = self.confirmations.redeem(token, actor)
        except Exception as exc:  # refused, expired, used, wrong person, store down: all refusals
            return self._failed(actor, session_id, blank, "confirmation", exc)
        call, fingerprint = _stored_call(stored)
        return self._guarded(actor, call, session_id,
                             _Consent(confirmed=True, fingerprint=fingerprint, origin="confirmation"))

    def approve(self, approver: Actor, approval_id: str, *, reason: str | None = None,
                session_id: str | None = None) -> Result:
        """Approve a pending request and run it, once, as the requester's call."""
        blank = ToolCall(id=f"approval:{approval_id}", action="", args={})
        try:
            approval = self.approvals.approve(approval_id, approver, reason)
        except ApprovalError as exc:
            return self._approval_refused(approver, session_id, blank, exc)
        except Exception as exc:
            return self._failed(approver, session_id, blank, "approval", exc)
        call, fingerprint = _stored_call(approval)
        requester = self._actors(approval.requester)
        # confirmed=True: the gate requests an approval only for a call whose decision got past the
        # confirmation step (the engine asks for confirmation before approval), and a valid policy
        # cannot drop the purge confirmation; the approver re-runs the requester's confirmed call.
        return self._guarded(requester, call, session_id or approval.session_id, _Consent(
            confirmed=True, approved_by=approver.email, approval_id=approval.id,
            fingerprint=fingerprint, origin="approval"))

    def deny(self, approver: Actor, approval_id: str, *, reason: str | None = None,
             session_id: str | None = None) -> Result:
        blank = ToolCall(id=f"approval:{approval_id}", action="", args={})
        try:
            self.approvals.deny(approval_id, approver, reason)
        except ApprovalError as exc:
            return self._approval_refused(approver, session_id, blank, exc)
        except Exception as exc:
            return self._failed(approver, session_id, blank, "approval", exc)
        summary = f"Request {approval_id} denied; nothing was changed."
        self._audit("action_result", approver, session_id, blank, {"outcome": "denied", "summary": summary})
        return Ok(call_id=blank.id, summary=summary)

    def recover(self, *, older_than: timedelta = LEASE) -> list[tuple[str, Result]]:
        """Finish approved requests a crash interrupted; each (request id, what happened).

        Approved but never claimed: run as the approver's run would have (the claim still lets one
        run through). Executing past its lease: taken over once, then the stored call goes through
        the gate again, which re-resolves and reads the target as DocuSign has it now; a write that
        already landed plans no write and is recorded done ("already ..."), one that did not is
        made, once. Whatever ends the run, the request leaves ``executing``."""
        done = []
        for view in self.approvals.stuck(older_than):
            taken = view.status == "executing"
            if taken and not self.approvals.take_over(view.id, older_than):
                continue  # another recovery has it, or it was recovered once already
            call, fingerprint = _stored_call(view)
            result = self._guarded(self._actors(view.requester), call, view.session_id, _Consent(
                confirmed=True, approved_by=view.approver, approval_id=view.id, fingerprint=fingerprint,
                origin="recovery", taken_over=taken))
            if taken:  # ours to close, however the run ended (a voided call does not settle)
                with suppress(ApprovalError):  # already settled by the run
                    self.approvals.finish(view.id, result.kind == "ok", result.model_dump_json())
            done.append((view.id, result))
        return done

    @property
    def directory(self) -> Directory:
        """Names to ids for this organization, cached across calls (the client's writes refresh it)."""
        with self._lock:  # one directory (one cache) however many sessions share the gate
            if self._directory is None:
                self._directory = Directory(self.client, self._org_id)
            return self._directory

    @property
    def organization_id(self) -> str:
        """The configured organization, else the one this identity administers (several: an error)."""
        return self.directory.organization_id

    # -- the pipeline -------------------------------------------------------------------------------

    def _guarded(self, actor: Actor, call: ToolCall, session_id: str | None, consent: _Consent) -> Result:
        ctx = _CallContext(actor.email, session_id, call.action, _target_of(call), call.id)
        token = _current.set(ctx)
        try:
            with self.audit.batch():  # the call's events in one transaction (flushed before writes)
                return self._pipeline(actor, call, session_id, consent)
        except Exception as exc:  # the gate's own last line: never a traceback, never an allow
            return self._failed(actor, session_id, call, "gate", exc, consent=consent)
        finally:
            _current.reset(token)

    def _pipeline(self, actor: Actor, call: ToolCall, session_id: str | None, consent: _Consent) -> Result:
        self._audit("model_proposal", actor, session_id, call,
                    {"call_id": call.id, "args": call.args, "origin": consent.origin})
        try:
            action = parse_call(call)
        except InvalidCall as exc:
            self._audit("validation_error", actor, session_id, call, {"problems": exc.problems})
            invalid = Error(**_ids(call), message=f"{call.action or 'the call'} was not run: its arguments "
                            "are invalid; nothing was changed", fix="; ".join(exc.problems))
            self._settle(consent, ok=False, result=invalid)
            return invalid
        ids = {**_ids(call), "operation": action.operation_name()}
        module = OPERATIONS[call.action]
        env = Env(self.client, self.directory, self.organization_id, self._clock,
                  max_concurrency=getattr(self.client, "max_concurrency", 8), rerun=consent.origin != "model")
        try:
            target = module.resolve(action, env)
        except (ResolutionError, OperationError, errors.DocuSignError) as exc:
            return self._failed(actor, session_id, call, "resolve", exc, ids, consent)

        resolved = _resolved_call(call.action, action, target)
        if consent.fingerprint is not None and resolved.fingerprint() != consent.fingerprint:
            return self._void(actor, session_id, call, consent, resolved.fingerprint(), ids)
        state = PolicyState(confirmed=consent.confirmed, approved_by=consent.approved_by,
                            target_exists=(target.user is not None) if target.user_checked else None,
                            target_profiles=_profiles(target))
        decision = decide(self.policy, actor, resolved, state)
        self._audit("decision", actor, session_id, call, {
            "decision": decision.kind, "rule": getattr(decision, "rule", None),
            "reasons": list(getattr(decision, "reasons", ())), "fingerprint": resolved.fingerprint(),
            "confirmed": consent.confirmed, "approved_by": consent.approved_by})
        if isinstance(decision, Deny):
            return self._denied(actor, session_id, call, consent, decision, ids)

        try:
            plan = module.plan(action, target, env)
        except (OperationError, errors.DocuSignError) as exc:
            return self._failed(actor, session_id, call, "plan", exc, ids, consent)
        if call.action in WRITE_ACTIONS and not plan.writes:
            # nothing would change: report it, with nothing to confirm or approve
            return self._finish(actor, session_id, call, consent, ids, plan.run(env))

        if isinstance(decision, NeedsConfirmation):
            if consent.confirmed:
                return self._failed(actor, session_id, call, "policy", OperationError(
                    "the policy asked again for a confirmation already given; nothing was changed"),
                    ids, consent)
            return self._ask_confirmation(actor, session_id, call, resolved, plan.summary, decision, ids)
        if isinstance(decision, NeedsApproval):
            if consent.approved_by:
                return self._failed(actor, session_id, call, "policy", OperationError(
                    "the policy asked again for an approval already given; nothing was changed"),
                    ids, consent)
            return self._ask_approval(actor, session_id, call, resolved, plan.summary, decision, consent, ids)
        if not isinstance(decision, Allow):
            return self._failed(actor, session_id, call, "policy",
                                OperationError(f"unknown decision {decision!r}; nothing was changed"), ids,
                                consent)

        if consent.approval_id is not None and not consent.taken_over and \
                not self.approvals.claim_for_execution(consent.approval_id, resolved.fingerprint()):
            return self._failed(actor, session_id, call, "execute", OperationError(
                f"request {consent.approval_id} has already been carried out (or is being carried out); "
                "it runs once"), ids)
        try:
            if plan.writes:
                self.audit.flush()  # write-ahead: the decision is on record before DocuSign changes
                crash_point("after_claim")
                with permit(f"{call.action}.{action.operation_name()} {resolved.fingerprint()}"):
                    outcome = plan.run(env)
                    crash_point("during_write")  # DocuSign has it; nothing of it is recorded here yet
            else:
                outcome = plan.run(env)
        except (OperationError, errors.DocuSignError) as exc:
            return self._failed(actor, session_id, call, "execute", exc, ids, consent)
        return self._finish(actor, session_id, call, consent, ids, outcome)

    # -- outcomes -------------------------------------------------------------------------------

    def _ask_confirmation(self, actor: Actor, session_id: str | None, call: ToolCall, resolved: ResolvedCall,
                          summary: str, decision: NeedsConfirmation, ids: dict[str, str]) -> Result:
        # the book writes the confirmation_issued event (with the call hash, never the token)
        token, expires_at = self.confirmations.issue(actor, resolved, summary, session_id=session_id)
        return ConfirmationNeeded(**ids, summary=f"This will {summary}. Confirm to go ahead.", token=token,
                                  expires_at=_iso(expires_at))

    def _ask_approval(self, actor: Actor, session_id: str | None, call: ToolCall, resolved: ResolvedCall,
                      summary: str, decision: NeedsApproval, consent: _Consent,
                      ids: dict[str, str]) -> Result:
        approval = self.approvals.request(actor, resolved, summary, decision.approver_role,
                                          decision.ttl_seconds, session_id=session_id)
        approval_id = approval.id  # the book writes the approval_requested event
        return PendingApproval(**ids, summary=f"Request {approval_id} to {summary} is waiting for an "
                               f"{decision.approver_role}'s approval; nothing has changed yet.",
                               approval_id=approval_id, approver_role=decision.approver_role)

    def _denied(self, actor: Actor, session_id: str | None, call: ToolCall, consent: _Consent,
                decision: Deny, ids: dict[str, str]) -> Result:
        result = Denied(**ids, reasons=list(decision.reasons), who_could=list(decision.who_could))
        self._audit("action_result", actor, session_id, call, {"outcome": "denied",
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
                    {"outcome": "denied", "reasons": result.reasons, "code": exc.code})
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
                ids: dict[str, str], outcome: Outcome) -> Result:
        result = Ok(**ids, summary=outcome.summary, changed=outcome.changed, data=outcome.data,
                    next_cursor=outcome.next_cursor)
        self._audit("action_result", actor, session_id, call, {
            "outcome": "done", "changed": outcome.changed, "summary": outcome.summary})
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


# -- helpers ------------------------------------------------------------------------------------------


def _ids(call: ToolCall) -> dict[str, str]:
    op = call.args.get("operation") if isinstance(call.args, dict) else None
    return {"call_id": call.id, "action": call.action,
            "operation": op if isinstance(op, str) and len(op) <= 40 else ""}


def _target_of(call: ToolCall) -> str | None:
    email = call.args.get("email") if isinstance(call.args, dict) else None
    return email.strip().lower()[:320] if isinstance(email, str) else None


def _resolved_call(action_name: str, action: Any, target: Target) -> ResolvedCall:
    return ResolvedCall(
        action=action_name,
        operation=action.operation_name(),
        target_email=action.target_email(),
        account_ids=tuple(str(a.id) for a in target.accounts),
        account_names=tuple(a.name for a in target.accounts),
        permission_profile=target.profile.name if target.profile is not None else None,
        groups=tuple(g.name for g in target.groups),
        page_size=getattr(action, "page_size", None),
        args=action.model_dump(mode="json", exclude_none=True),
    )


def _profiles(target: Target) -> dict[str, str]:
    out = {}
    for m in getattr(target.user, "memberships", None) or []:
        if (m.status or "").lower() != "closed" and m.permission_profile is not None:
            out[m.account_name] = m.permission_profile.name
    return out


def _stored_call(stored: Any) -> tuple[ToolCall, str]:
    """The exact call a confirmation or approval was granted for, and the hash it was granted on."""
    return stored.tool_call(f"{stored.call['action']}:{stored.call_hash[:12]}"), stored.call_hash


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _explain(exc: Exception) -> dict[str, Any]:
    """An exception as Error fields a person can act on, with nothing secret in them."""
    if isinstance(exc, ResolutionError):
        fields = {"message": f"{exc.message}; nothing was changed",
                  "fix": f"use one of the suggestions, or check the {exc.kind} name",
                  "suggestions": list(exc.suggestions or [])}
    elif isinstance(exc, OperationError):
        fields = {"message": exc.message, "fix": exc.fix, "suggestions": exc.suggestions}
    elif isinstance(exc, errors.DocuSignError):
        fields = {"message": f"DocuSign refused the request: {exc}",
                  "fix": "check the message above; nothing more was changed"}
    elif isinstance(exc, ApprovalError | ConfirmationError):
        fields = {"message": f"{exc}; nothing was changed", "fix": None}
    elif isinstance(exc, StoreError):
        fields = {"message": f"the store that keeps approvals and the audit log failed ({exc}); "
                  "nothing was changed", "fix": "check the store (dsadmin config check), then ask again"}
    else:
        fields = {"message": f"the request could not be completed ({type(exc).__name__}: {exc}); "
                  "nothing was changed", "fix": None}
    return redact(fields)


__all__ = ["Gate", "request_auditor"]
