"""A sentence that carries a change's words without ordering it never becomes a write.

Conditions, relayed questions, reports, notes, exceptions, hedges and questions about a change's
effect, each through the real stack (planner, gate, sandbox): the sandbox must end as it started,
nothing may wait for a confirmation, and the reply names the words that made the change doubtful.
"""

from __future__ import annotations

import pytest

from agent.backends.offline import OfflineBackend
from agent.backends.offline.framing import not_an_order
from agent.conversation import Conversation
from tests.agent.agent_stack import membership, unchanged

ADMIN = "admin@acme.com"

UNORDERED = [
    ("if chris.park@acme.com is still active, close him on EMEA", "if chris.park@acme.com is still active"),
    ("close chris.park@acme.com on EMEA if he is pending", "if he is pending"),
    ("once nina.patel@acme.com activates, make her a DocuSign Viewer on Acme Main", "once nina.patel"),
    ("unless chris.park@acme.com is an admin, close him on EMEA", "unless chris.park@acme.com"),
    ("HR ticket: close chris.park@acme.com on EMEA when approved", "when approved"),
    ("jane.smith@acme.com asked me if she could be a DocuSign Viewer on Acme Legal", "asked me if she could"),
    ("sam asked me whether he could be a DocuSign Viewer on Acme Main", "asked me whether"),
    ("chris.park@acme.com is asking if we can add him to Finance on EMEA", "asking if we can"),
    ("lucas asked me whether I could change his title to Head of Sales", "asked me whether"),
    ("someone removed chris.park@acme.com from Sales on EMEA", "someone removed chris.park@acme.com"),
    ("FYI: HR says chris.park@acme.com left the company", "FYI"),
    ("remove everyone except john.doe@acme.com from EMEA", "except john.doe@acme.com"),
    ("remove everyone but chris.park@acme.com from EMEA", "everyone but chris.park@acme.com"),
    ("close chris.park@acme.com except on Acme Main", "except on Acme Main"),
    ("close chris.park@acme.com on EMEA but not on Acme Main", "but not on Acme Main"),
    ("set lucas.martin@acme.com's title to AE, or maybe Senior AE", "or maybe Senior AE"),
    ("update lucas.martin@acme.com's title to AE I think", "I think"),
    ("perhaps add chris.park@acme.com to Finance on EMEA", "perhaps add"),
    ("suppose I remove chris.park@acme.com from Sales on EMEA, what happens", "suppose I remove"),
    ("I might close chris.park@acme.com on EMEA tomorrow", "I might close"),
    ("I was going to close chris.park@acme.com on EMEA but HR said wait", "I was going to close"),
    ("the ticket says: close chris.park@acme.com on EMEA", "the ticket says"),
    ("chris.park@acme.com said he should be an Account Administrator on EMEA", "said he should"),
    ("after he leaves, close chris.park@acme.com on EMEA", "after he leaves"),
    ("close chris.park@acme.com and everyone in Sales on EMEA", "everyone in Sales on EMEA"),
]


@pytest.mark.parametrize(("text", "said"), UNORDERED)
def test_a_change_that_is_not_ordered_is_asked_about(acme_stack, text, said):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome == "clarify", reply.text
    assert said.lower() in reply.text.lower() and "Nothing was changed" in reply.text


