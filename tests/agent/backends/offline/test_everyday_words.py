"""Everyday wording the planner must understand or ask about (planner level, no I/O): time words,
slang for closing, a profile named after a first name, a second profile after a removal, names
and titles in several phrasings, typos read back before any write, corrections."""

from __future__ import annotations

import pytest

from agent.backends.offline import Planner
from agent.backends.offline.grounding import cue_spelling
from agent.backends.offline.nearby import plain_slip
from agent.backends.offline.timing import untimed

ADMIN = "admin@acme.com"
WRITES = ("manage_user", "manage_account_membership")


def _plan(acme, text, pending=None):
    return Planner(acme, ADMIN, ("admin",)).plan(text, pending)


def _args(plan):
    assert plan.calls, plan.text
    return [(c.action, {k: v for k, v in c.args.items() if k != "page_size"}) for c in plan.calls]


@pytest.mark.parametrize(
    ("text", "left", "until"),
    [
        ("Is john.doe@acme.com a sender on EMEA right now?", "Is john.doe@acme.com a sender on EMEA?", None),
        ("close x@acme.com on EMEA today", "close x@acme.com on EMEA", None),
        ("asap: make x@acme.com a viewer on EMEA", "make x@acme.com a viewer on EMEA", None),
        ("remove x@acme.com from Finance on EMEA until Friday", "remove x@acme.com from Finance on EMEA",
         "until Friday"),
        ("give x@acme.com access for 2 weeks please", "give x@acme.com access please", "for 2 weeks"),
        ("what changed today?", "what changed today?", None),  # a filter, not a time word
        ("title to .A", "title to .A", None),  # untouched text keeps its spacing
    ],
)
def test_time_words_are_taken_out_and_an_until_is_kept(text, left, until):
    assert untimed(text) == (left, until)


def test_a_time_word_after_the_account_is_not_part_of_its_name(acme):
    plan = _plan(acme, "can u give ana.silva@acme.com sender on emea right now pls")
    assert _args(plan) == [("manage_account_membership", {
        "operation": "change_permission_profile", "email": "ana.silva@acme.com", "account": "EMEA",
        "permission_profile": "DocuSign Sender"})]


def test_a_change_until_some_day_says_nothing_is_scheduled(acme):
    plan = _plan(acme, "remove david.kim@acme.com from Finance on EMEA until Friday")
    assert [c.args["operation"] for c in plan.calls or []] == ["remove_groups"]
    assert "until Friday" in plan.text and "does not schedule" in plan.text


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("kill olivia.brown@acme.com's access", {"all_accounts": True}),
        ("nuke fatima.zahra@acme.com's access, she left", {"all_accounts": True}),
        ("cut off david.kim@acme.com on EMEA", {"account": "EMEA"}),
        ("cut david.kim@acme.com off on EMEA", {"account": "EMEA"}),
    ],
)
def test_slang_for_closing_closes_and_never_purges(acme, text, scope):
    (action, args), = _args(_plan(acme, text))
    assert (action, args["operation"]) == ("manage_user", "close")
    assert {k: args[k] for k in scope} == scope


def test_a_profile_after_a_first_name_is_a_profile_never_part_of_a_name(acme):
    plan = _plan(acme, "make priya a Chief Signer on EMEA")
    # the person is looked up by "priya"; the unknown profile is kept to be named back
    assert _args(plan) == [("list_users", {"name_contains": "priya"})]
    frame = plan.state["pending"]["frame"]
    assert (frame["intent"], frame["profile"]) == ("change_profile", "Chief Signer")
    assert frame["accounts"] == ["EMEA"]


def test_an_unknown_profile_is_named_back_with_the_real_ones(acme):
    plan = _plan(acme, "make john.doe@acme.com a Chief Signer on EMEA")
    assert plan.clarify and not plan.calls
    assert "Chief Signer" in plan.text and "DocuSign Viewer" in plan.text


def test_a_removal_with_a_second_profile_gives_the_second(acme):
    plan = _plan(acme, "revoke sender rights for wei.zhang@acme.com, make her a viewer on acme main")
    assert _args(plan)[0][1]["permission_profile"] == "DocuSign Viewer"
    asked = _plan(acme, "take away sender rights from wei.zhang@acme.com on acme main")
    assert asked.clarify and not asked.calls  # one profile named: the one taken away; which instead?


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("wei.zhang@acme.com's last name is now Chen", {"last_name": "Chen"}),
        ("fix amelia.clark@acme.com's first name, it should be Amelie", {"first_name": "Amelie"}),
        ("set noah.williams@acme.com first name to Noa and last name to Williams-Grant",
         {"first_name": "Noa", "last_name": "Williams-Grant"}),
        ("olivia.brown@acme.com is now Office Manager, please update her title",
         {"job_title": "Office Manager"}),
    ],
)
def test_names_and_titles_in_everyday_phrasing(acme, text, fields):
    (action, args), = _args(_plan(acme, text))
    assert (action, args["operation"]) == ("manage_user", "update")
    assert {k: args.get(k) for k in ("first_name", "last_name", "job_title") if args.get(k)} == fields


def test_make_someone_a_member_of_a_group_adds_the_group(acme):
    (_, args), = _args(_plan(acme, "make john.doe@acme.com a member of the Finance group on EMEA"))
    assert (args["operation"], args["groups"]) == ("add_groups", ["Finance"])


def test_set_her_up_is_a_seat(acme):
    text = "maya.chen@acme.com starts monday, can you set her up on EMEA as a viewer"
    (action, args), = _args(_plan(acme, text))
    assert (action, args["operation"], args["account"]) == ("manage_user", "provision", "EMEA")


