"""Consent and re-submission: a person's yes or no to a confirmation, an approver's decision, the
one confirmation for several held writes, and the recovery of approved runs a crash interrupted.

Why every path re-enters ``_guarded``: the stored call is re-validated, re-resolved and must hash
to what the person confirmed or the approver approved, so a changed call cannot ride on an old
consent; approvals run once (claimed by hash) and are closed however the run ends.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import TYPE_CHECKING

from policies.approvals import LEASE, ApprovalError
from policies.call import Actor, BatchCall
from policies.decision import DecisionKind
from policies.decision import Outcome as RequestOutcome
from tools.actions import ToolCall
from tools.gate._context import _Consent
from tools.gate._pipeline import _Pipeline
from tools.gate._results import _combined, _iso, _plain
from tools.operations import OperationError
from tools.results import ConfirmationNeeded, DryRun, Ok, Result

if TYPE_CHECKING:  # annotations only
    from policies.approvals import ApprovalView
    from policies.confirmations import ConfirmationView


class _Resubmission(_Pipeline):
    """Confirm, approve, deny, hold and recover: each ends in the pipeline with the stored call."""

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

    def withdraw(self, actor: Actor, session_id: str) -> list[str]:
        """Withdraw the confirmations ``actor`` left unanswered in ``session_id`` (they said something
        else instead); returns each one's summary, so the person can be told none of it ran."""
        blank = ToolCall(id="confirmation", action="", args={})
        withdrawn = self.confirmations.withdraw(actor, session_id)
        for view in withdrawn:
            self._audit("action_result", actor, session_id, blank,
                        {"outcome": RequestOutcome.DECLINED,
                         "summary": f"confirmation withdrawn (a new request replaced it): {view.summary}"})
        return [view.summary for view in withdrawn]

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
            summary=f"This will {_plain(r.summary)}"
                    + (f" (one of {len(held)} writes confirmed together)" if len(held) > 1 else "")
                    + ". Confirm to go ahead.",
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



def _stored_call(stored: ApprovalView | ConfirmationView) -> tuple[ToolCall, str]:
    """The exact call a confirmation or approval was granted for, and the hash it was granted on."""
    return stored.tool_call(f"{stored.call['action']}:{stored.call_hash[:12]}"), stored.call_hash

