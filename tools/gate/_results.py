"""From what happened to what the person and the model are told: ids, summaries, errors.

Why apart from the pipeline: every ending (refusal, error, combined confirmation, dry run) is worded
here once, and ``_explain`` is the only place an exception becomes words, scrubbed of secrets, so no
path through the gate can show a traceback or a token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from audit.db import StoreError
from audit.redact import redact
from policies.approvals import ApprovalError
from policies.confirmations import ConfirmationError
from tools.actions import ToolCall
from tools.docusign import errors
from tools.docusign.resolvers import ResolutionError
from tools.operations import OperationError
from tools.results import Denied, Error, Ok, Result


def _ids(call: ToolCall) -> dict[str, str]:
    op = call.args.get("operation") if isinstance(call.args, dict) else None
    return {"call_id": call.id, "action": call.action,
            "operation": op if isinstance(op, str) and len(op) <= 40 else ""}


def _target_of(call: ToolCall) -> str | None:
    email = call.args.get("email") if isinstance(call.args, dict) else None
    return email.strip().lower()[:320] if isinstance(email, str) else None



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
        fields = {"message": exc.message, "fix": exc.fix, "suggestions": exc.suggestions,
                  **({"cause": exc.cause} if exc.cause else {})}
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

