"""Shared pieces for the DocuSign client tests: a fake clock, an RSA key, request capture, spec checks."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tools.docusign import RetryPolicy


@dataclass
class FakeClock:
    """Epoch time that only moves when someone sleeps or the test advances it."""

    now: float = 1_800_000_000.0
    sleeps: list[float] = field(default_factory=list)

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def policy_for(clock: FakeClock, **overrides) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=clock.time, rng=random.Random(7), **overrides)


@pytest.fixture
def policy(clock):
    """A retry policy on the fake clock: waits are recorded in ``clock.sleeps``, never slept."""
    return lambda **overrides: policy_for(clock, **overrides)


@pytest.fixture(scope="session")
def rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="session")
def rsa_public_pem(rsa_pem) -> str:
    key = serialization.load_pem_private_key(rsa_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


class Recorder(httpx.BaseTransport):
    """Wraps a transport and keeps every request it forwarded (method, path, query, JSON body)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.inner.handle_request(request)

    def bodies(self) -> list[tuple[str, str, object]]:
        out = []
        for r in self.requests:
            if r.content:
                try:
                    out.append((r.method, r.url.path, json.loads(r.content)))
                except ValueError:
                    continue
        return out


def _template_regex(template: str) -> re.Pattern:
    return re.compile(
        "^" + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
    )


def request_schema(spec: dict, definitions: dict, method: str, path: str) -> tuple[str, dict | None]:
    """The spec's path template for ``method path`` and the strict JSON schema of its body."""
    base = spec.get("basePath", "/Management")
    rel = path[len(base) :] if path.startswith(base) else path
    for template, ops in spec["paths"].items():
        if _template_regex(template).match(rel) and method.lower() in ops:
            for param in ops[method.lower()].get("parameters", []):
                if param.get("in") == "body":
                    return template, {**param["schema"], "definitions": definitions}
            return template, None
    raise AssertionError(f"{method} {path} is not an operation of DocuSign's Admin API spec")


@pytest.fixture
def assert_bodies_match_spec(spec, strict_definitions):
    """Check every JSON body a Recorder saw against DocuSign's request schema; returns the operations seen."""
    return lambda recorder: _assert_bodies_match_spec(spec, strict_definitions, recorder)


def _assert_bodies_match_spec(spec: dict, definitions: dict, recorder: Recorder) -> set[str]:
    import jsonschema

    checked = set()
    for method, path, body in recorder.bodies():
        if path.startswith("/oauth"):
            continue
        template, schema = request_schema(spec, definitions, method, path)
        assert schema is not None, f"{method} {path} takes no body in the spec but one was sent"
        jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(body)
        checked.add(f"{method} {template}")
    return checked


# --- the sandbox as DocuSign ------------------------------------------------------------------


@pytest.fixture
def acme():
    """The default sandbox org, in memory."""
    from tools.docusign.sandbox import Sandbox

    return Sandbox.from_fixture("acme")


@pytest.fixture
def wire(acme):
    """The sandbox's transport, recording every request the client sends."""
    return Recorder(acme.transport())


@pytest.fixture
def records():
    return []


@pytest.fixture
def waits():
    """Every wait the client asked for, in seconds (the sandbox clock moves instead of sleeping)."""
    return []


@pytest.fixture
def sandbox_policy(acme, waits):
    """Retries paced on the sandbox's clock: a wait advances it, so rate windows reset, nobody sleeps."""

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        acme.clock.advance(seconds=seconds)

    return RetryPolicy(sleep=sleep, clock=acme.clock.timestamp, rng=random.Random(3))


@pytest.fixture
def admin(acme, wire, records, sandbox_policy):
    """An AdminClient authenticated by the JWT grant as the sandbox's demo integration."""
    from tools.docusign import AdminClient, JWTAuth
    from tools.docusign.sandbox import SANDBOX_ADMIN_URL, SANDBOX_OAUTH_URL

    integration_key, user_id, pem, _ = acme.demo_integration
    auth = JWTAuth(SANDBOX_OAUTH_URL, integration_key, user_id, pem, transport=wire, retry=sandbox_policy)
    client = AdminClient(
        SANDBOX_ADMIN_URL, auth, transport=wire, on_request=records.append, retry=sandbox_policy
    )
    yield client
    client.close()
    auth.close()


def dumped_user(sandbox, email: str) -> dict | None:
    """The user as the sandbox's final state has it (fixture shape), or None."""
    for user in sandbox.dump()["users"]:
        if user["email"].casefold() == email.casefold():
            return user
    return None


@pytest.fixture
def state_of(acme):
    return lambda email: dumped_user(acme, email)
