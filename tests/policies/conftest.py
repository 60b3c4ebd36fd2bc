"""Shared builders for the policy tests: realistic resolved calls and people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from policies.call import Actor, ResolvedCall
from tools.actions import ToolCall, parse_call

SELF = "pat@acme.com"
OTHER = "lee@acme.com"
APPROVER = "approver@acme.com"
PROFILE_OPS = {("manage_user", "provision"), ("manage_user", "reactivate"),
               ("manage_account_membership", "change_permission_profile"),
               ("manage_account_membership", "add_to_account")}


def actor(*roles: str, email: str = SELF) -> Actor:
    return Actor(email=email, roles=frozenset(roles))


def build_call(action: str, operation: str, *, target: str | None = None, profile: str | None = None,
               account: str | None = "EMEA", page_size: int | None = None) -> ResolvedCall:
    """A call as the gate would resolve it, from arguments the action's own schema accepts."""
    args: dict = {}
    if action != "list_users":
        args["operation"] = operation
    if target is not None:
        args["email"] = target
    if profile is not None:
        args["permission_profile"] = profile
    if action == "list_users":
        args["page_size"] = page_size or 50
        if account:
            args["account"] = account
    elif action == "list_account":
        if operation in ("permission_profiles", "groups"):
            args["account"] = account or "EMEA"
    elif action == "manage_user":
        if operation == "update":
            args["job_title"] = "Engineer"
        if (account and operation != "purge") or operation in ("close", "reactivate"):
            args["account"] = account or "EMEA"  # a purge is of the whole user: it names no account
    else:
        args["account"] = account or "EMEA"
        if operation.endswith("groups"):
            args["groups"] = ["Sales"]
    model = parse_call(ToolCall(id="t", action=action, args=args))
    dumped = model.model_dump(exclude_none=True)
    account_name = dumped.get("account")
    return ResolvedCall(
        action=action, operation=operation, target_email=dumped.get("email"),
        account_ids=(f"id-{account_name.lower()}",) if account_name else (),
        account_names=(account_name,) if account_name else (),
        permission_profile=dumped.get("permission_profile"), groups=tuple(dumped.get("groups") or ()),
        page_size=dumped.get("page_size"), args=dumped,
    )


@pytest.fixture(scope="session")
def build() -> SimpleNamespace:
    return SimpleNamespace(call=build_call, actor=actor, SELF=SELF, OTHER=OTHER, APPROVER=APPROVER,
                           PROFILE_OPS=PROFILE_OPS)


class Clock:
    """A clock the tests move. It starts at the real time: worker processes use the real clock."""

    def __init__(self):
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def log(store_engine):
    from audit import AuditLog

    return AuditLog(store_engine)
