"""Shared helpers for the agent's end-to-end tests: a real stack on an in-memory sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agent.config import Config, embedded_default
from agent.runtime import Runtime, build_runtime


def stack(
    tmp_path, setup: dict | None = None, *, hours_later: float = 0, config: Config | None = None
) -> tuple[Any, Runtime]:
    """A fresh acme sandbox (plus ``setup`` in fixture shape) and the product's runtime on it
    (``config``: the embedded default unless given). The caller closes the runtime; tests use the
    ``acme_stack`` fixture (tests/agent/conftest.py), which does."""
    from tools.docusign.sandbox import Sandbox

    sandbox = Sandbox.from_fixture("acme")
    if setup:
        sandbox.merge(setup)
    if hours_later:
        sandbox.advance_clock(hours=hours_later)
    rt = build_runtime(
        config or embedded_default(), sandbox=sandbox, store_url=f"sqlite:///{tmp_path / 'store.db'}"
    )
    return sandbox, rt


@contextmanager
def unchanged(sandbox) -> Iterator[dict]:
    """The block must leave the sandbox exactly as it was; yields the state before it."""
    before = sandbox.dump()
    yield before
    assert sandbox.dump() == before


def user(dump: dict, email: str) -> dict | None:
    return next((u for u in dump["users"] if u["email"].lower() == email.lower()), None)


def membership(dump: dict, email: str, account: str) -> dict | None:
    found = user(dump, email)
    return (found or {}).get("memberships", {}).get(account)


def pending_emails(dump: dict) -> set[str]:
    return {
        u["email"]
        for u in dump["users"]
        if any(
            m.get("status") in ("activation_sent", "activation_required")
            for m in u.get("memberships", {}).values()
        )
    }


def maya_with(memberships: dict[str, dict]) -> dict:
    """A ``setup`` (fixture shape) adding maya.chen@acme.com with these memberships by account name."""
    maya = {"email": "maya.chen@acme.com", "first_name": "Maya", "last_name": "Chen"}
    return {"users": [{**maya, "memberships": memberships}]}
