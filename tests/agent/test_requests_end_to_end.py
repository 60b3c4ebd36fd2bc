"""Every request of the actions issue, end to end, on both the real SDK (against the local fake
Messages API) and the offline planner: conversation -> gate -> client -> sandbox. Each case is
judged on the sandbox's final state, after the confirmations and approvals it needs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from agent_stack import maya_with, membership, pending_emails, unchanged, user
from fake_messages_api import FakeMessagesAPI, text_turn, tool_turn

from agent.backends.anthropic import AnthropicBackend
from agent.backends.offline import OfflineBackend
from agent.conversation import Conversation

ADMIN, SAM, HANNAH, APPROVER = (
    "admin@acme.com",
    "sam.lee@acme.com",
    "hannah.schmidt@acme.com",
    "approver@acme.com",
)
MAYA = "maya.chen@acme.com"
MAYA_CONTRACTOR = maya_with(
    {
        "Contractors": {"status": "active", "permission_profile": "DocuSign Viewer"},
        "Acme Main": {"status": "active", "permission_profile": "DocuSign Sender"},
    }
)
MAYA_CLOSED = maya_with({"Contractors": {"status": "closed", "permission_profile": "DocuSign Viewer"}})


@dataclass
class Case:
    id: str
    actor: str
    text: str
    calls: list[tuple[str, dict]]
    outcome: str
    check: Callable[[dict, dict], Any]
    setup: dict | None = None
    hours_later: float = 0
    confirm: bool = False
    approve: bool = False
    reply_has: list[str] = field(default_factory=list)
    # what the offline planner reads before ``calls`` (an employee's own memberships)
    offline_reads: list[tuple[str, dict]] = field(default_factory=list)


def _unchanged(before: dict, after: dict) -> None:
    assert after == before


def _profile(email: str, account: str, profile: str, groups: set[str] = frozenset()):
    def check(_before: dict, after: dict) -> None:
        m = membership(after, email, account)
        assert m is not None, f"{email} has no membership on {account}"
        assert m["permission_profile"] == profile
        assert m["status"] in ("active", "activation_sent", "activation_required")
        assert groups <= set(m.get("groups") or [])

    return check


def _seat(email: str, account: str, profile: str):
    """A new membership with ``profile``; the memberships the user had are untouched."""
    gained = _profile(email, account, profile)

    def check(before: dict, after: dict) -> None:
        assert membership(before, email, account) is None
        gained(before, after)
        assert {a: m for a, m in user(after, email)["memberships"].items() if a != account} == user(
            before, email
        )["memberships"]

    return check


def _closed(email: str, account: str):
    def check(before: dict, after: dict) -> None:
        assert membership(after, email, account)["status"] == "closed"
        assert membership(after, email, "Acme Main") == membership(before, email, "Acme Main")

    return check


def _purged(_before: dict, after: dict) -> None:
    found = user(after, MAYA)
    assert found is None or found.get("redacted") or MAYA not in str(found)


CASES = [
    Case(
        "provision",
        ADMIN,
        "Provision maya.chen@acme.com on Acme Main as DocuSign Sender in Sales",
        [
            (
                "manage_user",
                {
                    "operation": "provision",
                    "email": MAYA,
                    "account": "Acme Main",
                    "permission_profile": "DocuSign Sender",
                    "groups": ["Sales"],
                },
            )
        ],
        "done",
        _profile(MAYA, "Acme Main", "DocuSign Sender", {"Sales"}),
    ),
    Case(
        "list-pending",
        ADMIN,
        "List every DocuSign user in the org with status pending",
        [("list_users", {"status": "pending"})],
        "done",
        _unchanged,
    ),
    Case(
        "legal-profiles",
        ADMIN,
        "Show permission profiles on Acme Legal",
        [("list_account", {"operation": "permission_profiles", "account": "Acme Legal"})],
        "done",
        _unchanged,
        reply_has=["Paralegal", "DocuSign Viewer"],
    ),
    Case(
        "john-admin",
        ADMIN,
        "Change john.doe@acme.com to Account Administrator on EMEA",
        [
            (
                "manage_account_membership",
                {
                    "operation": "change_permission_profile",
                    "email": "john.doe@acme.com",
                    "account": "EMEA",
                    "permission_profile": "Account Administrator",
                },
            )
        ],
        "needs_confirmation",  # an administrator profile is granted once the person confirms
        _profile("john.doe@acme.com", "EMEA", "Account Administrator"),
        confirm=True,
    ),
    Case(
        "close-contractors",
        ADMIN,
        "Close maya.chen@acme.com's membership in Contractors",
        [("manage_user", {"operation": "close", "email": MAYA, "account": "Contractors"})],
        "done",
        _closed(MAYA, "Contractors"),
        setup=MAYA_CONTRACTOR,
    ),
    Case(
        "employee-seat",
        SAM,
        "I need a DocuSign seat on EMEA as a DocuSign Viewer",
        [
            (
                "manage_user",
                {
                    "operation": "provision",
                    "email": SAM,
                    "account": "EMEA",
                    "permission_profile": "DocuSign Viewer",
                },
            )
        ],
        "pending_approval",
        _profile(SAM, "EMEA", "DocuSign Viewer"),
        approve=True,
    ),
    Case(
        "employee-sender-rights",
        HANNAH,
        "I need sender rights on Acme Legal",
        [
            (
                "manage_account_membership",
                {
                    "operation": "change_permission_profile",
                    "email": HANNAH,
                    "account": "Acme Legal",
                    "permission_profile": "DocuSign Sender",
                },
            )
        ],
        "pending_approval",
        _profile(HANNAH, "Acme Legal", "DocuSign Sender"),
        approve=True,
        offline_reads=[("list_account", {"operation": "user_memberships", "email": HANNAH})],
    ),
    Case(
        "employee-sender-rights-on-a-new-account",
        SAM,
        "I need sender rights on EMEA",
        [
            (
                "manage_user",
                {
                    "operation": "provision",
                    "email": SAM,
                    "account": "EMEA",
                    "permission_profile": "DocuSign Sender",
                },
            )
        ],
        "pending_approval",
        _seat(SAM, "EMEA", "DocuSign Sender"),
        approve=True,
        offline_reads=[("list_account", {"operation": "user_memberships", "email": SAM})],
    ),
    Case(
        "employee-own-accounts",
        SAM,
        "Which accounts do I have and what is my profile?",
        [("list_account", {"operation": "user_memberships", "email": SAM})],
        "done",
        _unchanged,
        reply_has=["Acme Main", "DocuSign Sender"],
    ),
    Case(
        "reactivate",
        ADMIN,
        "Reactivate tom.baker@acme.com on Acme Main as DocuSign Viewer",
        [
            (
                "manage_user",
                {
                    "operation": "reactivate",
                    "email": "tom.baker@acme.com",
                    "account": "Acme Main",
                    "permission_profile": "DocuSign Viewer",
                },
            )
        ],
        "done",
        _profile("tom.baker@acme.com", "Acme Main", "DocuSign Viewer"),
    ),
    Case(
        "purge-active-refused",
        ADMIN,
        "Purge john.doe@acme.com",
        [("manage_user", {"operation": "purge", "email": "john.doe@acme.com"})],
        "error",
        _unchanged,
    ),
    Case(
        "purge-closed-25h",
        ADMIN,
        "Purge maya.chen@acme.com",
        [("manage_user", {"operation": "purge", "email": MAYA})],
        "needs_confirmation",
        _purged,
        setup=MAYA_CLOSED,
        hours_later=25,
        confirm=True,
        approve=True,
    ),
]


def _backend(kind: str, case: Case, api: FakeMessagesAPI | None):
    if kind == "offline":
        return OfflineBackend()
    api.add(tool_turn(*case.calls), text_turn("Done; see the results above."))
    return AnthropicBackend(model="claude-test", base_url=api.base_url)


@pytest.fixture
def fake_api(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-fake")
    with FakeMessagesAPI([]) as api:
        yield api


@pytest.mark.parametrize("kind", ["anthropic", "offline"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_request_leaves_the_expected_state(acme_stack, fake_api, kind, case):
    sandbox, rt = acme_stack(case.setup, hours_later=case.hours_later)
    before = sandbox.dump()
    conv = Conversation(rt, rt.actor(case.actor), _backend(kind, case, fake_api))
    reply = conv.ask(case.text)
    assert reply.outcome == case.outcome, reply.text
    reads = case.offline_reads if kind == "offline" else []
    assert [(c.action, c.args) for c in reply.calls] == reads + case.calls
    # what the person reads (offline) or what the model was shown to write its reply (anthropic)
    shown = reply.text if kind == "offline" else json.dumps(fake_api.requests[-1]["messages"])
    for fragment in case.reply_has:
        assert fragment in shown
    assert "sandbox" in reply.text
    if case.id == "list-pending":
        assert pending_emails(before) and all(email in shown for email in pending_emails(before))
    if case.confirm:
        assert sandbox.dump() == before  # nothing happens before the person confirms
        token = reply.confirmation_token
        assert token and all(token not in str(request) for request in fake_api.requests)
        reply = conv.confirm(accept=True)
    if case.approve:
        assert reply.outcome == "pending_approval" and reply.approval_id
        assert sandbox.dump() == before  # nothing happens before the approver acts
        result = rt.gate.approve(rt.actor(APPROVER), reply.approval_id)
        assert result.kind == "ok", result
    case.check(before, sandbox.dump())
    assert fake_api.problems == []


def test_closing_my_account_asks_among_my_own_accounts_and_changes_nothing(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        conv = Conversation(rt, rt.actor(SAM), OfflineBackend())
        reply = conv.ask("please close my account")
        assert reply.outcome == "clarify", reply.text
        assert [(c.action, c.args) for c in reply.calls] == [
            ("list_account", {"operation": "user_memberships", "email": SAM})
        ]
        assert "(Acme Main)" in reply.text
        assert not any(a in reply.text for a in ("Acme Legal", "EMEA", "Contractors"))
        reply = conv.ask("Acme Main")
        assert reply.outcome == "denied", reply.text  # the policy does not let an employee close
        assert [(c.action, c.args) for c in reply.calls][-1] == (
            "manage_user",
            {"operation": "close", "email": SAM, "account": "Acme Main"},
        )
