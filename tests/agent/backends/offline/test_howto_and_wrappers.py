"""'How do I…?' gets the words that do it (nothing read or changed), and 'can you tell me <question>'
is the question itself — through the real stack; the reply and the sandbox are what is checked."""

from __future__ import annotations

import pytest

from agent.backends.offline import OfflineBackend
from agent.backends.offline.howto import how_to
from agent.conversation import Conversation
from tests.agent.agent_stack import unchanged


def _ask(rt, text, who="admin@acme.com"):
    return Conversation(rt, rt.actor(who), OfflineBackend()).ask(text)


@pytest.mark.parametrize(
    ("text", "example"),
    [("how do I add a user?", "Provision maya.chen@acme.com"),
     ("can you tell me how to add a new person", "Provision maya.chen@acme.com"),
     ("how can we offboard someone who left", "Offboard maya.chen@acme.com"),
     ("how would I remove someone from a group?", "from the Sales group"),
     ("what's the best way to downgrade a user", "Change john.doe@acme.com to DocuSign Viewer"),
     ("how do you purge a user", "Purge maya.chen@acme.com")],
)
def test_a_how_to_question_gets_an_example_and_changes_nothing(acme_stack, text, example):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert example in reply.text
    assert not reply.calls  # nothing was read either: a listing is not the answer
    assert "Nothing was read or changed" in reply.text


def test_an_employee_asking_how_to_get_access_is_shown_their_own_request(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, "how do I get sender rights?", who="noah.williams@acme.com")
    assert "I need sender rights" in reply.text and "approver" in reply.text


@pytest.mark.parametrize("text", ["how do I find who is pending", "how many users are pending?",
                                  "how is maya doing"])
def test_look_ups_and_other_hows_are_not_how_to_answers(text):
    assert how_to(text) is None


@pytest.mark.parametrize(
    "text",
    ["can you tell me which accounts sofia is on", "tell me which accounts sofia is on",
     "hey, could you show me which accounts sofia is on?", "do you know which accounts sofia is on"],
)
def test_a_question_wrapped_in_tell_me_is_the_question(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert "sofia.rossi@acme.com is on 1 account(s): EMEA" in reply.text
    assert "linked account(s)" not in reply.text  # not the organization's accounts


@pytest.mark.parametrize(
    "text", ["move sofia to HR", "move sofia to Finance", "switch john.doe@acme.com to Finance"]
)
def test_an_order_to_move_someone_to_a_group_is_asked_about_never_answered_as_a_question(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome == "clarify"
    assert "should only be in" in reply.text
    assert not reply.text.startswith(("Yes:", "No:"))  # it was an order, not the question "is she in HR?"
