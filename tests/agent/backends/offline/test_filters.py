"""Listing questions filtered by permission profile or group, as the offline planner reads them.

Each question becomes one read: list_users with the profile or group as the organization spells
it (grounded in its own vocabulary), or that person's filtered listing for a yes/no question about
one person. A word that fits no single profile is passed on as said, never dropped or swapped.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.backends.base import OrgVocabulary
from agent.backends.offline import Planner
from tests.agent.backends.offline.conftest import fixture_vocabulary

VOCABULARY = fixture_vocabulary()
ADMIN = "admin@acme.com"
WRITES = ("manage_user", "manage_account_membership", "bulk_users")


def _calls(text: str, vocabulary: OrgVocabulary = VOCABULARY, actor: str = ADMIN, roles=("admin",)):
    plan = Planner(vocabulary, actor, roles).plan(text)
    return [(c.action, c.args) for c in plan.calls or []], plan


@pytest.mark.parametrize("text, args", [
    ("who has admin rights on emea", {"account": "EMEA", "permission_profile": "Account Administrator"}),
    ("who are the admins on EMEA", {"account": "EMEA", "permission_profile": "Account Administrator"}),
    ("list everyone with DocuSign Viewer in Acme Main",
     {"account": "Acme Main", "permission_profile": "DocuSign Viewer"}),
    ("who's in the Finance group on EMEA", {"account": "EMEA", "group": "Finance"}),
    ("which senders in Sales are still pending",
     {"status": "pending", "permission_profile": "DocuSign Sender", "group": "Sales"}),
    ("does anyone on Contractors have admin?",
     {"account": "Contractors", "permission_profile": "Account Administrator"}),
    ("how many senders do we have on EMEA", {"account": "EMEA", "permission_profile": "DocuSign Sender"}),
    ("how many admins are on Contractors",
     {"account": "Contractors", "permission_profile": "Account Administrator"}),
    ("Are there any viewers on Acme Legal?",
     {"account": "Acme Legal", "permission_profile": "DocuSign Viewer"}),
    ("list the admins", {"permission_profile": "Account Administrator"}),
    ("who has the Paralegal profile?", {"permission_profile": "Paralegal"}),
    ("Who is in HR?", {"group": "HR"}),
])
def test_a_filtered_listing_question_is_one_filtered_read(text, args):
    calls, _ = _calls(text)
    assert calls == [("list_users", args)]


def test_a_yes_no_question_about_one_email_is_that_person_s_filtered_listing():
    calls, _ = _calls("is bjorn.nilsson@acme.com an admin on EMEA?")
    assert calls == [("list_users", {"email": "bjorn.nilsson@acme.com", "account": "EMEA",
                                     "permission_profile": "Account Administrator"})]
    mine, _ = _calls("Do I have the DocuSign Viewer profile on EMEA?")
    assert mine == [("list_users", {"email": ADMIN, "account": "EMEA",
                                    "permission_profile": "DocuSign Viewer"})]


def test_a_yes_no_question_about_a_name_first_looks_the_person_up():
    calls, plan = _calls("is zoe an admin on EMEA?")
    assert calls == [("list_users", {"name_contains": "zoe", "page_size": 100})]
    frame = plan.state["pending"]["frame"]
    assert frame["intent"] == "user_memberships" and frame["profile"] == "Account Administrator"


def test_an_employee_asking_about_themselves_reads_their_memberships():
    # employees may read their own memberships, not list users: the question stays a memberships read
    calls, _ = _calls("am i a sender on acme main?", actor="ken.watanabe@acme.com", roles=("employee",))
    assert [a for a, _ in calls] == ["list_account"]


def test_a_qualified_role_word_is_passed_on_as_said_never_swapped():
    calls, _ = _calls("list the super admins on EMEA")
    assert calls == [("list_users", {"account": "EMEA", "permission_profile": "super admins"})]


def test_a_role_word_is_grounded_in_the_org_s_own_profiles():
    own = dataclasses.replace(VOCABULARY,
                              profiles={a: ("Global Admin", "Basic Sender") for a in VOCABULARY.accounts})
    assert _calls("who are the admins on EMEA", own)[0] == [
        ("list_users", {"account": "EMEA", "permission_profile": "Global Admin"})]
    # two profiles fit "senders": the word goes as said, for the gate to refuse with the names there are
    two = dataclasses.replace(VOCABULARY, profiles={"EMEA": ("DocuSign Sender", "Limited Sender", "Viewer")})
    assert _calls("how many senders do we have on EMEA", two)[0] == [
        ("list_users", {"account": "EMEA", "permission_profile": "senders"})]


def test_without_profile_names_at_hand_no_filtered_read_is_planned():
    # the first, account-names-only pass must not plan a listing it cannot ground: planned again later
    names_only = OrgVocabulary(VOCABULARY.organization, VOCABULARY.accounts, VOCABULARY.default_account)
    calls, plan = _calls("who are the admins on EMEA", names_only)
    assert calls == [] and plan.clarify


def test_several_groups_at_once_are_asked_about_not_narrowed_to_one():
    calls, plan = _calls("who is in Sales and Finance on EMEA?")
    assert calls == [] and plan.clarify and "one group at a time" in plan.text


@pytest.mark.parametrize("text, args", [
    ("list pending users", {"status": "pending"}),
    ("who is pending on EMEA", {"status": "pending", "account": "EMEA"}),
])
def test_a_listing_without_a_profile_or_group_is_unchanged(text, args):
    assert _calls(text)[0] == [("list_users", args)]


OPENINGS = ["who are the", "list the", "show me all", "how many", "which", "are there any",
            "does anyone have"]
ROLES = ["admins", "senders", "viewers", "Paralegal", "DocuSign Viewer", "people in the Sales group"]
PLACES = ["", " on EMEA", " in Acme Main", " on Acme Legal", " on Contractors"]


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(OPENINGS), st.sampled_from(ROLES), st.sampled_from(PLACES), st.sampled_from(["", "?"]))
def test_questions_never_write(opening, role, place, end):
    calls, _ = _calls(f"{opening} {role}{place}{end}")
    assert not [a for a, _ in calls if a in WRITES]
