"""The ASGI app behind ``dsadmin serve``: the API, the pages, the embedded sign-in, the worker.

Why FastAPI on top of Starlette: the API's request bodies are pydantic models, so malformed
bodies get a 422 naming each bad field, and the OpenAPI document (``/api/v1/openapi.json``) is
generated from the very models that validate. State that another instance needs (sessions,
sign-ins in flight, rate counts, API tokens, the outbox) lives in the store; a process holds only
caches it can rebuild.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from agent.channels.oidc import AuthError
from agent.channels.web import api, pages
from agent.channels.web.auth import IDP_MOUNT, Authenticator

log = logging.getLogger("dsadmin.serve")
OPEN_PATHS = ("/api/v1/openapi.json", "/api/v1/docs")


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, before any route reads them."""

    def __init__(self, app: Any, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await self._too_large(send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge
            return message

        try:
            return await self.app(scope, limited, send)
        except _TooLarge:
            return await self._too_large(send)

    async def _too_large(self, send):
        response = JSONResponse(
            {"error": "too_large", "message": f"the body is over {self.max_bytes} bytes"}, 413
        )
        await response({"type": "http"}, None, send)


class _TooLarge(Exception):
    pass


async def _invalid_request(_request: Request, exc: Exception) -> Response:
    """422 naming each bad field, as FastAPI's own answer, but written as ASCII JSON: a body whose
    text pydantic refused as not Unicode (``"\\ud800"``) is echoed escaped instead of failing the
    answer with a 500."""
    import json

    from fastapi.encoders import jsonable_encoder

    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    body = json.dumps({"detail": jsonable_encoder(errors)}, ensure_ascii=True)
    return Response(body, 422, media_type="application/json")


def _slack_routes(rt: Any) -> list[Any]:
    """``/slack/events`` when the Slack app's bot token and signing secret are configured."""
    import os

    settings = rt.config.slack
    if not (os.environ.get(settings.bot_token_env) and os.environ.get(settings.signing_secret_env)):
        return []
    from agent.channels.slack.web import slack_app, slack_routes

    return slack_routes(slack_app(rt))


def create_app(rt: Any, *, worker: bool = True) -> FastAPI:
    """The service on a built runtime (``agent.runtime.build_runtime``); ``worker`` runs the outbox."""
    config = rt.config
    if config.auth.oidc is None and rt.sandbox is None:
        from agent.runtime import SetupError

        raise SetupError("a real organization needs its identity provider: set auth.oidc (issuer, client_id)")
    idp = None
    if config.auth.oidc is None:
        from agent.config import dsadmin_home
        from tools.docusign.sandbox._oidc import IdentityProvider, sandbox_people

        idp = IdentityProvider(dsadmin_home(), sandbox_people(rt.sandbox))
    auth = Authenticator(rt, config.auth, idp=idp)
    stop = threading.Event()
    from agent.channels.mcp.http import MCP_PATH, McpHttp

    mcp = McpHttp(rt, auth)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        # approvals a crash left approved-but-not-run or executing past their lease are finished once
        recovered = await run_in_threadpool(rt.gate.recover)
        for approval_id, result in recovered:
            log.warning("recovered approval %s at start-up: %s", approval_id, result.kind)
        thread = None
        if worker:
            from agent.channels.notify.worker import run_forever

            thread = threading.Thread(target=run_forever, args=(rt, stop), daemon=True, name="dsadmin-notify")
            thread.start()
        async with mcp.running():
            yield
        stop.set()
        if thread is not None:
            thread.join(timeout=10)

    app = FastAPI(
        title="dsadmin",
        version="1",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
        description="The dsadmin agent as a service: ask, confirm, approve; every call through the gate.",
    )
    app.state.rt = rt
    app.state.auth = auth
    app.add_exception_handler(RequestValidationError, _invalid_request)

    @app.middleware("http")
    async def authenticate_api(request: Request, call_next):
        path = request.url.path
        if not path.startswith("/api/v1/") or path in OPEN_PATHS:
            return await call_next(request)
        try:
            actor = await run_in_threadpool(
                auth.from_bearer, request.headers.get("authorization"), auth.base_url(request)
            )
        except AuthError as exc:
            return JSONResponse(
                {"error": "unauthorized", "message": str(exc)},
                401,
                headers={"WWW-Authenticate": 'Bearer realm="dsadmin"'},
            )
        if not await run_in_threadpool(auth.allow, actor):
            return JSONResponse(
                {"error": "rate_limited", "message": "too many requests; wait a minute"},
                429,
                headers={"Retry-After": "60"},
            )
        request.state.actor = actor
        return await call_next(request)

    app.include_router(api.router)
    app.include_router(pages.router)
    from starlette.routing import Route

    app.router.routes.extend([mcp.metadata_route(), Route(MCP_PATH, mcp, methods=["GET", "POST", "DELETE"])])
    app.router.routes.extend(_slack_routes(rt))
    if idp is not None:
        from tools.docusign.sandbox._oidc import routes

        app.router.routes.extend(routes(idp, IDP_MOUNT))
    app.add_middleware(BodyLimit, max_bytes=config.auth.max_body_bytes)
    return app
