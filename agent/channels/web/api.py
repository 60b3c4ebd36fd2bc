"""The HTTP API under ``/api/v1``: JSON in and out, bodies validated (422 names the fields).

Every route takes the caller from ``request.state.actor``, set by the app's authentication step
before the route runs (401 without a valid bearer token, 429 over the rate limit); roles are
checked here or by ``agent.channels.service`` (403), so a refused call never reaches the gate.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from agent.channels import service
from policies.call import Actor

router = APIRouter(prefix="/api/v1", tags=["dsadmin"])
_bearer = HTTPBearer(auto_error=False, description="An API token (dsa_...) or the IdP's access token.")
Status = Literal["pending", "approved", "denied", "expired", "executing", "executed", "failed", "void"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AskBody(_Body):
    text: str = Field(min_length=1, max_length=4000, description="The request, in plain language.")
    session_id: str | None = Field(None, min_length=1, max_length=64, description="Resume a session.")


class ConfirmBody(_Body):
    accept: bool = Field(strict=True, description="true runs the previewed change; false cancels it.")


class DecisionBody(_Body):
    reason: str | None = Field(None, max_length=1000, description="Why (audited; told to the requester).")


def caller(request: Request, _token: Any = Security(_bearer)) -> Actor:
    return request.state.actor


def _refused(exc: service.Refused) -> JSONResponse:
    return JSONResponse({"error": "refused", "message": exc.message}, exc.status)


def _row(view: Any, *, call: bool = False) -> dict[str, Any]:
    from agent.api import ApprovalRequest

    shown = ApprovalRequest.from_view(view).as_dict()
    row = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in shown.items()}
    return row | ({"call": view.call} if call else {})


@router.post("/ask", summary="Make a request; the same object as `dsadmin ask --json` plus session_id")
def ask(body: AskBody, request: Request) -> JSONResponse:
    actor = caller(request)
    try:
        reply = service.ask(request.app.state.rt, actor, body.text, body.session_id)
    except service.Refused as exc:
        return _refused(exc)
    return JSONResponse(reply.as_json() | {"session_id": reply.session_id}, 500 if reply.failed else 200)


@router.post("/confirmations/{token}", summary="Answer a confirmation (only its requester can)")
def confirm(token: str, body: ConfirmBody, request: Request) -> JSONResponse:
    reply = service.confirm(request.app.state.rt, caller(request), token, body.accept)
    return JSONResponse(reply.decision_json())


@router.get("/approvals", summary="Approval requests this person may see, newest first")
def approvals(request: Request, status: Status | None = None) -> JSONResponse:
    views = service.visible(request.app.state.rt, caller(request), status)
    return JSONResponse([_row(v) for v in views])


@router.get("/approvals/{approval_id}", summary="One request, with the exact call")
def approval(approval_id: str, request: Request) -> JSONResponse:
    try:
        return JSONResponse(
            _row(service.approval(request.app.state.rt, caller(request), approval_id), call=True)
        )
    except service.Refused as exc:
        return _refused(exc)


def _decide(request: Request, approval_id: str, approve: bool, body: DecisionBody | None) -> JSONResponse:
    reason = body.reason if body else None
    try:
        reply = service.decide(request.app.state.rt, caller(request), approval_id, approve, reason)
    except service.Refused as exc:
        return _refused(exc)
    return JSONResponse(reply.decision_json())


@router.post("/approvals/{approval_id}/approve", summary="Approve; the request then runs once")
def approve(approval_id: str, request: Request, body: DecisionBody | None = None) -> JSONResponse:
    return _decide(request, approval_id, True, body)


@router.post("/approvals/{approval_id}/deny", summary="Deny; nothing is done")
def deny(approval_id: str, request: Request, body: DecisionBody | None = None) -> JSONResponse:
    return _decide(request, approval_id, False, body)


@router.get("/audit", summary="The audit log's newest events and the chain's verify status (admins)")
def audit(
    request: Request,
    n: int = Query(100, ge=1, le=1000),
    actor: str | None = None,
    kind: str | None = None,
    target: str | None = None,
) -> JSONResponse:
    try:
        events, report = service.audit_events(
            request.app.state.rt, caller(request), n=n, actor_filter=actor, kind=kind, target=target
        )
    except service.Refused as exc:
        return _refused(exc)
    verify = {
        "ok": report.ok,
        "checked": report.checked,
        "first_bad_id": report.first_bad_id,
        "problem": report.problem,
    }
    return JSONResponse(_jsonable({"events": [e.to_dict() for e in events], "verify": verify}))


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))
