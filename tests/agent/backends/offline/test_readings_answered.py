"""Questions answered right, or asked about: never a wrong answer from a dropped qualifier.

Through the real stack (conversation -> gate -> sandbox) where the answer depends on the data,
judged on what the person was told and on the sandbox staying as it was; through the planner
alone where the point is that nothing is proposed at all.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from agent_stack import unchanged

from agent.backends.offline import OfflineBackend
from agent.backends.offline.intents import classify
from agent.backends.offline.planner import Planner
from agent.backends.offline.slots import fill
from agent.backends.offline.unapplied import unapplied
from agent.conversation import Conversation

ADMIN = "admin@acme.com"
WRITES = ("manage_user", "manage_account_membership")


def _ask(rt, text: str, actor: str = ADMIN):
    return Conversation(rt, rt.actor(actor), OfflineBackend()).ask(text)


@pytest.mark.parametrize(("text", "said", "not_said"), [
    ("which accounts sofia is on", "sofia.rossi@acme.com is on 1 account(s): EMEA (active).",
     "linked account(s)"),
    ("what accounts does sofia rossi belong to?", "sofia.rossi@acme.com is on 1 account(s)", "Acme Legal"),
    ("has nina accepted her invite yet?",
     "No: nina.patel@acme.com has not accepted the invitation yet (still pending on Acme Main).", "Yes"),
    ("did carlos activate his account?", "still pending on EMEA", "Yes:"),
    ("is victor still active on EMEA?", "No: victor.stone@acme.com is not active on EMEA (EMEA: disabled).",
     "sofia.rossi@acme.com"),
    ("is sofia still active on emea?", "Yes: sofia.rossi@acme.com is active on EMEA.", "victor"),
    ("what's ken's job title", "I can't tell you ken.watanabe@acme.com's job title", "Account Executive"),
])
def test_a_question_about_one_person_is_answered_about_that_person_first(acme_stack, text, said, not_said):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome == "done", reply.text
    assert said in reply.text and not_said not in reply.text
    assert not [c for c in reply.calls if c.action in WRITES]


def test_an_unknown_person_is_echoed_and_asked_about(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, "is zed still active?")
    assert reply.outcome == "clarify" and "\u201czed\u201d" in reply.text
    assert "sam.lee@acme.com" not in reply.text


def test_an_ambiguous_person_is_asked_about_and_the_answer_still_comes(acme_stack):
    sandbox, rt = acme_stack()
    conv = Conversation(rt, rt.actor(ADMIN), OfflineBackend())
    with unchanged(sandbox):
        first = conv.ask("is chris still active on EMEA?")
        assert first.outcome == "clarify" and "chris.parker@acme.com" in first.text
        second = conv.ask("chris.park@acme.com")
    assert second.outcome == "done", second.text
    assert "Yes: chris.park@acme.com is active on EMEA." in second.text


def test_an_account_the_org_lacks_is_asked_about_not_dropped(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, "is victor active on Narnia?")
    assert reply.outcome == "clarify" and "narnia" in reply.text.lower()


@pytest.mark.parametrize(("text", "said"), [
    ("resend nina's activation email", "can't resend an activation or invitation email"),
    ("can you send maya.chen@acme.com the invitation email again?", "can't resend"),
    ("delete the EMEA account", "can't create, rename or delete an account itself"),
    ("create a new group called Ops", "can't create, rename or delete a group itself"),
    ("rename the Sales group to Revenue", "a group itself"),
    ("please create a permission profile called Auditor", "a permission profile itself"),
])
def test_what_no_action_does_is_said_plainly_with_what_can_be_done(acme_stack, text, said):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert said in reply.text and "dsadmin administers users" in reply.text
    assert not reply.calls and "could not understand" not in reply.text


@pytest.mark.parametrize("text", [
    "remove the Sales group from maya.chen@acme.com on Acme Main",
    "create an account for maya.chen@acme.com on EMEA as viewer",
    "add the Finance group to john.doe@acme.com on EMEA",
])
def test_a_persons_group_or_account_is_still_their_request(acme, text):
    plan = Planner(acme, ADMIN, ("admin",)).plan(text)
    assert plan.calls and plan.calls[0].action in WRITES, plan.text


@pytest.mark.parametrize(("text", "named"), [
    ("which users have no group", "\u201cno group\u201d"),
    ("who isn't in any group?", "\u201cnot in any group\u201d"),
    ("users without a permission profile", "\u201cwithout a permission profile\u201d"),
])
def test_a_filter_the_listing_lacks_is_named_back_never_dropped(acme, text, named):
    plan = Planner(acme, ADMIN, ("admin",)).plan(text)
    assert plan.calls is None and plan.clarify
    assert named in plan.text and "'have no'" not in plan.text


@pytest.mark.parametrize("text", ["who in finance can send?", "who is able to send on EMEA?"])
def test_can_send_asks_which_profile_is_meant(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome == "clarify" and not reply.calls
    assert "which permission profile" in reply.text and "sofia.rossi@acme.com" not in reply.text


@pytest.mark.parametrize("text", ["everyone in Marketing", "who in marketing is pending?"])
def test_an_unknown_place_is_asked_about_never_listed_without(acme_stack, text):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome == "clarify" and not reply.calls
    assert "no account or group \u201cmarketing\u201d" in reply.text.lower() and "Finance" in reply.text
    assert "nina.patel@acme.com" not in reply.text and "No user matches" not in reply.text


def test_a_word_no_filter_used_is_named_before_the_listing(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, "who is pending, quarterly")
    assert reply.outcome == "done"
    assert reply.text.startswith("Not applied: \u201cquarterly\u201d")
    assert "nina.patel@acme.com" in reply.text and "sam.lee@acme.com" not in reply.text


def test_the_words_a_listing_used_are_not_named(acme):
    planner = Planner(acme, ADMIN, ("admin",))
    for text in ("list pending users on EMEA", "who are the admins on EMEA?", "find users named john"):
        lexed = planner.lexicon.lex(text)
        assert unapplied(fill(classify(lexed) or "", lexed), lexed) == [], text


def test_the_accounts_people_are_listed_by_the_accounts_name(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, "list the contractors")
    assert reply.outcome == "done"
    assert "kim.taylor@freelance.example" in reply.text and "sam.lee@acme.com" not in reply.text


def test_a_bare_word_naming_a_group_and_an_account_says_how_it_was_read(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, "does anyone named hannah work in legal?")
    assert "\u201cLegal\u201d read as the account Acme Legal" in reply.text
    assert "hannah.schmidt@acme.com" in reply.text


def test_a_yes_or_no_about_one_person_carries_no_count(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, "is olivia an admin?")
    assert "No: olivia.brown@acme.com does not have permission profile 'Account Administrator'" in reply.text
    assert "'Account Administrator': 0" not in reply.text


@pytest.mark.parametrize(("text", "period"), [
    ("show me everyone who was closed this month", "this month"),
    ("who got deactivated recently?", "recently"),
])
def test_a_closing_period_is_named_as_not_applied_and_the_dates_are_shown(acme_stack, text, period):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, text)
    assert reply.outcome == "done"
    assert reply.text.startswith(f"Not applied: \u201c{period}\u201d")
    closed_days_ago = {"tom.baker@acme.com": 400, "lisa.wong@acme.com": 0.5}
    for email, days in closed_days_ago.items():
        assert email in reply.text and _date(sandbox.clock.timestamp() - days * 86400) in reply.text
    assert "sam.lee@acme.com" not in reply.text


def _date(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def test_the_subject_of_can_is_the_person_not_the_words_after(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, "can ken send on acme main?")
    assert reply.outcome == "done" and "ken.watanabe@acme.com" in reply.text
    assert "DocuSign Viewer" in reply.text and "ken send" not in reply.text


def test_a_persons_status_in_a_group_is_their_listing_in_that_group(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _ask(rt, "is fatima active in HR?")
    assert reply.outcome == "done"
    assert "Yes: fatima.zahra@acme.com is in group 'HR' on Acme Main." in reply.text
    assert "Acme Main: active" in reply.text and "no account" not in reply.text.lower()
