"""People named without an email: one whole-name match proceeds, several or none ask, nothing is
guessed. Run on the real stack (offline planner -> gate -> sandbox) and judged on the sandbox."""

from __future__ import annotations

import pytest
from agent_stack import maya_with, membership, stack

from agent.backends.offline import OfflineBackend, Planner
from agent.conversation import Conversation

ADMIN = "admin@acme.com"
MAYA = "maya.chen@acme.com"
MAIN_SENDER = {"status": "active", "permission_profile": "DocuSign Sender"}
MAYA_MAIN = maya_with({"Acme Main": MAIN_SENDER})
MAYA_BOTH = maya_with(
    {"Acme Main": MAIN_SENDER, "Contractors": {"status": "active", "permission_profile": "DocuSign Viewer"}}
)


def _talk(tmp_path, texts, setup=None, actor=ADMIN):
    sandbox, rt = stack(tmp_path, setup)
    before = sandbox.dump()
    conv = Conversation(rt, rt.actor(actor), OfflineBackend())
    replies = [conv.ask(t) for t in texts]
    after = sandbox.dump()
    rt.close()
    return before, after, replies


def test_one_match_proceeds_and_the_reply_says_whom_it_picked(tmp_path):
    _before, after, [reply] = _talk(tmp_path, ["Close Maya's membership in Contractors"], MAYA_BOTH)
    assert reply.outcome == "done", reply.text
    assert "maya.chen@acme.com" in reply.text and "only user" in reply.text
    assert membership(after, MAYA, "Contractors")["status"] == "closed"
    assert membership(after, MAYA, "Acme Main")["status"] == "active"
    assert [c.action for c in reply.calls] == ["list_users", "manage_user"]


def test_closing_a_membership_the_named_user_lacks_says_so_and_changes_nothing(tmp_path):
    before, after, [reply] = _talk(tmp_path, ["Close Maya's membership in Contractors"], MAYA_MAIN)
    assert after == before
    assert reply.outcome == "error"
    assert "maya.chen@acme.com has no membership on Contractors" in reply.text
    assert "nothing was changed" in reply.text
    assert "list_account" not in reply.text  # the fix is worded for a person, not a model


def test_namesakes_are_listed_and_nothing_changes_until_one_is_chosen(tmp_path):
    before, after, replies = _talk(
        tmp_path,
        ["change John Doe to Account Administrator on EMEA"],
    )
    [reply] = replies
    assert after == before
    assert reply.outcome == "clarify"
    assert "john.doe@acme.com" in reply.text and "john.doe@northwind-staffing.example" in reply.text
    assert "jon.doe@acme.com" not in reply.text  # a look-alike is not a namesake


@pytest.mark.parametrize("answer", ["john.doe@acme.com", "1", "the first one"])
def test_the_answer_to_which_one_completes_the_request(tmp_path, answer):
    _before, after, replies = _talk(tmp_path, ["change John Doe to DocuSign Viewer on EMEA", answer])
    assert replies[-1].outcome == "done", replies[-1].text
    assert membership(after, "john.doe@acme.com", "EMEA")["permission_profile"] == "DocuSign Viewer"
    assert membership(after, "john.doe@northwind-staffing.example", "EMEA") is None
    assert membership(after, "jon.doe@acme.com", "EMEA") is None


def test_a_full_name_that_fits_one_user_is_taken(tmp_path):
    _before, after, [reply] = _talk(tmp_path, ["reactivate Tom Baker on Acme Main"])
    assert reply.outcome == "done", reply.text
    assert "tom.baker@acme.com" in reply.text
    assert membership(after, "tom.baker@acme.com", "Acme Main")["status"] == "active"


@pytest.mark.parametrize(
    ("text", "listed"),
    [
        ("Give Chris sender rights on EMEA", ["chris.park@acme.com", "chris.parker@acme.com"]),
        ("Close Chris's membership in Acme Main", ["chris.park@acme.com", "chris.parker@acme.com"]),
    ],
)
def test_a_first_name_two_people_share_is_asked_about(tmp_path, text, listed):
    before, after, [reply] = _talk(tmp_path, [text])
    assert after == before and reply.outcome == "clarify"
    assert all(email in reply.text for email in listed)


def test_part_of_a_longer_name_is_only_a_hint(tmp_path):
    """'Ann' is inside 'Hannah': offered, never taken."""
    before, after, [reply] = _talk(tmp_path, ["Close Ann's membership in Acme Legal"])
    assert after == before and reply.outcome == "clarify"
    assert "No user matches" in reply.text and "hannah.schmidt@acme.com" in reply.text


def test_no_match_says_so_and_asks_for_the_email(tmp_path):
    before, after, [reply] = _talk(tmp_path, ["change Quentin Blake to DocuSign Viewer on EMEA"])
    assert after == before and reply.outcome == "clarify"
    assert "No user matches \u201cQuentin Blake\u201d" in reply.text and "email" in reply.text


def test_an_employee_acting_on_someone_named_is_refused_not_asked(tmp_path):
    """An employee may not search users, and a question for the email could lead nowhere: the
    policy's refusal is the answer, and nothing changes."""
    before, after, [reply] = _talk(
        tmp_path, ["Close Maya's membership in Contractors"], MAYA_BOTH, actor="sam.lee@acme.com"
    )
    assert after == before and reply.outcome == "denied"
    assert "only about your own DocuSign access" in reply.text and "\u201cMaya\u201d" in reply.text


