"""Through the real stack (conversation -> gate -> sandbox): an address one slip from a real user's
is offered back and used only after a yes; "actually make it Viewer" corrects the change just made;
a change "until Friday" says nothing is scheduled. Judged on the sandbox's final state and the reply."""

from __future__ import annotations

import pytest
from agent_stack import membership, stack

from agent.backends.offline import OfflineBackend
from agent.backends.offline.nearby import near, one_edit, search_calls
from agent.conversation import Conversation

ADMIN = "admin@acme.com"


@pytest.fixture
def org(tmp_path):
    """The sandbox and an admin's conversation with the offline planner over the real gate."""
    sandbox, rt = stack(tmp_path)
    try:
        yield sandbox, Conversation(rt, rt.actor(ADMIN), OfflineBackend())
    finally:
        rt.close()


def test_an_address_one_slip_away_is_offered_and_used_only_after_yes(org):
    sandbox, conv = org
    before = sandbox.dump()
    reply = conv.ask("add david.kimm@acme.com to Sales on EMEA")
    assert "did you mean david.kim@acme.com" in reply.text.lower()
    assert sandbox.dump() == before  # nothing changed, nobody else touched
    reply = conv.ask("yes")
    assert reply.outcome == "done", reply.text
    assert set(membership(sandbox.dump(), "david.kim@acme.com", "EMEA")["groups"]) == {"Finance", "Sales"}


def test_an_address_near_two_users_offers_both_and_changes_nobody(org):
    sandbox, conv = org
    before = sandbox.dump()
    reply = conv.ask("make jhon.doe@acme.com a viewer on EMEA")
    assert "john.doe@acme.com" in reply.text and "jon.doe@acme.com" in reply.text
    assert sandbox.dump() == before


def test_an_unknown_address_near_nobody_keeps_the_gates_answer(org):
    sandbox, conv = org
    before = sandbox.dump()
    reply = conv.ask("close zzz.qqq@acme.com on EMEA")
    assert sandbox.dump() == before
    assert reply.outcome == "error" and "no DocuSign user with email zzz.qqq@acme.com" in reply.text


def test_near_addresses_are_one_slip_and_an_existing_address_is_no_typo():
    rows = {"kind": "ok", "data": {"users": [{"email": "john.doe@acme.com"}, {"email": "jon.doe@acme.com"},
                                             {"email": "john.doe@northwind-staffing.example"}]}}
    assert near("jhon.doe@acme.com", [rows]) == ["john.doe@acme.com", "jon.doe@acme.com"]
    assert near("john.doe@acme.com", [rows]) is None  # it exists: the failure was something else
    assert one_edit("kim", "kimm") and not one_edit("kim", "kimmy")
    assert [c.args["name_contains"] for c in search_calls("david.kimm@acme.com")] == ["david", "kimm"]


def test_actually_make_it_viewer_corrects_the_seat_just_made(org):
    sandbox, conv = org
    assert conv.ask("give maya.chen@acme.com a sender seat on EMEA").outcome == "done"
    reply = conv.ask("actually make it Viewer")
    assert reply.outcome == "done", reply.text
    seat = membership(sandbox.dump(), "maya.chen@acme.com", "EMEA")
    assert seat["permission_profile"] == "DocuSign Viewer"


def test_a_correction_to_an_unknown_profile_is_named_back_as_typed(org):
    sandbox, conv = org
    assert conv.ask("make david.kim@acme.com a sender on EMEA").outcome == "done"
    after_first = sandbox.dump()
    reply = conv.ask("no wait, make that Chief Signer")
    assert reply.outcome == "clarify" and "Chief Signer" in reply.text
    assert sandbox.dump() == after_first


def test_a_change_until_friday_is_done_and_says_nothing_is_scheduled(org):
    sandbox, conv = org
    reply = conv.ask("remove david.kim@acme.com from Finance on EMEA until Friday")
    assert reply.outcome == "done", reply.text
    assert "Friday" in reply.text and "does not schedule" in reply.text
    assert membership(sandbox.dump(), "david.kim@acme.com", "EMEA")["groups"] in ([], ["Everyone"])


def test_the_offer_follows_the_gates_typed_cause_not_its_wording(org):
    """The gate says an address names nobody with ``Error.cause``; reworded messages change nothing."""
    from agent.backends.offline.nearby import failed_write

    call = [("manage_account_membership", {"operation": "add_groups", "email": "david.kimm@acme.com"})]
    reworded = {"kind": "error", "message": "that address is not in the directory", "cause": "unknown_user"}
    assert failed_write(call, [reworded]) == {"action": call[0][0], "args": call[0][1]}
    untyped = {"kind": "error",
               "message": "no DocuSign user with email david.kimm@acme.com in this organization"}
    assert failed_write(call, [untyped]) is None  # the words alone are no cause
    _sandbox, conv = org
    reply = conv.ask("add david.kimm@acme.com to Sales on EMEA")
    assert [getattr(r, "cause", None) for r in reply.results][:1] == ["unknown_user"]
