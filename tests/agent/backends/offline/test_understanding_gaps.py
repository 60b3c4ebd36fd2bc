"""Everyday wording the offline planner used to misread, through the real stack (planner, gate,
sandbox): filler swallowed into values, name searches, exact groups, questions that say nothing is
to change, first names in questions, pronouns that point back, a new seat phrased as a profile
change, and two changes of one person in one sentence. What is checked is the sandbox's final
state, the calls proposed and what the person was told.
"""

from __future__ import annotations

import pytest

from agent.backends.offline import OfflineBackend
from agent.backends.offline.checking import check_only
from agent.backends.offline.filler import unfilled
from agent.conversation import Conversation
from tests.agent.agent_stack import membership, unchanged
from tools.actions import WRITE_ACTIONS

ADMIN = "admin@acme.com"
MAYA = {"users": [{
    "email": "maya.lopez@acme.com", "first_name": "Maya", "last_name": "Lopez",
    "memberships": {"Acme Main": {"permission_profile": "DocuSign Viewer", "groups": ["Sales"]}},
}]}


def _talk(rt, *texts):
    conversation = Conversation(rt, rt.actor(ADMIN), OfflineBackend())
    return [conversation.ask(text) for text in texts]


def _writes(reply) -> list[str]:
    return [c.action for c in reply.calls or [] if c.action in WRITE_ACTIONS]


def _groups(sandbox, email, account) -> set[str]:
    return set((membership(sandbox.dump(), email, account) or {}).get("groups") or []) - {"Everyone"}


# -- filler ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "read"),
    [("put maya in Finance too pls", "put maya in Finance"),
     ("move her to EMEA after all, thanks!", "move her to EMEA!"),
     ("set his title to Account Executive now", "set his title to Account Executive"),
     ("add him to Sales as well as Finance", "add him to Sales and Finance"),
     ("is sam a sender now?", "is sam a sender?"),
     ("thanks", "thanks")],
)
def test_trailing_filler_is_never_part_of_a_value(text, read):
    assert unfilled(text) == read


def test_a_title_followed_by_now_is_written_without_it(acme_stack):
    sandbox, rt = acme_stack()
    [reply] = _talk(rt, "set lucas.martin@acme.com's title to Account Executive now")
    assert reply.outcome == "done"
    assert membership(sandbox.dump(), "lucas.martin@acme.com", "EMEA")["job_title"] == "Account Executive"


def test_an_account_followed_by_after_all_is_that_account(acme_stack):
    sandbox, rt = acme_stack()
    [reply] = _talk(rt, "make lucas.martin@acme.com a DocuSign Viewer on EMEA after all")
    assert reply.outcome == "done"
    emea = membership(sandbox.dump(), "lucas.martin@acme.com", "EMEA")
    assert emea["permission_profile"] == "DocuSign Viewer"


def test_as_well_as_adds_both_groups(acme_stack):
    sandbox, rt = acme_stack()
    _talk(rt, "add liam.oconnor@acme.com to Finance as well as HR")
    assert _groups(sandbox, "liam.oconnor@acme.com", "Acme Main") == {"Sales", "Finance", "HR"}


@pytest.mark.parametrize("text", ["add sam.lee@acme.com to Finance as well as Marketing",
                                  "add sam.lee@acme.com to Finance and Marketing"])
def test_an_unknown_second_group_is_asked_about_never_dropped(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        [reply] = _talk(rt, text)
    assert reply.outcome == "clarify" and "Marketing" in reply.text and not _writes(reply)


# -- name search ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "found", "fragment"),
    [("find everyone called chris", ["chris.park@acme.com", "chris.parker@acme.com"], "chris"),
     ("is there a lucas in the org?", ["lucas.martin@acme.com"], "lucas"),
     ("do we have someone called Hannah?", ["hannah.schmidt@acme.com"], "Hannah")],
)
def test_a_name_search_lists_the_users_of_that_name(acme_stack, text, found, fragment):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        [reply] = _talk(rt, text)
    assert [(c.action, c.args.get("name_contains")) for c in reply.calls] == [("list_users", fragment)]
    assert all(email in reply.text for email in found) and "sam.lee@acme.com" not in reply.text


# -- exact groups ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "email", "account", "groups"),
    [("sofia.rossi@acme.com should only be in Sales", "sofia.rossi@acme.com", "EMEA", {"Sales"}),
     ("put sofia.rossi@acme.com in Finance only", "sofia.rossi@acme.com", "EMEA", {"Finance"}),
     ("lucas.martin@acme.com's groups on EMEA should be exactly Sales and Finance",
      "lucas.martin@acme.com", "EMEA", {"Sales", "Finance"}),
     ("jane should only be in the Legal group on Acme Legal",
      "jane.smith@acme.com", "Acme Legal", {"Legal"})],
)
def test_groups_said_exactly_replace_the_groups(acme_stack, text, email, account, groups):
    sandbox, rt = acme_stack()
    [reply] = _talk(rt, text)
    assert reply.outcome == "done" and _groups(sandbox, email, account) == groups
    assert [c.args["operation"] for c in reply.calls if c.action in WRITE_ACTIONS] == ["set_groups"]


