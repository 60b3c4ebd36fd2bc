"""The request handler behind both adapters: routing, bearer and scope checks, faults, headers.

Host-agnostic: ``/oauth/*`` is the OAuth server and ``/Management/*`` the Admin API, whatever
host the client addressed. Every answer is JSON in DocuSign's shapes; an unexpected exception
becomes a 500 in the same error shape (and is a sandbox bug), never a stack trace.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from tools.docusign.sandbox import _bulk, _oauth, _reads, _writes
from tools.docusign.sandbox._clock import Clock
from tools.docusign.sandbox._faults import FaultRun, Faults
from tools.docusign.sandbox._http import ApiError, SandboxRequest, SandboxResponse
from tools.docusign.sandbox._params import guid_param
from tools.docusign.sandbox._state import State, User

ADMIN_PREFIX = "/Management"
_ORG = "/v2/organizations/{organizationId}"


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Callable[..., Any]
    scope: str | None  # None: an OAuth route

    @property
    def pattern(self) -> re.Pattern:
        return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template)) + "/?$")


ROUTES = [
    Route("POST", "/oauth/token", _oauth.token, None),
    Route("GET", "/oauth/userinfo", _oauth.userinfo, None),
    Route("GET", ADMIN_PREFIX + "/v2/organizations", _reads.organizations, "organization_read"),
    Route(
        "GET",
        ADMIN_PREFIX + _ORG + "/accounts/{accountId}/permissions",
        _reads.permissions,
        "permission_read",
    ),
    Route("GET", ADMIN_PREFIX + _ORG + "/accounts/{accountId}/groups", _reads.groups, "group_read"),
    Route("GET", ADMIN_PREFIX + _ORG + "/users", _reads.users, "user_read"),
    Route("GET", ADMIN_PREFIX + _ORG + "/users/profile", _reads.profile, "user_read"),
    Route("POST", ADMIN_PREFIX + _ORG + "/users", _writes.create_user, "user_write"),
    Route(
        "POST", ADMIN_PREFIX + _ORG + "/accounts/{accountId}/users", _writes.add_account_user, "user_write"
    ),
    Route("POST", ADMIN_PREFIX + _ORG + "/users/profiles", _writes.update_profiles, "user_write"),
    Route(
        "DELETE", ADMIN_PREFIX + _ORG + "/users/{userId}/accounts", _writes.close_memberships, "user_write"
    ),
    Route(
        "POST",
        ADMIN_PREFIX + _ORG + "/users/{userId}/memberships/{membershipId}",
        _writes.activate_membership,
        "user_write",
    ),
    Route(
        "POST",
        ADMIN_PREFIX + "/v2/data_redaction/organizations/{organizationId}/user",
        _writes.redact_user,
        "user_data_redact",
    ),
    *_bulk.routes(Route, ADMIN_PREFIX + _ORG),
]
_COMPILED = [(r, r.pattern) for r in ROUTES]


@dataclass(frozen=True)
class ServedRequest:
    """What the sandbox served: for tests that count calls (``sb.requests``)."""

    method: str
    path_template: str
    status: int


class Context:
    """One request's view of the sandbox, handed to the operation functions."""

    def __init__(self, core: Core, request: SandboxRequest) -> None:
        self.core = core
        self.request = request
        self.state: State = core.state
        self.clock: Clock = core.clock
        self.faults: Faults = core.faults
        self.now = core.clock.timestamp()
        self.actor: User | None = None
        self.data_changed = False

    def changed(self, *, data: bool = True) -> None:
        """Note a change: ``data`` ones move the org's last_modified_on (a file-backed sandbox
        finds what changed itself, when the request's transaction commits)."""
        if data:
            self.data_changed = True
            self.state.organization.last_modified_on = self.now
            self.core.touch()


