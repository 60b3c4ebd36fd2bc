"""The write path of one call: validate, resolve (under the accounts' lock when the target holds an
administrator profile), decide, plan and preview, decide again on the preview, then run.

Why the permit is opened here: ``tools.docusign.guard`` refuses a write unless a permit is in
force, and the only permits product code opens are in this package (here for a single call,
``_jobs`` for an import job); a test walks the repository to keep it so. The decision is flushed
to the audit log before the permit opens (write-ahead), so a write DocuSign receives is always on
record as attempted.

Why an allowed write costs two durable commits and no fewer (``audit.batch`` holds the rest): the
first commit (proposal, the reads that resolved the target, the decision) must be durable before
DocuSign can receive the write, or a crash between DocuSign's accepting it and our commit would
leave no trace that a write was attempted; the second (the write's ``docusign_request`` and the
``action_result``) can only be written once DocuSign has answered. One transaction would have to
be committed either before the write (then it cannot hold the result) or after it (then a crash
loses the attempt). A crash between the two leaves a decision with no result: the record of an
attempt whose outcome must be read back (``Gate.recover`` does so for approved requests). Calls
that write nothing (reads, no-ops, refusals, questions) commit once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, cast

from policies import decide
from policies.approvals import crash_point
from policies.call import Actor, PolicyState, ResolvedCall
from policies.decision import Allow, Decision, Deny, NeedsApproval, NeedsConfirmation
from policies.preview import Impact, PreviewRow, preview_dicts
from tools.actions import WRITE_ACTIONS, AnyAction, BulkUsers, InvalidCall, ToolCall, parse_call
from tools.docusign import errors
from tools.docusign.guard import permit
from tools.docusign.resolvers import Directory, ResolutionError
from tools.gate._context import _CallContext, _Consent, _current, _Step
from tools.gate._outcomes import _Outcomes
from tools.gate._results import _DRY, _ids, _target_of
from tools.operations import OPERATIONS, Env, OperationError, Target, bulk_request
from tools.operations._common import User
from tools.operations._impact import AdminProfiles, admin_accounts, another_admin, impact_of
from tools.results import DryRun, Error, Result

if TYPE_CHECKING:  # annotations only
    from tools.gate import Gate


class _Pipeline(_Outcomes):
    """One call through every step, once its consent (if any) is known."""

    # -- public surface -------------------------------------------------------------------------------

    def submit(self, actor: Actor, call: ToolCall, *, session_id: str | None = None,
               dry_run: bool = False) -> Result:
        """Run a proposed call through every step; the answer is what the model and person see.

        ``dry_run``: reads run, writes are planned and decided and come back as ``DryRun`` with
        their preview; nothing is written, nothing is asked of anyone.
        """
        return self._guarded(actor, call, session_id, _Consent(dry_run=dry_run))

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
            # every _Pipeline is a Gate: the package's only concrete class assembles the parts
            return bulk_request.handle(cast("Gate", self), actor, call, action, session_id, consent)
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
        fingerprint = resolved.fingerprint()  # canonical JSON + SHA-256: computed once per call
        if consent.fingerprint is not None and fingerprint != consent.fingerprint:
            return self._void(actor, session_id, call, consent, fingerprint, ids)
        state = PolicyState(confirmed=consent.confirmed, approved_by=consent.approved_by,
                            target_profiles=_profiles(target))
        decision = decide(self.policy, actor, resolved, state)
        if isinstance(decision, Deny):
            self._audit_decision(step, fingerprint, decision, ())
            return self._denied(actor, session_id, call, consent, decision, ids)

        try:
            plan = step.module.plan(step.action, target, step.env)
        except (OperationError, errors.DocuSignError) as exc:
            self._audit_decision(step, fingerprint, decision, ())
            return self._failed(actor, session_id, call, "plan", exc, ids, consent)
        if plan.writes:
            admins = self._admins(target.user)
            impact = impact_of(plan.preview, target.user, admins)
            if impact.removes_admin:
                impact = replace(impact, last_admin=self._last_admin(step, plan.preview, impact, admins))
            decision = decide(self.policy, actor, resolved, replace(state, impact=impact))
        self._audit_decision(step, fingerprint, decision, plan.preview)
        if isinstance(decision, Deny):
            return self._denied(actor, session_id, call, consent, decision, ids)
        preview = preview_dicts(plan.preview)
        if call.action in WRITE_ACTIONS and not plan.writes:
            # nothing would change: report it, with nothing to confirm or approve
            return self._finish(actor, session_id, call, consent, ids, plan.run(step.env))
        if consent.dry_run and plan.writes:
            return DryRun(**ids, summary=f"{_DRY[0]}{plan.summary}{_DRY[1]}",
                          decision=decision.kind, preview=preview, fingerprint=fingerprint)

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
                not self.approvals.claim_for_execution(consent.approval_id, fingerprint):
            return self._failed(actor, session_id, call, "execute", OperationError(
                f"request {consent.approval_id} has already been carried out (or is being carried out); "
                "it runs once"), ids)
        try:
            if plan.writes:
                self.audit.flush()  # write-ahead: the decision is on record before DocuSign changes
                crash_point("after_claim")
                with permit(f"{call.action}.{step.action.operation_name()} {fingerprint}"):
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

    def _audit_decision(self, step: _Step, fingerprint: str, decision: Decision,
                        rows: tuple[PreviewRow, ...]) -> None:
        self._audit("decision", step.actor, step.session_id, step.call, {
            "decision": decision.kind, "rule": getattr(decision, "rule", None),
            "reasons": list(getattr(decision, "reasons", ())), "fingerprint": fingerprint,
            "confirmed": step.consent.confirmed, "approved_by": step.consent.approved_by,
            "preview": preview_dicts(rows), **({"dry_run": True} if step.consent.dry_run else {})})


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
