"""A "don't" never becomes the write it negates, and a judgement of a name is never the new name.

Both through the real stack (planner, gate, sandbox): the sandbox's final state and the reply are
what is checked.
"""

from __future__ import annotations

import pytest

from agent.backends.offline import OfflineBackend
from agent.backends.offline.negation import unnegated
from agent.backends.offline.polite import as_request
from agent.conversation import Conversation
from tests.agent.agent_stack import unchanged, user

ADMIN = "admin@acme.com"


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("don't close chris.park@acme.com yet, just check his access", "check chris.park@acme.com's access"),
        ("do not remove ana.silva@acme.com from EMEA", ""),
        ("I don't want to remove him, just change his profile to viewer", "change his profile to viewer"),
        ("who is pending? dont change anything", "who is pending"),
        ("make sure zoe is not an admin on EMEA", "make sure zoe is not an admin on EMEA"),
        ("close sam.lee@acme.com on EMEA but not on acme main",
         "close sam.lee@acme.com on EMEA but not on acme main"),
    ],
)
def test_a_negated_write_clause_is_dropped_and_the_rest_read(text, rest):
    assert unnegated(text)[0] == rest


@pytest.mark.parametrize(
    "text",
    ["don't close chris.park@acme.com yet, just check his access",
     "do not remove ana.silva@acme.com from EMEA", "please don't purge tom.baker@acme.com"],
)
def test_a_dont_changes_nothing(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome != "needs_confirmation"
    # refused, or only the read that was asked for
    assert "Nothing was changed" in reply.text or "membership(s)" in reply.text


@pytest.mark.parametrize(
    "text",
    ["I think raj.kumar@acme.com's first name is wrong",
     "raj.kumar@acme.com's last name is misspelled",
     "the job title for liam.oconnor@acme.com is out of date"],
)
def test_a_judgement_of_a_name_is_asked_about_never_written(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome == "clarify" and "to what" in reply.text


def test_a_stated_name_is_still_written(acme_stack):
    sandbox, rt = acme_stack()
    reply = _ask(rt, "tom.baker@acme.com's last name should be Baker-Smith")
    assert reply.outcome == "done"
    assert user(sandbox.dump(), "tom.baker@acme.com")["last_name"] == "Baker-Smith"


@pytest.mark.parametrize(
    ("text", "email", "field", "value"),
    [("liam.oconnor@acme.com's title is wrong, it should be Senior SDR", "liam.oconnor@acme.com",
      "job_title", "Senior SDR"),
     ("wei.zhang@acme.com's job title is a mess, it needs to read Treasury Manager", "wei.zhang@acme.com",
      "job_title", "Treasury Manager"),
     ("ken.watanabe@acme.com's title on acme legal is outdated, should be Senior Paralegal",
      "ken.watanabe@acme.com", "job_title", "Senior Paralegal"),
     ("raj.kumar@acme.com's last name is misspelt, it should be Kumaar", "raj.kumar@acme.com",
      "last_name", "Kumaar")],
)
def test_a_judgement_then_the_wanted_value_is_written(acme_stack, text, email, field, value):
    sandbox, rt = acme_stack()
    reply = _ask(rt, text)
    assert reply.outcome == "done", reply.text
    found = user(sandbox.dump(), email)
    written = found[field] if field in found else [m.get(field) for m in found["memberships"].values()]
    assert written == value or value in written


@pytest.mark.parametrize(
    "text",
    ["olivia.brown@acme.com's title is wrong, it should be whatever her manager says",
     "olivia.brown@acme.com's title is outdated, should it be Office Manager?",
     "olivia.brown@acme.com's title is wrong, it should be fixed"],
)
def test_a_judgement_without_a_clear_wanted_value_still_asks(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome in ("clarify", "done") and "Set " not in reply.text


def _ask(rt, text):
    return Conversation(rt, rt.actor(ADMIN), OfflineBackend()).ask(text)


@pytest.mark.parametrize(
    "text",
    ["set lucas.martin@acme.com title to 'Head of Sales' and move him to finance",
     "change john.doe@acme.com to viewer on EMEA and add him to Marketing"],
)
def test_a_second_change_the_reading_left_out_stops_everything(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome == "clarify" and "Nothing was changed" in reply.text


def test_a_second_clause_the_calls_use_is_understood(acme_stack):
    sandbox, rt = acme_stack()
    reply = _ask(rt, "Provision maya.chen@acme.com on Acme Main as a DocuSign Sender and add her to Sales")
    assert reply.outcome == "done"
    seat = user(sandbox.dump(), "maya.chen@acme.com")["memberships"]["Acme Main"]
    assert seat["permission_profile"] == "DocuSign Sender" and "Sales" in seat["groups"]


@pytest.mark.parametrize(
    ("text", "said"),
    [("I need to send contracts, can you upgrade me", "I need sender rights"),
     ("I can't send envelopes, I need to be able to send", "I need sender rights"),
     ("i need to send offer letters from EMEA", "I need sender rights from EMEA"),
     ("I need to send stuff, also close bob@acme.com", "I need sender rights also close bob@acme.com"),
     ("who can't send envelopes?", "who can't send envelopes?")],
)
def test_a_need_to_send_is_the_speakers_own_sender_request(text, said):
    assert as_request(text) == said
