"""Offboarding in the conversation: a leaver's every membership closes, after the preview and a yes."""

from __future__ import annotations

import pytest
from agent_stack import membership, stack

from agent.backends.offline import OfflineBackend
from agent.conversation import Conversation

EMMA = "emma.johnson@acme.com"
ACCOUNTS = ("Acme Main", "Acme Legal", "EMEA")


@pytest.mark.parametrize(
    "text",
    ["offboard emma.johnson@acme.com", "emma.johnson@acme.com left the company",
     "Emma Johnson left the company, deprovision her"],
)  # fmt: skip
def test_a_leaver_is_closed_everywhere_after_confirmation(tmp_path, text):
    sb, rt = stack(tmp_path)
    conv = Conversation(rt, rt.actor("admin@acme.com"), OfflineBackend())
    before = sb.dump()
    asked = conv.ask(text)
    assert asked.outcome == "needs_confirmation"
    assert sb.dump() == before  # nothing closes before the yes
    assert {p["account"] for p in asked.preview if p["field"] == "status"} == set(ACCOUNTS)
    done = conv.confirm()
    assert done.outcome == "done"
    after = sb.dump()
    assert {a: membership(after, EMMA, a)["status"] for a in ACCOUNTS} == dict.fromkeys(ACCOUNTS, "closed")


def test_asking_whether_someone_left_changes_nothing(tmp_path):
    sb, rt = stack(tmp_path)
    before = sb.dump()
    reply = Conversation(rt, rt.actor("admin@acme.com"), OfflineBackend()).ask(
        "Has emma.johnson@acme.com left the company?"
    )
    # a question may be answered with a read (her memberships); it never proposes a write
    assert not [c for c in reply.calls if c.action in ("manage_user", "manage_account_membership")]
    assert sb.dump() == before
