"""DocuSign's bulk jobs through the gate: a CSV row judged like a single call, an import job sent
once its batch is confirmed, the user-list export, and the record of a bulk run.

Why here and not in ``tools.operations.bulk``: the import job is a write, so it is sent inside the
gate's permit, after its decision is flushed to the audit log (write-ahead), with its requests
attributed to the job; ``tools.operations.bulk`` plans and follows the job through these methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policies import decide
from policies.call import Actor, PolicyState
from policies.decision import Decision, DecisionKind, Deny
from policies.decision import Outcome as RequestOutcome
from policies.preview import PreviewRow
from tools.actions import ToolCall, parse_call
from tools.docusign.guard import permit
from tools.gate._context import _CallContext, _current
from tools.gate._pipeline import _Pipeline, _profiles, _resolved_call
from tools.operations import OperationError, Target
from tools.operations._impact import impact_of

if TYPE_CHECKING:  # annotations only
    from tools.docusign.bulk import JobStatus


class _Jobs(_Pipeline):
    """Bulk rows, import jobs and exports (``tools.operations.bulk`` plans them)."""

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
