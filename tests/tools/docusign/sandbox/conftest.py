"""Sandbox test helpers: an acme sandbox, an authenticated httpx client, strict spec schemas."""

from __future__ import annotations

import re

import httpx
import pytest

from tools.docusign.sandbox import SANDBOX_ADMIN_URL, Sandbox


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox.from_fixture("acme", seed=7)


@pytest.fixture
def api(sb) -> httpx.Client:
    client = httpx.Client(
        transport=sb.transport(),
        base_url=SANDBOX_ADMIN_URL,
        headers={"Authorization": f"Bearer {sb.issue_token()}"},
    )
    yield client
    client.close()


@pytest.fixture
def org(sb) -> str:
    return f"/v2/organizations/{sb.organization_id}"


class SpecSchemas:
    """Response and request schemas of the spec's operations, strict, with $refs resolvable."""

    def __init__(self, spec: dict, definitions: dict) -> None:
        self.spec = spec
        self.definitions = definitions

    def operation(self, method: str, path: str) -> tuple[str, dict]:
        base = self.spec.get("basePath", "/Management")
        rel = path[len(base) :] if path.startswith(base) else path
        for template, ops in self.spec["paths"].items():
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            if re.match(pattern, rel) and method.lower() in ops:
                return template, ops[method.lower()]
        raise AssertionError(f"{method} {path} is not an operation of the spec")

    def response(self, method: str, path: str, status: int) -> dict:
        _, op = self.operation(method, path)
        schema = op["responses"][str(status)]["schema"]
        return {**schema, "definitions": self.definitions}

    def error(self) -> dict:
        return {"$ref": "#/definitions/ErrorDetails", "definitions": self.definitions}

    def validate(self, method: str, path: str, status: int, body) -> None:
        import jsonschema

        schema = self.response(method, path, status) if status == 200 else self.error()
        if status != 200:
            assert set(body) == {"error", "error_description"}, body
        jsonschema.Draft4Validator(schema, format_checker=_format_checker()).validate(body)


def _format_checker():
    """uuid from jsonschema, plus date-time (checked with datetime, DocuSign's ``...Z`` form)."""
    import jsonschema

    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value) -> bool:
        from datetime import datetime

        if not isinstance(value, str):
            return True
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None

    return checker


@pytest.fixture(scope="session")
def schemas(spec, strict_definitions) -> SpecSchemas:
    return SpecSchemas(spec, strict_definitions)
