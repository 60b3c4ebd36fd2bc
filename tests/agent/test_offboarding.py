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


LUCAS = "lucas.martin@acme.com"  # one membership: EMEA


@pytest.mark.parametrize(
    "text",
    ["lucas is leaving friday, close him out", "Lucas Martin is leaving on Friday, so please close him",
     "offboard lucas.martin@acme.com tomorrow", "close lucas.martin@acme.com on all accounts next friday"],
)  # fmt: skip
def test_a_close_said_for_a_later_day_waits_for_a_yes_that_says_it_happens_now(tmp_path, text):
    """dsadmin cannot schedule: a close for Friday is never run now without a word. It waits for the
    person's yes, which says it would happen now, and previews only the leaver's own membership."""
    sb, rt = stack(tmp_path)
    conv = Conversation(rt, rt.actor("admin@acme.com"), OfflineBackend())
    before = sb.dump()
    asked = conv.ask(text)
    assert asked.outcome == "needs_confirmation", asked.text
    assert sb.dump() == before
    assert "does not schedule changes" in asked.text and "now" in asked.text
    closes = [(p["account"], p["after"]) for p in asked.preview if p["field"] == "status"]
    assert closes == [("EMEA", "closed")]
    assert not any(a in asked.text for a in ("Acme Main", "Acme Legal", "Contractors"))
    declined = conv.confirm(accept=False)
    assert sb.dump() == before and "nothing was changed" in declined.text
    assert conv.ask(text).outcome == "needs_confirmation"
    assert conv.confirm().outcome == "done"
    assert membership(sb.dump(), LUCAS, "EMEA")["status"] == "closed"


def test_a_close_with_no_day_and_no_account_asks_among_the_users_own_memberships(tmp_path):
    sb, rt = stack(tmp_path)
    conv = Conversation(rt, rt.actor("admin@acme.com"), OfflineBackend())
    before = sb.dump()
    asked = conv.ask(f"close {LUCAS}")
    assert asked.outcome == "clarify" and sb.dump() == before
    assert "(EMEA)" in asked.text
    assert not any(a in asked.text for a in ("Acme Main", "Acme Legal", "Contractors"))
    assert conv.ask("EMEA").outcome == "done"
    assert membership(sb.dump(), LUCAS, "EMEA")["status"] == "closed"