@pytest.mark.parametrize(
    ("typed", "read"),
    [("mkae", "make"), ("clsoe", "close"), ("deactvate", "deactivate"), ("mate", "mate"), ("kiln", "kiln"),
     ("mkea", "mkea")],
)
def test_short_verbs_are_read_through_a_swap_only(typed, read):
    assert cue_spelling(typed) == read


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("mkae john.doe@acme.com a viewer on EMEA", "make john.doe@acme.com a viewer on EMEA"),
        ("chngae john.doe@acme.com to docusign viewer on emea",
         "change john.doe@acme.com to docusign viewer on emea"),
    ],
)
def test_a_doubtful_respelling_is_read_back_and_runs_only_after_yes(acme, text, reading):
    asked = _plan(acme, text)
    assert asked.clarify and not asked.calls
    assert reading in asked.text
    assert not _plan(acme, "no", asked.state["pending"]).calls  # a no drops it
    done = _plan(acme, "yes", asked.state["pending"])
    assert done.calls and all(c.action in WRITES for c in done.calls)


@pytest.mark.parametrize(
    ("text", "typed", "read", "operation"),
    [
        ("deactvate john.doe@acme.com on EMEA", "deactvate", "deactivate", "close"),
        ("chnage john.doe@acme.com to docusign viewer on emea", "chnage", "change",
         "change_permission_profile"),
        ("remvoe sofia.rossi@acme.com from the finance group on emea", "remvoe", "remove", "remove_groups"),
    ],
)
def test_a_plain_slip_in_a_verb_is_understood_and_said_back(acme, text, typed, read, operation):
    plan = _plan(acme, text)
    assert not plan.clarify and [args["operation"] for _, args in _args(plan)] == [operation]
    assert f"\u201c{typed}\u201d as \u201c{read}\u201d" in plan.text and "Did you mean" not in plan.text


@pytest.mark.parametrize(
    ("typed", "meant", "plain"),
    [("chnage", "change", True), ("provsion", "provision", True), ("chngae", "change", False),
     ("mkae", "make", False), ("clsoe", "close", True)],
)
def test_a_plain_slip_is_one_edit_from_one_word_only(typed, meant, plain):
    assert plain_slip(typed, meant) is plain


def test_an_inflected_verb_is_no_typo(acme):
    plan = _plan(acme, "john.doe@acme.com was removed from Sales, add him back to Sales on EMEA")
    assert "Did you mean" not in plan.text


def test_a_misspelt_question_is_answered_without_asking(acme):
    plan = _plan(acme, "show the permision profiles on EMEA")
    assert plan.calls and all(c.action not in WRITES for c in plan.calls)


def test_no_wait_corrects_the_pending_question_instead_of_cancelling(acme):
    asked = _plan(acme, "remove emma.johnson@acme.com")
    assert asked.clarify
    (_, args), = _args(_plan(acme, "no wait, just close her on EMEA", asked.state["pending"]))
    assert (args["operation"], args["email"], args["account"]) == ("close", "emma.johnson@acme.com", "EMEA")
    assert not _plan(acme, "no", asked.state["pending"]).calls
    assert not _plan(acme, "no wait", asked.state["pending"]).calls


@pytest.mark.parametrize(
    "text",
    ["terminate lucas.martin@acme.com today, he quit", "lock out ana.silva@acme.com",
     "close ana.silva@acme.com, her last day was friday"],
)
def test_someone_leaving_for_good_closes_every_membership(acme, text):
    (action, args), = _args(_plan(acme, text))
    assert (action, args["operation"], args.get("all_accounts")) == ("manage_user", "close", True)


def test_leaving_a_team_is_no_close(acme):
    text = "remove hannah.schmidt@acme.com from the Litigation group on acme legal, she left the team"
    plan = _plan(acme, text)
    assert [c.args["operation"] for c in plan.calls or []] == ["remove_groups"]


def test_an_employee_closing_a_colleague_goes_to_the_policy_never_to_a_question(acme):
    sam = Planner(acme, "sam.lee@acme.com", ("employee",))
    plan = sam.plan("please close olivia.brown@acme.com, she quit")
    assert not plan.clarify and plan.calls
    plan = sam.plan("close olivia.brown@acme.com")
    assert [(c.action, c.args.get("operation")) for c in plan.calls or []] == [
        ("list_account", "user_memberships")]  # read as her (the policy refuses it), never a question


def test_a_profile_someone_should_no_longer_have_is_not_the_one_asked_for(acme):
    text = "Can we make sure george.harris@acme.com is no longer an admin on acme main? make him a sender"
    (_, args), = _args(_plan(acme, text))
    assert (args["operation"], args["permission_profile"]) == ("change_permission_profile", "DocuSign Sender")


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("Just need a quick list of who's been deactivated on EMEA", {"status": "closed", "account": "EMEA"}),
        ("I'd like a full list of the pending users", {"status": "pending"}),
    ],
)
def test_a_request_for_a_list_in_words_of_need_is_a_listing(acme, text, args):
    assert _args(_plan(acme, text)) == [("list_users", args)]


def test_what_can_i_ask_for_lists_the_profiles(acme):
    plan = Planner(acme, "sam.lee@acme.com", ("employee",)).plan("what can i ask for on EMEA?")
    assert [(c.action, c.args) for c in plan.calls or []] == [
        ("list_account", {"operation": "permission_profiles", "account": "EMEA"})]
