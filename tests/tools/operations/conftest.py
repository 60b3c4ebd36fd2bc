"""A whole gate against the sandbox: the real client, directory, policy, audit log and books.

``world`` is the acme sandbox with a gate in front of it. Tests speak as people
(``world.submit("admin@acme.com", "manage_user", operation=..., ...)``) and assert on
``world.sandbox.dump()``: what DocuSign ends up holding, not what the gate says it did.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from evals.bench.bench_gate_requests import Bench, open_bench


@dataclass
class World(Bench):
    """The bench's stack plus what tests read: the sandbox's state and every request on the wire."""

    wire: Any = None

    def dump(self) -> dict[str, Any]:
        return copy.deepcopy(self.sandbox.dump())

    def user(self, email: str) -> dict[str, Any] | None:
        """The user's entry in the sandbox dump (fixture shape), or None."""
        return user_in(self.dump(), email)

    def membership(self, email: str, account: str) -> dict[str, Any] | None:
        user = self.user(email)
        return membership_in(user, account) if user else None

    def user_queries(self) -> list[dict[str, list[str]]]:
        """The query of each ``GET .../users`` sent so far (DocuSign's filters, as parse_qs reads them)."""
        return [parse_qs(query) for method, path, query in self.wire.queries
                if method == "GET" and path.endswith("/users")]

    def writes(self) -> list[Any]:
        return [r for r in self.seen if r.method != "GET"]

    def confirm(self, who: str, asked: Any) -> Any:
        """The person's yes to a confirmation the gate asked for (nothing written before it)."""
        assert asked.kind == "needs_confirmation", asked
        return self.gate.confirm(self.actor(who), asked.token, session_id="s-bench")

    def events(self, kind: str | None = None) -> list[Any]:
        return [e for e in self.audit.records() if kind is None or e.kind == kind]


class Recorder(httpx.BaseTransport):
    """The sandbox's transport, keeping each Admin API request as sent (method, path, JSON body) and
    its query string (method, path, query)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[tuple[str, str, Any]] = []
        self.queries: list[tuple[str, str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.read() or b"null") if "json" in request.headers.get("content-type", "") \
            else None
        self.sent.append((request.method, request.url.path, body))
        self.queries.append((request.method, request.url.path, request.url.query.decode()))
        return self.inner.handle_request(request)


def user_in(dump: dict[str, Any], email: str) -> dict[str, Any] | None:
    return next((u for u in dump["users"] if u["email"].lower() == email.lower()), None)


def membership_in(user: dict[str, Any], account: str) -> dict[str, Any] | None:
    found = user["memberships"].get(account)
    return dict(found, account=account) if found is not None else None


def build_world(tmp_path) -> World:
    from tools.docusign import RetryPolicy
    from tools.docusign.sandbox import Sandbox

    sandbox = Sandbox.from_fixture("acme")
    wire = Recorder(sandbox.transport())
    no_waiting = RetryPolicy(base_delay=0.0, max_delay=0.0, sleep=lambda _s: None)  # tests never sleep
    world = open_bench(sandbox, f"sqlite:///{tmp_path / 'store.db'}", transport=wire, retry=no_waiting,
                       kind=World)
    world.wire = wire
    return world


@pytest.fixture
def world(tmp_path):
    built = build_world(tmp_path)
    yield built
    built.client.close()


@pytest.fixture
def make_world(tmp_path):
    """Independent worlds in one test (e.g. a fault-free twin whose final state is the reference)."""
    built: list[World] = []

    def make() -> World:
        home = tmp_path / f"world{len(built)}"
        home.mkdir()
        built.append(build_world(home))
        return built[-1]

    yield make
    for each in built:
        each.client.close()
