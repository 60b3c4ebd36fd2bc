"""The two doors into the core: an in-process httpx transport and a Starlette ASGI app."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from tools.docusign.sandbox._core import Core
from tools.docusign.sandbox._http import SandboxRequest, SandboxResponse

if TYPE_CHECKING:
    from starlette.applications import Starlette

_JSON = "application/json; charset=utf-8"


def _headers(response: SandboxResponse) -> dict[str, str]:
    headers = dict(response.headers)
    if response.body is not None:
        headers.setdefault("Content-Type", _JSON)
    return headers


class SandboxTransport(httpx.BaseTransport):
    """A sync httpx transport (like ``httpx.MockTransport``) answering from the sandbox, any host."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        sandbox_request = SandboxRequest(
            method=request.method.upper(),
            scheme=request.url.scheme,
            host=request.url.netloc.decode("ascii"),
            path=request.url.path,
            query=request.url.query.decode("ascii"),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        response = self._core.handle(sandbox_request)
        return httpx.Response(
            response.status, headers=_headers(response), content=response.content(), request=request
        )


def asgi_app(core: Core) -> Starlette:
    """A Starlette app serving every path through the core (latency sleeps run in the thread pool)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
        sandbox_request = SandboxRequest(
            method=request.method.upper(),
            scheme=request.url.scheme,
            host=host,
            path=request.url.path,
            query=request.url.query,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        response = await run_in_threadpool(core.handle, sandbox_request)
        return Response(response.content(), status_code=response.status, headers=_headers(response))

    methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", endpoint, methods=methods)])