def test_a_name_never_becomes_a_write_without_the_read(acme_vocabulary):
    plan = Planner(acme_vocabulary, ADMIN).plan("change John Doe to Account Administrator on EMEA")
    assert [(c.action, c.args) for c in plan.calls] == [
        ("list_users", {"name_contains": "John", "page_size": 100})
    ]
    assert plan.state["pending"]["frame"]["person"] == "John Doe"


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("Close Maya's membership in Contractors", "Maya"),
        ("close maya's membership in contractors", "maya"),
        ("Reactivate Tom Baker on Acme Main as DocuSign Viewer", "Tom Baker"),
        ("On Acme Asia, make John Doe a DocuSign Viewer", "John Doe"),
        ("Update Siobhán O'Brien's job title to Counsel", "Siobhán O'Brien"),
        ("change john doe to DocuSign Viewer on EMEA", "john doe"),
        ("reactivate tom baker on acme main", "tom baker"),
        ("make jane a DocuSign Viewer on EMEA", "jane"),
        ("Change Jane's title to VP Sales", "Jane"),
    ],
)
def test_the_name_is_read_from_the_request(acme_vocabulary, text, person):
    plan = Planner(acme_vocabulary, ADMIN).plan(text)
    assert plan.state["pending"]["frame"]["person"] == person, plan.text


def test_renaming_someone_by_name_takes_the_new_name_after_to(tmp_path):
    _before, after, [reply] = _talk(tmp_path, ["rename Jon Doe to Jonathan Doe"])
    assert reply.outcome == "done", reply.text
    jon = next(u for u in after["users"] if u["email"] == "jon.doe@acme.com")
    assert (jon["first_name"], jon["last_name"]) == ("Jonathan", "Doe")


@pytest.mark.parametrize(
    "text",
    ["show me Tom Baker's memberships", "What accounts does Tom Baker have?", "who is Tom Baker?"],
)
def test_a_question_about_a_named_person_shows_their_memberships(tmp_path, text):
    before, after, [reply] = _talk(tmp_path, [text])
    assert after == before and reply.outcome == "done", reply.text
    assert [c.args.get("operation") for c in reply.calls] == [None, "user_memberships"]
    assert reply.calls[1].args["email"] == "tom.baker@acme.com"
    assert "admin@acme.com" not in reply.text  # not the speaker's own memberships, not everyone


def test_an_employees_refused_lookup_reads_plainly(tmp_path):
    _before, _after, [reply] = _talk(tmp_path, ["list all users"], actor="sam.lee@acme.com")
    assert reply.outcome == "denied"
    assert "may not list or search users" in reply.text and "list_users" not in reply.text


def test_several_people_named_are_each_looked_up_and_all_changed(tmp_path):
    text = "Add Olivia Brown and Noah Williams to the Sales group on Acme Main"
    _before, after, [reply] = _talk(tmp_path, [text])
    assert reply.outcome == "done", reply.text
    for email in ("olivia.brown@acme.com", "noah.williams@acme.com"):
        assert "Sales" in membership(after, email, "Acme Main")["groups"]
        assert email in reply.text


def test_one_ambiguous_name_among_several_holds_the_whole_request(tmp_path):
    text = "Add Olivia Brown, John Doe and Noah Williams to the Finance group on Acme Main"
    before, after, replies = _talk(tmp_path, [text])
    assert after == before and replies[0].outcome == "clarify"
    assert "john.doe@northwind-staffing.example" in replies[0].text
    before, after, replies = _talk(tmp_path / "answered", [text, "jon"])
    assert after == before and replies[-1].outcome == "clarify"  # not an answer: asked again
    assert "Which one do you mean" in replies[-1].text
    _before, after, replies = _talk(tmp_path / "chosen", [text, "1"])
    for email in ("olivia.brown@acme.com", "noah.williams@acme.com"):
        assert "Finance" in membership(after, email, "Acme Main")["groups"], email
    # the chosen John Doe was acted on (he has no Acme Main membership: said, nothing made up)
    assert [c.args["email"] for c in replies[-1].calls if c.action != "list_users"] == [
        "olivia.brown@acme.com",
        "john.doe@acme.com",
        "noah.williams@acme.com",
    ]
    assert "john.doe@acme.com has no membership on Acme Main" in replies[-1].text
    assert membership(after, "john.doe@acme.com", "Acme Main") is None
    assert membership(after, "john.doe@northwind-staffing.example", "Acme Main") is None


def test_a_status_question_about_a_named_person_shows_their_memberships(tmp_path):
    before, after, [reply] = _talk(tmp_path, ["Is Nina Patel activated yet?"])
    assert after == before and reply.outcome == "done"
    assert reply.calls[-1].args == {"operation": "user_memberships", "email": "nina.patel@acme.com"}


def test_words_of_a_new_job_title_are_not_taken_for_a_second_person(acme_vocabulary):
    frame = Planner(acme_vocabulary, ADMIN).plan("Change Jane's title to VP Sales").state["pending"]["frame"]
    assert (frame["person"], frame["more_people"], frame["job_title"]) == ("Jane", [], "VP Sales")
