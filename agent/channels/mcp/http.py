"""The MCP channel over Streamable HTTP at ``/mcp`` in ``dsadmin serve``: an OAuth-protected resource.

Why the service's own authenticator and not a second one: the bearer tokens MCP clients send are
the very tokens ``/api/v1`` accepts (the identity provider's access tokens, or personal API
tokens), so one validation path decides who a caller is everywhere. Without a valid token the
answer is 401 with ``WWW-Authenticate: Bearer resource_metadata=...`` pointing at the Protected
Resource Metadata (RFC 9728), which is how MCP clients discover where to sign in.

Stateless transport: any instance behind a load balancer can answer any request (nothing an
instance holds in memory is needed by another); confirmations use the 2026-07-28 round trip
(``input_required``) that needs no open stream.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from agent.channels.mcp.server import ACTOR_SCOPE_KEY, McpChannel, build_server

MCP_PATH = "/mcp"
METADATA_PATH = "/.well-known/oauth-protected-resource" + MCP_PATH


class McpHttp:
    """The ``/mcp`` endpoint, its metadata route, and the lifespan its session manager needs."""

    def __init__(self, runtime: Any, authenticator: Any) -> None:
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

        self.channel = McpChannel.wired(runtime)
        self.auth = authenticator
        self.manager = StreamableHTTPSessionManager(build_server(self.channel), stateless=True,
                                                    json_response=True)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with self.manager.run():
            yield
        self.channel.close()

    def issuer(self, base_url: str) -> str:
        from agent.channels.web.auth import IDP_MOUNT

        oidc = self.auth.settings.oidc
        return oidc.issuer if oidc is not None else f"{base_url}{IDP_MOUNT}"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.manager.handle_request(scope, receive, send)
        from agent.channels.oidc import AuthError

        request = Request(scope, receive)
        base = self.auth.base_url(request)
        try:
            actor = await run_in_threadpool(self.auth.from_bearer, request.headers.get("authorization"), base)
        except AuthError as exc:
            challenge = f'Bearer error="invalid_token", resource_metadata="{base}{METADATA_PATH}"'
            response = JSONResponse({"error": "unauthorized", "message": str(exc)}, 401,
                                    headers={"WWW-Authenticate": challenge})
            return await response(scope, receive, send)
        if not await run_in_threadpool(self.auth.allow, actor):
            response = JSONResponse({"error": "rate_limited", "message": "too many requests; wait a minute"},
                                    429, headers={"Retry-After": "60"})
            return await response(scope, receive, send)
        scope[ACTOR_SCOPE_KEY] = actor
        await self.manager.handle_request(scope, receive, send)

    def metadata_route(self) -> Route:
        async def metadata(request: Request) -> JSONResponse:
            base = self.auth.base_url(request)
            return JSONResponse({
                "resource": f"{base}{MCP_PATH}",
                "authorization_servers": [self.issuer(base)],
                "bearer_methods_supported": ["header"],
                "scopes_supported": ["openid", "email", "profile"],
                "resource_name": "dsadmin",
            })

        return Route(METADATA_PATH, metadata, methods=["GET"])