@pytest.mark.parametrize("text", [
    "would it hurt to close chris.park@acme.com on EMEA?",
    "would it be a problem to close john.doe@acme.com on EMEA?",
    "could it cause issues to remove chris.park@acme.com from Sales on EMEA?",
    "will it matter if I make chris.park@acme.com a DocuSign Viewer on EMEA?",
    "I already removed chris.park@acme.com from Sales on EMEA, didn't I?",
    "shouldn't john.doe@acme.com be a Viewer on EMEA?",
    "remind me: did we add siobhan.obrien@acme.com to Finance on EMEA?",
    "hypothetically, if I close jane.smith@acme.com on Acme Legal, who is left as admin?",
    "ok to close chris.park@acme.com on EMEA?",
    "safe to purge tom.baker@acme.com?",
])
def test_a_question_about_a_change_only_reads(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome in ("done", "clarify", "error"), reply.text
    assert all(c.action.startswith("list_") for c in reply.calls or []), reply.calls


@pytest.mark.parametrize("text", [
    "close chris.park@acme.com on EMEA, if possible",
    "if you can, close chris.park@acme.com on EMEA",
    "close chris.park@acme.com on EMEA if that's ok",
])
def test_courtesy_is_not_a_condition(acme_stack, text):
    sandbox, rt = acme_stack()
    reply = _ask(rt, text)
    assert reply.outcome == "done", reply.text
    assert membership(sandbox.dump(), "chris.park@acme.com", "EMEA")["status"] == "closed"
    assert membership(sandbox.dump(), "chris.park@acme.com", "Acme Main")["status"] == "active"


@pytest.mark.parametrize("text", [
    "close chris.park@acme.com on EMEA",
    "can you add my colleague Liam O'Connor to the Finance group? he asked me",
    "maya.chen@acme.com's contract ended last Friday, so please close her membership on Contractors",
    "I think raj.kumar@acme.com's first name is wrong",
])
def test_orders_are_not_mistaken_for_framings(text):
    assert not_an_order(text) is None


@pytest.mark.parametrize(("text", "unknown"), [
    ("change john.doe@acme.com to Admin Sender on EMEA", "Admin Sender"),
    ("make john.doe@acme.com a Viewer Admin on EMEA", "Viewer Admin"),
])
def test_two_profile_words_side_by_side_are_one_unknown_name(acme_stack, text, unknown):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome == "clarify" and f"\u201c{unknown}\u201d" in reply.text


@pytest.mark.parametrize(("text", "unknown"), [
    ("add john.doe@acme.com to Finanse on EMEA", "Finanse"),
    ("make john.doe@acme.com an Account Adminstrator on EMEA", "Adminstrator"),
])
def test_a_question_for_a_profile_or_group_echoes_the_unknown_word(acme_stack, text, unknown):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome == "clarify" and unknown in reply.text


@pytest.mark.parametrize(("text", "fragment"), [
    ("update lucas.martin@acme.com's title to Head of EMEA because he got promoted last week", "Head of"),
    ("set lucas.martin@acme.com's title to whatever HR says", "whatever HR says"),
    ("set lucas.martin@acme.com's title to the same as maya's", "the same as maya's"),
])
def test_a_title_cut_out_of_a_sentence_is_asked_about(acme_stack, text, fragment):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome == "clarify" and fragment in reply.text


@pytest.mark.parametrize("text", [
    "fatima.zahra@acme.com is now heading the HR team, please update her title",
    "lucas.martin@acme.com is now leading the EMEA team, update his title",
])
def test_a_title_said_as_what_someone_does_is_asked_for(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome == "clarify" and "title" in reply.text


@pytest.mark.parametrize("text", [
    "provision kate.young@acme.com on Acme Main as DocuSign Sender in Sales and Marketing",
    "add john.doe@acme.com to Sales and Marketing on EMEA",
    "onboard kate.young@acme.com on EMEA as a viewer in Marketing",
])
def test_an_unknown_group_is_asked_about_never_dropped(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome == "clarify" and "\u201cMarketing\u201d" in reply.text


@pytest.mark.parametrize("text", [
    "remove chris.park@acme.com from Sales on EMEA (he moved to Finance)",
    "remove chris.park@acme.com from Sales on EMEA - he moved to Finance",
])
def test_an_aside_gives_no_values(acme_stack, text):
    sandbox, rt = acme_stack(setup={"users": [{"email": "chris.park@acme.com", "first_name": "Chris",
                                                "last_name": "Park", "memberships": {
                                                    "EMEA": {"permission_profile": "DocuSign Sender",
                                                             "groups": ["Sales", "Finance"]}}}]})
    reply = _ask(rt, text)
    assert reply.outcome == "done", reply.text
    assert membership(sandbox.dump(), "chris.park@acme.com", "EMEA")["groups"] in (["Finance"],
                                                                                   ["Everyone", "Finance"])


def _ask(rt, text):
    return Conversation(rt, rt.actor(ADMIN), OfflineBackend()).ask(text)


@pytest.mark.parametrize("text", [
    "My manager asked me to get a viewer seat on Contractors",
    "I think I need a DocuSign Viewer seat on Contractors",
    "I need a DocuSign Viewer seat on Contractors so I can see the documents everyone sends",
])
def test_an_employees_own_seat_request_still_goes_to_an_approver(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = Conversation(rt, rt.actor("maya.chen@acme.com"), OfflineBackend()).ask(text)
    assert reply.outcome == "pending_approval", reply.text