class Core:
    def __init__(
        self,
        state: State,
        clock: Clock,
        *,
        seed: int = 0,
        faults: Faults | None = None,
        exclusive: Callable[[], AbstractContextManager[None]] | None = None,
    ) -> None:
        self.state = state
        self.clock = clock
        self.faults = faults or Faults()
        self.seed = seed
        self.run = FaultRun(seed)
        self.requests: list[ServedRequest] = []
        self.lock = threading.RLock()
        self._exclusive = exclusive or nullcontext
        self._version = 0
        self._cache: dict[tuple, Any] = {}

    def touch(self) -> None:
        """The data changed (a write, a merge, a reload): drop cached query results."""
        self._version += 1
        self._cache.clear()

    def cached(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """A query result reused until the next change (paging 100k users stays linear)."""
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) > 32:
                self._cache.clear()
            found = self._cache[key] = compute()
        return found

    def fail_next(self, count: int = 1, status: int = 503, *, after_write: bool = False) -> None:
        with self.run.lock:
            if after_write:
                self.run.forced_lost += count
            else:
                self.run.forced.extend([status] * count)

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        delay = self.run.latency(self.faults)
        if delay:
            time.sleep(delay)
        route, params = self._match(request)
        with self.lock:
            trace = str(uuid.uuid4())
            admin = request.path.startswith(ADMIN_PREFIX + "/")
            rate = self.run.rate(self.faults, self.clock.timestamp()) if admin else None
            try:
                response = self._dispatch(request, route, params, rate)
            except ApiError as exc:
                response = exc.response()
            except Exception as exc:  # a sandbox bug: still DocuSign's shape, and visible
                response = ApiError(
                    500, "internal_error", f"sandbox error: {type(exc).__name__}: {exc}"
                ).response()
            if rate is not None:
                limit, remaining, reset, _ = rate
                response.headers.update(
                    {
                        "X-RateLimit-Limit": str(limit),
                        "X-RateLimit-Remaining": str(remaining),
                        "X-RateLimit-Reset": str(reset),
                    }
                )
            response.headers["X-DocuSign-TraceToken"] = trace
            template = route.template if route else request.path
            self.requests.append(ServedRequest(request.method, template, response.status))
        return response

    def _match(self, request: SandboxRequest) -> tuple[Route | None, dict[str, str]]:
        for route, pattern in _COMPILED:
            found = pattern.match(request.path)
            if found and route.method == request.method:
                return route, found.groupdict()
        return None, {}

    def _dispatch(
        self,
        request: SandboxRequest,
        route: Route | None,
        params: dict[str, str],
        rate: tuple[int, int, int, bool] | None,
    ) -> SandboxResponse:
        if route is None:
            allowed = [r.method for r, pat in _COMPILED if pat.match(request.path)]
            if allowed:
                raise ApiError(
                    405,
                    "method_not_allowed",
                    f"{request.method} is not supported on {request.path}; use {', '.join(allowed)}",
                )
            raise ApiError(
                404,
                "not_found",
                f"{request.method} {request.path} is not an operation of this API "
                "(Admin API paths start with /Management/v2/...; OAuth with /oauth/)",
            )
        with self._exclusive():  # file-backed: one transaction, no other process in between
            ctx = Context(self, request)
            if route.scope is not None and rate is not None:
                self._admin_gate(ctx, route, rate)
            if route.scope is not None:
                _bulk.settle(ctx)  # rows of bulk jobs whose moment has passed
            body = route.handler(ctx, **params)
            if isinstance(body, SandboxResponse):  # a CSV download
                return body
            if ctx.data_changed and self.run.response_lost(self.faults):
                raise ApiError(
                    503, "service_unavailable", "the service is temporarily unavailable; retry later"
                )
        return SandboxResponse(200, body)

    def _admin_gate(self, ctx: Context, route: Route, rate: tuple[int, int, int, bool]) -> None:
        """Faults first (as a gateway would), then the bearer, the scope, the org and admin rights."""
        limit, _, reset, allowed = rate
        if not allowed:
            raise ApiError(
                429,
                "too_many_requests",
                f"API rate limit of {limit} requests exceeded; retry after {reset} (X-RateLimit-Reset)",
            )
        status = self.run.server_error(self.faults)
        if status is not None:
            raise ApiError(
                status,
                "service_unavailable" if status == 503 else "internal_server_error",
                "the service is temporarily unavailable; retry later",
            )
        _, token, user = _oauth.bearer(ctx)
        if self.run.token_expires_now(self.faults):
            token.expires_at = ctx.now
            ctx.changed(data=False)
            raise ApiError(
                401,
                "invalid_token",
                "the access token has expired",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if route.scope not in token.scopes:
            raise ApiError(
                403,
                "insufficient_scope",
                f"the access token lacks the '{route.scope}' scope this operation requires; request it "
                "in the JWT assertion's scope claim (and have it consented)",
            )
        ctx.actor = user
        path = ctx.request.path
        if "/organizations/" not in path:
            return
        org_id = guid_param("organizationId", path.split("/organizations/", 1)[1].split("/", 1)[0])
        if org_id != self.state.organization.id:
            raise ApiError(
                404,
                "organization_not_found",
                f"organizationId {org_id} is not an organization of the authenticated user",
            )
        if not user.organization_admin:
            raise ApiError(
                403,
                "user_lacks_permissions",
                f"{user.email} is not an administrator of {self.state.organization.name}",
            )
