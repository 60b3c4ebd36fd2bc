"""Writes and employee requests in everyday wording: a statement with the name first, a pronoun, an
existing user given another account, an employee's shortest requests, a colleague named through the
speaker. Run on the real stack (offline planner -> gate -> sandbox) and judged on the sandbox's final
state and on what the person was told."""

from __future__ import annotations

import pytest

from agent.backends.offline import OfflineBackend
from agent.conversation import Conversation
from tests.agent.agent_stack import membership, stack, user

ADMIN = "admin@acme.com"
NOAH = "noah.williams@acme.com"  # a Viewer on Acme Main
MAYA = "maya.chen@acme.com"  # not in the organization
WRITES = ("manage_user", "manage_account_membership")


def _talk(tmp_path, actor, *texts):
    sandbox, rt = stack(tmp_path)
    before = sandbox.dump()
    conv = Conversation(rt, rt.actor(actor), OfflineBackend())
    replies = [conv.ask(t) for t in texts]
    pending = rt.approvals.list("pending")
    after = sandbox.dump()
    rt.close()
    return before, after, replies, pending


# -- statements and pronouns ------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "sofia should be a viewer on EMEA from now on",
    "sofia needs to be a viewer on EMEA",
    "sofia will be a viewer on EMEA",
    "I think sofia should be a viewer on EMEA",
])
def test_a_name_opening_a_statement_is_who_is_changed(tmp_path, text):
    before, after, [reply], _ = _talk(tmp_path, ADMIN, text)
    assert reply.outcome == "done", reply.text
    assert membership(after, "sofia.rossi@acme.com", "EMEA")["permission_profile"] == "DocuSign Viewer"
    assert user(after, ADMIN) == user(before, ADMIN)  # "I think": never the speaker's own profile
    assert "sofia.rossi@acme.com" in reply.text


@pytest.mark.parametrize("text", [
    "victor left, remove him from EMEA",
    "kick victor off EMEA, he's gone",
    "victor has left, take him off EMEA",
])
def test_a_pronoun_refers_to_the_name_in_the_same_request(tmp_path, text):
    _before, after, [reply], _ = _talk(tmp_path, ADMIN, text)
    assert reply.outcome == "done", reply.text
    assert membership(after, "victor.stone@acme.com", "EMEA")["status"] == "closed"
    searched = [c.args.get("name_contains") for c in reply.calls if c.action == "list_users"]
    assert searched == ["victor"]


@pytest.mark.parametrize("text", ["he's gone, remove him from EMEA", "she's gone, kick her off EMEA",
                                  "they left, remove them from EMEA"])
def test_a_pronoun_alone_is_never_searched_as_a_name(tmp_path, text):
    before, after, [reply], _ = _talk(tmp_path, ADMIN, text)
    assert after == before
    assert reply.outcome == "clarify"
    assert not any(c.action == "list_users" for c in reply.calls)  # no search for "he", "she", "they"
    assert "email" in reply.text


def test_an_unknown_subject_is_echoed_never_swapped(tmp_path):
    before, after, [reply], _ = _talk(tmp_path, ADMIN, "priyanka should be a viewer on EMEA")
    assert after == before
    assert reply.outcome == "clarify"
    assert "priyanka" in reply.text


# -- an existing user on another account --------------------------------------------------------


def test_access_to_another_account_asks_the_profile_then_adds_the_membership(tmp_path):
    said = ("pls give wei access to the EMEA account too", "sender")
    before, after, replies, _ = _talk(tmp_path, ADMIN, *said)
    asked, done = replies
    assert asked.outcome == "clarify"
    assert "Which permission profile" in asked.text and "wei.zhang@acme.com" in asked.text
    assert done.outcome == "done", done.text
    assert membership(after, "wei.zhang@acme.com", "EMEA")["permission_profile"] == "DocuSign Sender"
    wei = "wei.zhang@acme.com"
    assert membership(after, wei, "Acme Main") == membership(before, wei, "Acme Main")


# -- an employee's shortest requests -------------------------------------------------------------


@pytest.mark.parametrize("text", ["can i get docusign", "I want docusign", "could I get DocuSign please?"])
def test_an_employee_with_a_seat_is_told_so_and_how_to_ask_for_sender(tmp_path, text):
    before, after, [reply], pending = _talk(tmp_path, NOAH, text)
    assert after == before and pending == []
    assert "already have a DocuSign seat" in reply.text
    assert "DocuSign Viewer" in reply.text and "DocuSign Sender" in reply.text


