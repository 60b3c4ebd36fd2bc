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
import time
from collections.abc import Callable
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.db import StoreError
from audit.redact import redact
from policies import decide
from policies.approvals import LEASE, ApprovalError, crash_point
from policies.call import Actor, BatchCall, PolicyState, ResolvedCall
from policies.confirmations import ConfirmationError
from policies.decision import Allow, Decision, DecisionKind, Deny, NeedsApproval, NeedsConfirmation
from policies.decision import Outcome as RequestOutcome
from policies.preview import Impact, PreviewRow, preview_dicts
from policies.serial import AccountLocks
from tools.actions import WRITE_ACTIONS, AnyAction, BulkUsers, InvalidCall, ToolCall, parse_call
from tools.docusign import errors
from tools.docusign._sender import RequestRecord
from tools.docusign.guard import permit
from tools.docusign.resolvers import Directory, ResolutionError
from tools.operations import OPERATIONS, Env, Operation, OperationError, Outcome, Target, bulk_request
from tools.operations._common import User
from tools.operations._impact import AdminProfiles, admin_accounts, another_admin, impact_of
from tools.ports import Approvals, AuditTrail, Confirmations
from tools.results import ConfirmationNeeded, Denied, DryRun, Error, Ok, PendingApproval, Result

if TYPE_CHECKING:  # annotations only
    from policies.approvals import ApprovalView
    from policies.confirmations import ConfirmationView
    from policies.engine import Policy
    from tools.docusign.bulk import JobStatus
    from tools.docusign.cache import DirectoryCache
    from tools.docusign.client import AdminClient

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


