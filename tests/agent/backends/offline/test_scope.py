"""The planner reads only the names a request needs, and grounding is no weaker for it.

End to end on the acme sandbox through the product's runtime, cold (a new store: nothing cached):
the DocuSign requests are read back from the audit log, the outcome from the sandbox.
"""

from __future__ import annotations

import pytest
from agent_stack import membership, stack, user

from agent.backends.offline import OfflineBackend
from agent.backends.offline.scope import ScopedVocabulary, vocabulary_for
from agent.conversation import Conversation

ADMIN = "admin@acme.com"


def _requests(rt) -> list[str]:
    """(method path) of every DocuSign request so far, oldest first, '{accountId}' etc. kept."""
    events = rt.audit.tail(1000, kind="docusign_request")
    return [f"{e.payload['method']} {e.payload['path'].removeprefix('/v2/organizations')}" for e in events]


def _ask(tmp_path, text: str):
    sandbox, rt = stack(tmp_path)
    reply = Conversation(rt, rt.actor(ADMIN), OfflineBackend()).ask(text)
    return sandbox, rt, reply


def test_a_cold_profile_change_reads_the_named_accounts_profiles_and_nothing_else(tmp_path):
    sandbox, rt, reply = _ask(
        tmp_path, "Change john.doe@acme.com's permission profile on EMEA to DocuSign Viewer"
    )
    assert reply.outcome == "done", reply.text
    assert membership(sandbox.dump(), "john.doe@acme.com", "EMEA")["permission_profile"] == "DocuSign Viewer"
    assert _requests(rt) == [
        "GET ",
        "GET /{organizationId}/accounts/{accountId}/permissions",
        "GET /{organizationId}/users/profile",
        "POST /{organizationId}/users/profiles",
    ]


def test_a_close_reads_no_profiles_or_groups(tmp_path):
    sandbox, rt, reply = _ask(tmp_path, "Close liam.oconnor@acme.com's membership on Acme Main")
    assert reply.outcome == "done", reply.text
    assert membership(sandbox.dump(), "liam.oconnor@acme.com", "Acme Main")["status"] == "closed"
    assert not [r for r in _requests(rt) if r.endswith(("/permissions", "/groups"))]


def test_an_unknown_profile_is_asked_about_never_swapped(tmp_path):
    sandbox, rt, reply = _ask(
        tmp_path, "Change john.doe@acme.com's permission profile on EMEA to Super Sender"
    )
    assert reply.outcome == "clarify", reply.text
    assert "Super Sender" in reply.text
    assert membership(sandbox.dump(), "john.doe@acme.com", "EMEA")["permission_profile"] == "DocuSign Sender"
    assert not [r for r in _requests(rt) if r.startswith("POST")]


def test_a_group_of_another_account_is_not_given_on_this_one(tmp_path):
    """Litigation is a group on Acme Legal only: on EMEA it is asked about, and nobody is created."""
    text = "Provision maya.chen@acme.com on EMEA as DocuSign Sender in Litigation"
    sandbox, _rt, reply = _ask(tmp_path, text)
    assert reply.outcome == "clarify", reply.text
    assert "Litigation" in reply.text
    assert user(sandbox.dump(), "maya.chen@acme.com") is None


def test_a_provision_with_a_group_reads_that_accounts_groups(tmp_path):
    sandbox, rt, reply = _ask(tmp_path, "Provision maya.chen@acme.com on EMEA as DocuSign Sender in Finance")
    assert reply.outcome == "done", reply.text
    assert membership(sandbox.dump(), "maya.chen@acme.com", "EMEA")["groups"] == ["Finance"]
    reads = [r for r in _requests(rt) if r.endswith(("/permissions", "/groups"))]
    assert sorted(reads) == [
        "GET /{organizationId}/accounts/{accountId}/groups",
        "GET /{organizationId}/accounts/{accountId}/permissions",
    ]


@pytest.mark.parametrize(
    ("text", "scope", "kinds"),
    [
        ("Close x@acme.com on EMEA", ("EMEA",), set()),
        ("Change x@acme.com to DocuSign Viewer", ("Acme Main",), {"profiles"}),
        ("Change x@acme.com's permission profile on Acme Legal to Paralegal", ("Acme Legal",), {"profiles"}),
        ("Add x@acme.com to the Finance group on EMEA", ("EMEA",), {"groups"}),
        (
            "Give x@acme.com DocuSign Viewer on every account",
            ("Acme Main", "Acme Legal", "EMEA", "Contractors"),
            {"profiles"},
        ),
    ],
)
def test_the_narrowest_stage_that_explains_every_word(acme, text, scope, kinds):
    found = vocabulary_for(text, acme)
    assert isinstance(found, ScopedVocabulary)
    assert found.scope == scope and found.kinds == kinds


@pytest.mark.parametrize(
    "text",
    [
        "Give x@acme.com Paralegal on EMEA",  # a profile of Acme Legal only
        "Add x@acme.com to Litigation on EMEA",  # a group of Acme Legal only
        "Give Chris sender rights",  # a person's name: not a grammar word
    ],
)
def test_a_word_no_stage_explains_gets_every_name(acme, text):
    assert vocabulary_for(text, acme) is acme
