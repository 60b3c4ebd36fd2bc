"""The server-rendered pages: sign-in, chat, my requests, the approver inbox, the audit view.

Forms work without JavaScript. Every POST carries the session's CSRF token (a random value stored
with the session, compared in constant time); the session cookie is HttpOnly, SameSite=Lax, and
Secure whenever the service is reached over https; sessions end after ``auth.session_minutes``.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from agent.channels import credentials, service
from agent.channels.oidc import AuthError, Pkce
from agent.channels.web.auth import SESSION_COOKIE

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


class _SignIn(Exception):
    def __init__(self, next_url: str):
        self.next_url = next_url


def _auth(request: Request):
    return request.app.state.auth


def _rt(request: Request):
    return request.app.state.rt


def _signed_in(request: Request):
    found = _auth(request).from_cookie(request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise _SignIn(request.url.path)
    return found


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _login_redirect(next_url: str) -> RedirectResponse:
    return RedirectResponse(f"/auth/login?next={quote(next_url)}", 303)


async def _posted(request: Request, back: str) -> tuple[Any, Any, dict[str, str]] | Response:
    """(actor, session, form) for a POST from a signed-in person whose CSRF token matches and who
    is under the rate limit; otherwise the response that refuses it (nothing has run)."""
    try:
        actor, info = await run_in_threadpool(_signed_in, request)
    except _SignIn:
        return _login_redirect(back)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not hmac.compare_digest(form.get("csrf", ""), info.csrf):
        return HTMLResponse("The form expired or did not come from this site; reload the page.", 403)
    if not await run_in_threadpool(_auth(request).allow, actor):
        return HTMLResponse("Too many requests; wait a minute.", 429, headers={"Retry-After": "60"})
    return actor, info, form


def _view(request: Request, name: str, build) -> Any:
    """Render ``name`` for the signed-in person with ``build(actor) -> context``."""

    async def run():
        try:
            actor, info = await run_in_threadpool(_signed_in, request)
        except _SignIn as exc:
            return _login_redirect(exc.next_url)
        context = await run_in_threadpool(build, actor)
        status = 403 if context.get("refused") else 200
        return _page(request, name, {"me": actor, "csrf": info.csrf, **context}, status)

    return run()


# -- sign-in ---------------------------------------------------------------------------------------


@router.get("/")
async def home(request: Request):
    return RedirectResponse("/chat", 303)


@router.get("/auth/login")
def login(request: Request, next: str = "/chat"):
    auth = _auth(request)
    local = next.startswith("/") and not next.startswith("//") and "\\" not in next
    next_url = next if local else "/chat"  # never a redirect off this site
    pkce, nonce = Pkce.new(), secrets.token_urlsafe(16)
    state = credentials.begin_login(_rt(request).engine, pkce.verifier, nonce, next_url)
    base = auth.base_url(request)
    try:
        url = auth.oidc(base).authorization_url(f"{base}/auth/callback", state, nonce, pkce)
    except AuthError as exc:
        return HTMLResponse(f"Sign-in is unavailable: {exc}", 503)
    return RedirectResponse(url, 303)


@router.get("/auth/callback")
def callback(request: Request, state: str = "", code: str = "", error: str = ""):
    auth, rt = _auth(request), _rt(request)
    pending = credentials.finish_login(rt.engine, state) if state else None
    if error or pending is None or not code:
        return HTMLResponse(
            f"Sign-in did not complete ({error or 'unknown or expired sign-in'}). "
            '<a href="/auth/login">Try again</a>.',
            400,
        )
    verifier, nonce, next_url = pending
    base = auth.base_url(request)
    try:
        email = auth.oidc(base).exchange_code(code, verifier, f"{base}/auth/callback", nonce)
    except AuthError as exc:
        return HTMLResponse(f"Sign-in refused: {exc}", 401)
    cookie, _info = credentials.open_session(rt.engine, email, rt.config.auth.session_minutes)
    response = RedirectResponse(next_url, 303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=rt.config.auth.session_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=urlparse(base).scheme == "https",
        path="/",
    )
    return response


@router.post("/auth/logout")
async def logout(request: Request):
    posted = await _posted(request, "/")
    if isinstance(posted, Response):
        return posted
    await run_in_threadpool(credentials.close_session, _rt(request).engine, request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/auth/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- chat ------------------------------------------------------------------------------------------


@router.get("/chat")
async def chat(request: Request, session: str = ""):
    rt = _rt(request)
    return await _view(
        request,
        "chat.html",
        lambda actor: {
            "session_id": session,
            "lines": service.transcript(rt, actor, session) if session else [],
            "reply": None,
        },
    )


def _chat_page(request: Request, actor: Any, info: Any, session_id: str | None, lines: list[Any],
               reply: Any = None, *, status: int = 200, **extra: Any) -> Response:
    """The chat page after a POST: the session's transcript, the reply (if any) and ``extra``
    (an error, or the outcome of a confirmation)."""
    context = {"me": actor, "csrf": info.csrf, "session_id": session_id, "lines": lines, "reply": reply}
    return _page(request, "chat.html", {**context, **extra}, status)


@router.post("/chat")
async def chat_post(request: Request):
    posted = await _posted(request, "/chat")
    if isinstance(posted, Response):
        return posted
    actor, info, form = posted
    rt = _rt(request)
    text = form.get("text", "").strip()
    session_id = form.get("session_id") or None
    if not text or len(text) > 4000:
        return _chat_page(request, actor, info, session_id or "", [], status=422,
                          error="Type a request (at most 4000 characters).")
    try:
        reply = await run_in_threadpool(service.ask, rt, actor, text, session_id=session_id)
    except service.Refused as exc:
        return HTMLResponse(exc.message, exc.status)
    lines = await run_in_threadpool(service.transcript, rt, actor, reply.session_id)
    if lines and lines[-1][0] != "user":  # this reply: shown once, in full, in its own box below
        lines = lines[:-1]
    return _chat_page(request, actor, info, reply.session_id, lines, reply)


@router.post("/chat/confirm")
async def chat_confirm(request: Request):
    posted = await _posted(request, "/chat")
    if isinstance(posted, Response):
        return posted
    actor, info, form = posted
    rt = _rt(request)
    accept = form.get("answer") == "yes"
    reply = await run_in_threadpool(service.confirm, rt, actor, form.get("token", ""), accept)
    session_id = form.get("session_id", "")
    lines = await run_in_threadpool(service.transcript, rt, actor, session_id) if session_id else []
    return _chat_page(request, actor, info, session_id, lines, outcome=reply.text, outcome_kind=reply.outcome)


# -- requests, inbox, audit ------------------------------------------------------------------------


@router.get("/requests")
async def my_requests(request: Request):
    rt = _rt(request)
    return await _view(
        request, "requests.html", lambda actor: {"requests": rt.approvals.list(None, requester=actor.email)}
    )


@router.get("/inbox")
async def inbox(request: Request):
    rt = _rt(request)
    return await _view(request, "inbox.html", lambda actor: {"requests": service.actionable(rt, actor)})


@router.post("/inbox/{approval_id}/{verb}")
async def inbox_decide(request: Request, approval_id: str, verb: str):
    if verb not in ("approve", "deny"):
        return HTMLResponse("Unknown action.", 404)
    posted = await _posted(request, "/inbox")
    if isinstance(posted, Response):
        return posted
    actor, info, form = posted
    rt = _rt(request)
    reason = form.get("reason", "").strip()[:1000] or None
    kind: str
    try:
        reply = await run_in_threadpool(service.decide, rt, actor, approval_id, verb == "approve", reason)
        outcome, kind, status = reply.text, reply.outcome, 200
    except service.Refused as exc:  # a second click, a stale tab: said on the inbox, as it stands now
        outcome, kind, status = f"{exc.message}; nothing more was done.", "refused", exc.status

    requests = await run_in_threadpool(service.actionable, rt, actor)
    context = {"me": actor, "csrf": info.csrf, "requests": requests, "outcome": outcome, "outcome_kind": kind}
    return _page(request, "inbox.html", context, status)


@router.get("/audit")
async def audit_page(request: Request, actor: str = "", kind: str = "", target: str = "", n: int = 100):
    rt = _rt(request)

    def build(me):
        try:
            events, report = service.audit_events(
                rt, me, n=max(1, min(n, 1000)), actor_filter=actor, kind=kind, target=target
            )
        except service.Refused as exc:
            return {"refused": exc.message, "events": [], "report": None, "filters": {}}
        return {
            "events": events,
            "report": report,
            "refused": None,
            "filters": {"actor": actor, "kind": kind, "target": target, "n": n},
        }

    return await _view(request, "audit.html", build)