def test_a_question_about_only_one_group_stays_a_read(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        [reply] = _talk(rt, "is sofia only in Sales?")
    assert not _writes(reply)


# -- a request that says it only checks ------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    ["is lucas.martin@acme.com a sender on EMEA? don't change anything",
     "sam.lee@acme.com should be a sender on Acme Main - just checking, don't change anything",
     "I want to make sure emma.johnson@acme.com is a viewer on EMEA, don't change anything",
     "bjorn.nilsson@acme.com is an admin on EMEA, right? just checking",
     "make sam.lee@acme.com a viewer, just checking"],
)
def test_a_request_that_only_checks_never_proposes_a_write(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        [reply] = _talk(rt, text)
    assert not _writes(reply)


def test_nothing_else_is_not_only_checking():
    assert not check_only("close sam.lee@acme.com on Acme Main but don't change anything else")
    assert not check_only("don't change his profile, just add him to Finance")  # one thing kept, one done
    assert check_only("is sam a sender? just checking")


# -- first names in questions ---------------------------------------------------------------------

def test_a_persons_status_by_first_name_reads_their_memberships(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        [reply] = _talk(rt, "what's raj's status right now?")
    assert reply.outcome == "done" and "raj.kumar@acme.com" in reply.text and "nina.patel" not in reply.text
    assert reply.calls[-1].action == "list_account" and reply.calls[-1].args["email"] == "raj.kumar@acme.com"


def test_an_ambiguous_first_name_in_a_question_asks_which(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        [reply] = _talk(rt, "what's chris's status?")
    assert reply.outcome == "clarify"
    assert "chris.park@acme.com" in reply.text and "chris.parker@acme.com" in reply.text


# -- pronouns that point back --------------------------------------------------------------------------

def test_her_after_a_question_about_one_person_is_that_person(acme_stack):
    sandbox, rt = acme_stack(MAYA)
    _, reply = _talk(rt, "what profile does maya have?", "ok make her a sender")
    assert reply.outcome == "done" and "maya.lopez@acme.com" in reply.text
    main = membership(sandbox.dump(), "maya.lopez@acme.com", "Acme Main")
    assert main["permission_profile"] == "DocuSign Sender"


def test_him_after_an_email_question_is_that_email(acme_stack):
    sandbox, rt = acme_stack()
    _talk(rt, "is sam.lee@acme.com a sender?", "ok change his title to Senior Marketing Coordinator")
    main = membership(sandbox.dump(), "sam.lee@acme.com", "Acme Main")
    assert main["job_title"] == "Senior Marketing Coordinator"


@pytest.mark.parametrize("first", ["who is in Finance on EMEA?", "what's my profile?"])
def test_her_after_several_people_or_the_speaker_is_asked(acme_stack, first):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        _, reply = _talk(rt, first, "make her a viewer")
    assert reply.outcome == "clarify" and not _writes(reply)


# -- a new seat said as a profile change -----------------------------------------------------------
# The gate answers the change (nothing is read before every write); its "no membership" / "no user"
# comes with the new seat offered, and only a yes provisions it.

def test_a_profile_on_an_account_without_membership_offers_a_new_membership(acme_stack):
    sandbox, rt = acme_stack()
    conversation = Conversation(rt, rt.actor(ADMIN), OfflineBackend())
    with unchanged(sandbox):
        asked = conversation.ask("make sam.lee@acme.com a DocuSign Sender on EMEA")
    assert "no membership on EMEA" in asked.text and "a new membership" in asked.text
    done = conversation.ask("yes")
    assert done.outcome == "done"
    assert membership(sandbox.dump(), "sam.lee@acme.com", "EMEA")["permission_profile"] == "DocuSign Sender"


def test_a_profile_for_no_user_offers_a_new_seat_after_the_gates_answer(acme_stack):
    sandbox, rt = acme_stack()
    conversation = Conversation(rt, rt.actor(ADMIN), OfflineBackend())
    with unchanged(sandbox):
        failed = conversation.ask("make newhire@acme.com a DocuSign Sender on EMEA")
    assert failed.outcome == "error" and "new seat" in failed.text
    conversation.ask("yes")
    assert membership(sandbox.dump(), "newhire@acme.com", "EMEA")["permission_profile"] == "DocuSign Sender"


# -- two changes of one person ------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "set lucas.martin@acme.com's title to Account Manager and add him to Finance",
    "set lucas's title to Account Manager and add him to Finance",
])
def test_two_understood_changes_of_one_person_are_both_made(acme_stack, text):
    sandbox, rt = acme_stack()
    [reply] = _talk(rt, text)
    assert reply.outcome == "done"
    emea = membership(sandbox.dump(), "lucas.martin@acme.com", "EMEA")
    assert emea["job_title"] == "Account Manager" and "Finance" in emea["groups"]


@pytest.mark.parametrize(
    "text",
    ["set lucas.martin@acme.com's title to Account Manager and add him to Marketing",
     "set lucas's title to Account Manager and add sam.lee@acme.com to Finance"],
)
def test_a_second_change_not_understood_stops_both(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        [reply] = _talk(rt, text)
    assert reply.outcome == "clarify" and "Nothing was changed" in reply.text and not _writes(reply)


# -- a correction that names another account --------------------------------------------------------

@pytest.mark.parametrize("correction", ["no wait, make him an admin on EMEA instead",
                                        "no wait, make him an admin on EMEA after all"])
def test_a_correction_naming_an_account_is_that_account_alone(acme_stack, correction):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        _, reply = _talk(rt, "make david.kim@acme.com an admin on Acme Main", correction)
    writes = [(c.args["account"], c.args["permission_profile"])
              for c in reply.calls if c.action in WRITE_ACTIONS]
    assert writes == [("EMEA", "Account Administrator")]