def test_someone_not_in_the_org_asking_for_docusign_gets_a_seat_request_with_the_defaults(tmp_path):
    before, after, [reply], pending = _talk(tmp_path, MAYA, "can i get docusign")
    assert after == before
    assert reply.outcome == "pending_approval", reply.text
    [request] = pending
    assert request.call["args"]["email"] == MAYA
    assert request.call["args"]["permission_profile"] == "DocuSign Sender"  # config seat_defaults
    assert "failed" not in reply.receipt and "other users" not in reply.receipt


def test_upgrade_me_asks_which_profile_then_requests_it(tmp_path):
    before, after, (asked, requested), pending = _talk(tmp_path, NOAH, "upgrade me", "sender")
    assert asked.outcome == "clarify"
    assert "DocuSign Sender" in asked.text and "Account Administrator" not in asked.text
    assert requested.outcome == "pending_approval", requested.text
    assert after == before
    [request] = pending
    assert request.call["args"]["permission_profile"] == "DocuSign Sender"
    assert request.call["args"]["email"] == NOAH


# -- someone else named through the speaker ------------------------------------------------------


@pytest.mark.parametrize("text", [
    "give my colleague sam sender rights",
    "give my colleague sam the sender profile",
    "give sam lee the sender profile",
])
def test_a_colleague_named_by_the_speaker_is_never_the_speakers_own_request(tmp_path, text):
    before, after, [reply], pending = _talk(tmp_path, NOAH, text)
    assert after == before and pending == []
    assert not any(c.action in WRITES for c in reply.calls)
    assert reply.outcome == "denied"
    assert "your own" in reply.text
    assert "no permission profile" not in reply.text.lower()  # no fragment echoed as a profile


def test_a_colleague_not_named_is_answered_with_whom_to_ask(tmp_path):
    before, after, [reply], pending = _talk(tmp_path, NOAH, "can you give my colleague sender rights?")
    assert after == before and pending == []
    assert reply.calls == []
    assert "only for your own" in reply.text and "administrator" in reply.text


def test_a_seat_for_a_new_hire_goes_to_the_policy_without_a_profile_question(tmp_path):
    before, after, [reply], pending = _talk(tmp_path, NOAH, "i need docusign for my new hire, jo@acme.com")
    assert after == before and pending == []
    assert reply.outcome == "denied"
    assert "only for themselves" in reply.text and "jo@acme.com" in reply.text


def test_an_admin_naming_a_colleague_changes_that_colleague_never_themselves(tmp_path):
    text = "give my colleague sam the viewer profile on acme main"
    before, after, [reply], _ = _talk(tmp_path, ADMIN, text)
    assert reply.outcome == "done", reply.text
    assert membership(after, "sam.lee@acme.com", "Acme Main")["permission_profile"] == "DocuSign Viewer"
    assert user(after, ADMIN) == user(before, ADMIN)


def test_my_manager_said_stays_the_speakers_own_request(tmp_path):
    _before, _after, [reply], pending = _talk(tmp_path, NOAH, "my manager said I should get sender rights")
    assert reply.outcome == "pending_approval", reply.text
    [request] = pending
    assert request.call["args"]["email"] == NOAH


# -- one's own record before the first seat ------------------------------------------------------


def test_an_employee_not_in_the_org_is_told_so_not_that_something_failed(tmp_path):
    before, after, [reply], _ = _talk(tmp_path, MAYA, "which accounts do I have?")
    assert after == before
    assert "no DocuSign user with your email" in reply.text
    assert "check the spelling" not in reply.text
    assert "I need a DocuSign seat" in reply.text
    assert "- read: no DocuSign user with email maya.chen@acme.com" in reply.receipt
    assert "failed" not in reply.receipt


@pytest.mark.parametrize("text", ["I need a DocuSign seat for sam", "i need docusign for sam",
                                  "I need sender rights for Sam Lee"])
def test_a_seat_for_someone_named_after_for_is_never_the_speakers_own(tmp_path, text):
    before, after, [reply], pending = _talk(tmp_path, MAYA, text)
    assert after == before and pending == []
    assert not any(c.action in WRITES for c in reply.calls)
    assert "your own" in reply.text


@pytest.mark.parametrize("text", ["Can I get sender rights? I need to send contracts for signature.",
                                  "I need sender rights for contracts"])
def test_a_purpose_after_for_stays_the_speakers_own_request(tmp_path, text):
    _before, _after, [reply], pending = _talk(tmp_path, NOAH, text)
    assert reply.outcome == "pending_approval", reply.text
    [request] = pending
    assert request.call["args"]["email"] == NOAH