class Gate:
    """Submit proposed calls; confirm, approve or deny what they left pending."""

    def __init__(self, client: AdminClient, policy: Policy, audit: AuditTrail, approvals: Approvals,
                 confirmations: Confirmations, *,
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
        self.directory_cache: DirectoryCache | None = None  # store-backed, shared between processes
        self._lock = threading.Lock()
        # the requester of an approval is re-judged with their roles; without a lookup, as an employee
        self._actors = actors or (lambda email: Actor(email=email, roles=frozenset({"employee"})))
        self._locks = AccountLocks(getattr(audit, "engine", None))
        self._issued: dict[tuple[str, str], tuple[str, datetime]] = {}  # live tokens, reused per call
        # bulk files named in a conversation (tools.operations.bulk_request): read only from this folder
        # (None: the working directory); imports submitted but not yet followed are remembered in
        # bulk_state so asking again follows them; jobs are polled every job_interval seconds
        self.bulk_files: Path | None = None
        self.bulk_state: Path | None = None
        self.job_sleep: Callable[[float], None] = time.sleep
        self.job_interval = 0.5
        self.job_timeout = 600.0

    # -- public surface -------------------------------------------------------------------------------

    def submit(self, actor: Actor, call: ToolCall, *, session_id: str | None = None,
               dry_run: bool = False) -> Result:
        """Run a proposed call through every step; the answer is what the model and person see.

        ``dry_run``: reads run, writes are planned and decided and come back as ``DryRun`` with
        their preview; nothing is written, nothing is asked of anyone.
        """
        return self._guarded(actor, call, session_id, _Consent(dry_run=dry_run))

    def confirm(self, actor: Actor, token: str, *, accept: bool = True,
                session_id: str | None = None) -> Result:
        """A person's answer to a confirmation (channel only; never a model tool). A token that
        covers several writes answers with one result saying how each ended."""
        results = self.confirm_all(actor, token, accept=accept, session_id=session_id)
        return results[0] if len(results) == 1 else _combined(results)

    def confirm_all(self, actor: Actor, token: str, *, accept: bool = True,
                    session_id: str | None = None) -> list[Result]:
        """The answer to a confirmation: one result per call it covered, in order."""
        blank = ToolCall(id="confirmation", action="", args={})
        try:
            if not accept:
                self.confirmations.decline(token, actor)
                self._audit("action_result", actor, session_id, blank,
                            {"outcome": RequestOutcome.DECLINED, "summary": "confirmation declined"})
                return [Ok(call_id=blank.id, summary="Cancelled; nothing was changed.")]
            stored = self.confirmations.redeem(token, actor)
            calls = _stored_calls(stored)
        except Exception as exc:  # refused, expired, used, wrong person, store down: all refusals
            return [self._failed(actor, session_id, blank, "confirmation", exc)]
        return [self._guarded(actor, call, session_id,
                              _Consent(confirmed=True, fingerprint=fingerprint, origin="confirmation"))
                for call, fingerprint in calls]

    def hold(self, actor: Actor, calls: list[ToolCall], *, session_id: str | None = None,
             why: str) -> list[Result]:
        """Plan and decide ``calls`` without running any write, and ask ONE confirmation for all the
        writes that could run: the blast-radius stop. Reads run; refusals, errors and requests for an
        approver come back as usual. Every held write answers ``needs_confirmation`` with the one
        shared token."""
        planned = [self.submit(actor, call, session_id=session_id, dry_run=True) for call in calls]
        # a write that waits for an approver runs only on a second person's yes: it is asked for as usual
        planned = [self.submit(actor, call, session_id=session_id)
                   if isinstance(r, DryRun) and r.decision == DecisionKind.NEEDS_APPROVAL else r
                   for call, r in zip(calls, planned, strict=True)]
        held = [(call, r) for call, r in zip(calls, planned, strict=True) if isinstance(r, DryRun)]
        if not held:
            return planned
        items = tuple({"action": call.action, "args": call.args, "fingerprint": r.fingerprint,
                       "preview": r.preview} for call, r in held)
        batch = BatchCall(items)
        summaries = "; ".join(_plain(r.summary) for _call, r in held)
        token, expires_at = self.confirmations.issue(actor, batch, f"{len(held)} writes: {summaries}",
                                                     session_id=session_id,
                                                     preview=[p for _c, r in held for p in r.preview])
        asked = {id(r): ConfirmationNeeded(
            call_id=r.call_id, action=r.action, operation=r.operation,
            summary=f"This will {_plain(r.summary)} (one of {len(held)} writes confirmed together). "
                    "Confirm to go ahead.",
            token=token, expires_at=_iso(expires_at), preview=r.preview, why=why) for _c, r in held}
        return [asked.get(id(r), r) for r in planned]

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
        if (approval.call or {}).get("action") == "batch":  # a bulk file's rows that needed an approver
            return self._approved_batch(approver, approval, session_id)
        call, fingerprint = _stored_call(approval)
        requester = self._actors(approval.requester)
        # confirmed=True: the gate requests an approval only for a call whose decision got past the
        # confirmation step (the engine asks for confirmation before approval), and a valid policy
        # cannot drop the purge confirmation; the approver re-runs the requester's confirmed call.
        return self._guarded(requester, call, session_id or approval.session_id, _Consent(
            confirmed=True, approved_by=approver.email, approval_id=approval.id,
            fingerprint=fingerprint, origin="approval"))

    def _approved_batch(self, approver: Actor, approval: ApprovalView, session_id: str | None) -> Result:
        """Run an approved batch once: claimed by the batch's hash, then each row as the requester's
        approved call, re-checked against its own fingerprint; the outcome of all of them recorded."""
        blank = ToolCall(id=f"approval:{approval.id}", action="", args={})
        if not self.approvals.claim_for_execution(approval.id, approval.call_hash):
            return self._failed(approver, session_id, blank, "execute", OperationError(
                f"request {approval.id} has already been carried out (or is being carried out); "
                "it runs once"))
        requester = self._actors(approval.requester)
        results = [self._guarded(requester, call, session_id or approval.session_id, _Consent(
            confirmed=True, approved_by=approver.email, fingerprint=fingerprint, origin="approval"))
            for call, fingerprint in _stored_calls(approval)]
        result = results[0] if len(results) == 1 else _combined(results)
        with suppress(Exception):  # recorded when the book lets us; the rows' own events are written
            self.approvals.finish(approval.id, isinstance(result, Ok), result.model_dump_json())
        return result

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
        self._audit("action_result", approver, session_id, blank,
                    {"outcome": RequestOutcome.DENIED, "summary": summary})
        return Ok(call_id=blank.id, summary=summary)

    # -- bulk jobs (tools.operations.bulk plans them; DocuSign's import job runs them) -----------------

    def judge_bulk_row(self, actor: Actor, call: ToolCall, target: Target,
                       rows: tuple[PreviewRow, ...]) -> tuple[Decision, str]:
        """One CSV row's decision, by the same rules as a single call: the policy sees the resolved
        call, the target's profiles and the impact of the row's preview. Returns (decision,
        fingerprint); raises ``InvalidCall`` for arguments no single call would accept."""
        action = parse_call(call)
        resolved = _resolved_call(call.action, action, target)
        impact = impact_of(rows, target.user, self._admins(target.user)) if rows else None
        state = PolicyState(target_profiles=_profiles(target), impact=impact)
        return decide(self.policy, actor, resolved, state), resolved.fingerprint()

    def submit_bulk(self, actor: Actor, token: str, kind: str, csv_text: str, *,
                    session_id: str | None = None) -> JobStatus:
        """Submit one DocuSign import job for a batch the person confirmed (``token``), inside the
        write permit. The confirmed batch names the CSV's hash, so only that file can be sent;
        the job is on the audit record before it leaves. Returns the job's first status."""
        import hashlib

        digest = hashlib.sha256(csv_text.encode()).hexdigest()
        stored = self.confirmations.redeem(token, actor)  # raises when not this person's or spent
        items = (stored.call or {}).get("batch") or []
        if not any(i.get("csv_sha256") == digest and i.get("kind") == kind for i in items):
            raise OperationError("the file differs from the one confirmed; nothing was sent",
                                 fix="run the bulk command again and confirm the file as it is now")
        return self.submit_job(actor, kind, csv_text, session_id=session_id)

    def submit_job(self, actor: Actor, kind: str, csv_text: str, *,
                   session_id: str | None = None) -> JobStatus:
        """The import itself, for a batch whose confirmation was just redeemed (by ``submit_bulk``) or
        re-checked against its fingerprint (``tools.operations.bulk_request``); never called otherwise."""
        import hashlib

        from tools.docusign import bulk

        blank = ToolCall(id=f"bulk:{kind}", action="bulk_import", args={"kind": kind})
        digest = hashlib.sha256(csv_text.encode()).hexdigest()
        self._audit("decision", actor, session_id, blank,
                    {"decision": DecisionKind.ALLOW, "confirmed": True, "kind": kind, "csv_sha256": digest,
                     "rows": max(csv_text.count("\n") - 1, 0), "stage": "submitting"})
        self.audit.flush()  # write-ahead: the job is on record before DocuSign receives it
        ctx = _CallContext(actor.email, session_id, "bulk_import", None, blank.id)
        current = _current.set(ctx)
        try:
            with permit(f"bulk_import.{kind} {digest}"):
                status = bulk.submit_import(self.client, self.organization_id, kind, csv_text)
        finally:
            _current.reset(current)
        self._audit("action_result", actor, session_id, blank,
                    {"outcome": RequestOutcome.SUBMITTED, "kind": kind, "csv_sha256": digest,
                     "import_id": status.id})
        return status

    def start_export(self, actor: Actor, account_ids: list[str] | None = None, *,
                     session_id: str | None = None) -> JobStatus:
        """Start DocuSign's user-list export (a POST that changes nothing an administrator
        manages), for a person the policy lets list users; audited like any call."""
        from tools.docusign import bulk

        call = ToolCall(id="export:user_list", action="list_users", args={})
        decision = decide(self.policy, actor, _resolved_call("list_users", parse_call(call), Target()),
                          PolicyState())
        if isinstance(decision, Deny):
            raise OperationError("; ".join(decision.reasons) or "not allowed to list users",
                                 fix="ask an administrator for the access review")
        self._audit("decision", actor, session_id, call,
                    {"decision": decision.kind, "kind": "user_list_export", "stage": "submitting"})
        with permit("user_list_export (read-only job)"):
            return bulk.start_export(self.client, self.organization_id, account_ids)

    def record_bulk(self, actor: Actor, payload: dict[str, Any], *, session_id: str | None = None) -> None:
        """Audit a bulk run's outcome (the job and each row's result)."""
        self._audit("action_result", actor, session_id, ToolCall(id="bulk", action="bulk_import", args={}),
                    payload)

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
                self._directory = Directory(self.client, self._org_id, cache=self.directory_cache)
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
        if isinstance(action, BulkUsers):  # a file of calls: each row judged, one import job (see module)
            return bulk_request.handle(self, actor, call, action, session_id, consent)
        step = _Step(actor, call, session_id, consent, action, OPERATIONS[call.action],
                     {**_ids(call), "operation": action.operation_name()},
                     Env(self.client, self.directory, self.organization_id, self._clock,
                         max_concurrency=getattr(self.client, "max_concurrency", 8),
                         rerun=consent.origin != "model"))
        try:
            target = step.module.resolve(action, step.env)
        except (ResolutionError, OperationError, errors.DocuSignError) as exc:
            return self._failed(actor, session_id, call, "resolve", exc, step.ids, consent)
        held = admin_accounts(target.user, self._admins(target.user)) \
            if call.action in WRITE_ACTIONS and not consent.dry_run else []
        if not held:
            return self._judge(step, target)
        # the target holds an administrator profile: a guard may depend on this write, so the
        # accounts' other administrators are counted and the write made under their lock, on a
        # fresh read of the target
        with self._locks.hold(held):
            try:
                target = step.module.resolve(action, step.env)
            except (ResolutionError, OperationError, errors.DocuSignError) as exc:
                return self._failed(actor, session_id, call, "resolve", exc, step.ids, consent)
            return self._judge(step, target)

    def _judge(self, step: _Step, target: Target) -> Result:
        """Decide (who may), plan and preview, decide again on the preview (conditions, guards), run."""
        actor, call, session_id, consent, ids = step.actor, step.call, step.session_id, step.consent, step.ids
        resolved = _resolved_call(call.action, step.action, target)
        if consent.fingerprint is not None and resolved.fingerprint() != consent.fingerprint:
            return self._void(actor, session_id, call, consent, resolved.fingerprint(), ids)
        state = PolicyState(confirmed=consent.confirmed, approved_by=consent.approved_by,
                            target_profiles=_profiles(target))
        decision = decide(self.policy, actor, resolved, state)
        if isinstance(decision, Deny):
            self._audit_decision(step, resolved, decision, ())
            return self._denied(actor, session_id, call, consent, decision, ids)

        try:
            plan = step.module.plan(step.action, target, step.env)
        except (OperationError, errors.DocuSignError) as exc:
            self._audit_decision(step, resolved, decision, ())
            return self._failed(actor, session_id, call, "plan", exc, ids, consent)
        if plan.writes:
            admins = self._admins(target.user)
            impact = impact_of(plan.preview, target.user, admins)
            if impact.removes_admin:
                impact = replace(impact, last_admin=self._last_admin(step, plan.preview, impact, admins))
            decision = decide(self.policy, actor, resolved, replace(state, impact=impact))
        self._audit_decision(step, resolved, decision, plan.preview)
        if isinstance(decision, Deny):
            return self._denied(actor, session_id, call, consent, decision, ids)
        preview = preview_dicts(plan.preview)
        if call.action in WRITE_ACTIONS and not plan.writes:
            # nothing would change: report it, with nothing to confirm or approve
            return self._finish(actor, session_id, call, consent, ids, plan.run(step.env))
        if consent.dry_run and plan.writes:
            return DryRun(**ids, summary=f"{_DRY[0]}{plan.summary}{_DRY[1]}",
                          decision=decision.kind, preview=preview, fingerprint=resolved.fingerprint())

        if isinstance(decision, NeedsConfirmation):
            if consent.confirmed:
                return self._failed(actor, session_id, call, "policy", OperationError(
                    "the policy asked again for a confirmation already given; nothing was changed"),
                    ids, consent)
            return self._ask_confirmation(actor, session_id, call, resolved, plan.summary, decision, ids,
                                          preview)
        if isinstance(decision, NeedsApproval):
            if consent.approved_by:
                return self._failed(actor, session_id, call, "policy", OperationError(
                    "the policy asked again for an approval already given; nothing was changed"),
                    ids, consent)
            return self._ask_approval(actor, session_id, call, resolved, plan.summary, decision, consent, ids,
                                      preview)
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
                with permit(f"{call.action}.{step.action.operation_name()} {resolved.fingerprint()}"):
                    outcome = plan.run(step.env)
                    crash_point("during_write")  # DocuSign has it; nothing of it is recorded here yet
            else:
                outcome = plan.run(step.env)
        except (OperationError, errors.DocuSignError) as exc:
            return self._failed(actor, session_id, call, "execute", exc, ids, consent)
        return self._finish(actor, session_id, call, consent, ids, outcome, preview if plan.writes else [])

    def _admins(self, user: User | None) -> AdminProfiles:
        return AdminProfiles(self.policy.admin_profiles, user)

    def _last_admin(self, step: _Step, rows: tuple[PreviewRow, ...], impact: Impact,
                    admins: AdminProfiles) -> tuple[str, ...]:
        """The accounts the write would leave without an active administrator (read fresh)."""
        email = step.action.target_email() or ""
        ids = {r.account: r.account_id for r in rows if r.account_id}
        return tuple(name for name in impact.removes_admin
                     if not another_admin(step.env, ids[name], email, self._admins))

    def _audit_decision(self, step: _Step, resolved: ResolvedCall, decision: Decision,
                        rows: tuple[PreviewRow, ...]) -> None:
        self._audit("decision", step.actor, step.session_id, step.call, {
            "decision": decision.kind, "rule": getattr(decision, "rule", None),
            "reasons": list(getattr(decision, "reasons", ())), "fingerprint": resolved.fingerprint(),
            "confirmed": step.consent.confirmed, "approved_by": step.consent.approved_by,
            "preview": preview_dicts(rows), **({"dry_run": True} if step.consent.dry_run else {})})

    # -- outcomes -------------------------------------------------------------------------------

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


# -- helpers ------------------------------------------------------------------------------------------


def _ids(call: ToolCall) -> dict[str, str]:
    op = call.args.get("operation") if isinstance(call.args, dict) else None
    return {"call_id": call.id, "action": call.action,
            "operation": op if isinstance(op, str) and len(op) <= 40 else ""}


def _target_of(call: ToolCall) -> str | None:
    email = call.args.get("email") if isinstance(call.args, dict) else None
    return email.strip().lower()[:320] if isinstance(email, str) else None


def _resolved_call(action_name: str, action: AnyAction, target: Target) -> ResolvedCall:
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
    out: dict[str, str] = {}
    for m in (target.user.memberships if target.user is not None else None) or []:
        if (m.status or "").lower() != "closed" and m.permission_profile is not None:
            out[str(m.account_name)] = str(m.permission_profile.name)
    return out


def _stored_calls(stored: ApprovalView | ConfirmationView) -> list[tuple[ToolCall, str]]:
    """The calls a confirmation covers: one, or each of a batch with its own hash."""
    body = stored.call
    if body.get("action") != "batch":
        return [_stored_call(stored)]
    items = body.get("batch") or []
    job = next((i for i in items if "csv_sha256" in i), None)
    if job is not None:  # a bulk file: the yes re-runs the file, bound to the job's exact CSV
        if not job.get("file"):
            raise OperationError("this confirmation belongs to a `dsadmin bulk` run and is answered there",
                                 fix="run the same `dsadmin bulk` command again")
        args = {"operation": job["kind"], "file": job["file"], "skip_invalid": bool(job.get("skip_invalid"))}
        return [(ToolCall(id=f"bulk_users:{str(job['fingerprint'])[:12]}", action="bulk_users", args=args),
                 str(job["fingerprint"]))]
    return [(ToolCall(id=f"{i['action']}:{str(i['fingerprint'])[:12]}", action=i["action"],
                      args=dict(i.get("args") or {})), str(i["fingerprint"])) for i in items]


_DRY = ("Would ", " (dry run: nothing was changed).")


def _plain(dry_summary: str) -> str:
    """'Would close x (dry run: ...).' -> 'close x'."""
    return dry_summary.removeprefix(_DRY[0]).removesuffix(_DRY[1])


def _said(result: Result) -> str:
    if isinstance(result, Denied):
        return "denied: " + "; ".join(result.reasons)
    if isinstance(result, Error):
        return "failed: " + result.message
    return str(getattr(result, "summary", result.kind))


def _combined(results: list[Result]) -> Result:
    """Several confirmed writes as one result: Ok only when every one of them is."""
    lines = [f"{r.action} {r.operation}: {_said(r)}" for r in results]
    done = [r for r in results if isinstance(r, Ok)]
    if len(done) == len(results):
        return Ok(call_id="confirmation", summary=" ".join(lines), changed=any(r.changed for r in done))
    return Error(call_id="confirmation", message="not every confirmed write ran: " + " | ".join(lines))


def _stored_call(stored: ApprovalView | ConfirmationView) -> tuple[ToolCall, str]:
    """The exact call a confirmation or approval was granted for, and the hash it was granted on."""
    return stored.tool_call(f"{stored.call['action']}:{stored.call_hash[:12]}"), stored.call_hash


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _explain(exc: Exception) -> dict[str, Any]:
    """An exception as Error fields a person can act on, with nothing secret in them."""
    fields: dict[str, Any]
    if isinstance(exc, ResolutionError):
        fields = {"message": f"{exc.message}; nothing was changed",
                  "fix": f"use one of the suggestions, or check the {exc.kind} name",
                  "suggestions": list(exc.suggestions or [])}
    elif isinstance(exc, OperationError):
        fields = {"message": exc.message, "fix": exc.fix, "suggestions": exc.suggestions}
    elif isinstance(exc, errors.ServiceUnavailable | errors.RateLimited):
        # a write whose answer was lost never gets here: tools.operations reads it back first
        fields = {"message": f"DocuSign could not be reached or did not answer: {exc}; nothing was changed",
                  "fix": "try again in a few minutes; `dsadmin config check` tests the connection",
                  "system": True}
    elif isinstance(exc, errors.AuthError):
        fields = {"message": f"DocuSign did not accept dsadmin's credentials: {exc}; nothing was changed",
                  "fix": "run `dsadmin config check` to find the broken step", "system": True}
    elif isinstance(exc, errors.DocuSignError):
        fields = {"message": f"DocuSign refused the request: {exc}",
                  "fix": "check the message above; nothing more was changed"}
    elif isinstance(exc, ApprovalError | ConfirmationError):
        fields = {"message": f"{exc}; nothing was changed", "fix": None}
    elif isinstance(exc, StoreError):
        fields = {"message": f"the store that keeps approvals and the audit log failed ({exc}); "
                  "nothing was changed", "fix": "check the store (dsadmin config check), then ask again",
                  "system": True}
    else:
        fields = {"message": f"the request could not be completed ({type(exc).__name__}: {exc}); "
                  "nothing was changed", "fix": None}
    if isinstance(exc, errors.ConsentRequired):
        fields["cause"] = "consent_required"
    elif isinstance(exc, errors.Forbidden):
        fields["cause"] = "forbidden"
    clean = redact(fields)
    assert isinstance(clean, dict)  # redact copies a mapping as a dict
    return clean


__all__ = ["Gate", "request_auditor"]
