"""list_users by permission profile and group: the answer is exactly the memberships the sandbox
holds with that profile or group, names are the org's own (any case), an unknown name is refused
with the names there are, and nothing is ever written."""

from __future__ import annotations

import pytest

ADMIN = "admin@acme.com"


def holders(dump, *, account=None, profile=None, group=None, pending=False):
    """(email, account) of every membership the sandbox holds that fits, read from its own dump."""
    found = set()
    for user in dump["users"]:
        for name, m in user["memberships"].items():
            if account and name != account:
                continue
            if profile and (m.get("permission_profile") or "").lower() != profile.lower():
                continue
            if group and group.lower() not in [g.lower() for g in m.get("groups") or []]:
                continue
            if pending and m["status"] not in ("activation_required", "activation_sent"):
                continue
            found.add((user["email"], name))
    return found


def listed(result):
    assert result.kind == "ok", result
    return {(u["email"], m["account"]) for u in result.data["users"] for m in u["memberships"]}


def users_requests(world):
    return [r for r in world.seen if r.path_template.endswith("/users")]


def drilldown_requests(world):
    return [r for r in world.seen if r.path_template.endswith("/users/profile")]


def test_the_admins_on_emea_are_the_account_administrators_only(world):
    before = world.dump()
    result = world.submit(ADMIN, "list_users", account="EMEA", permission_profile="Account Administrator")
    expected = holders(before, account="EMEA", profile="Account Administrator")
    assert listed(result) == expected and 0 < len(expected) < len(holders(before, account="EMEA"))
    assert result.summary == f"Users on EMEA with permission profile 'Account Administrator': {len(expected)}"
    assert result.data["total"] == len(expected)
    # one listing of the account, then one drilldown per member of it; nothing written
    assert len(users_requests(world)) == 1
    assert len(drilldown_requests(world)) == len(holders(before, account="EMEA"))
    assert not world.writes() and world.dump() == before


def test_a_name_in_another_case_is_the_account_s_own(world):
    result = world.submit(ADMIN, "list_users", account="emea", permission_profile="  account ADMINISTRATOR")
    assert listed(result) == holders(world.dump(), account="EMEA", profile="Account Administrator")
    assert "permission profile 'Account Administrator'" in result.summary


def test_an_unknown_group_is_refused_with_the_account_s_groups_before_any_listing(world):
    result = world.submit(ADMIN, "list_users", account="EMEA", group="HR")
    assert result.kind == "error"
    emea = next(a for a in world.dump()["accounts"] if a["name"] == "EMEA")
    assert result.message == f"EMEA has no group 'HR'; its groups are {', '.join(emea['groups'])}"
    assert not users_requests(world) and not drilldown_requests(world)


def test_an_unknown_profile_is_refused_too_never_ignored(world):
    result = world.submit(ADMIN, "list_users", account="EMEA", permission_profile="Paralegal")
    assert result.kind == "error" and "EMEA has no permission profile 'Paralegal'" in result.message
    assert "Account Administrator" in result.message and not users_requests(world)


def test_without_an_account_every_account_that_has_the_name_is_covered(world):
    dump = world.dump()
    result = world.submit(ADMIN, "list_users", group="hr")
    has_hr = [a["name"] for a in dump["accounts"] if "HR" in a["groups"]]
    assert listed(result) == holders(dump, group="HR") != set()
    assert result.summary.startswith(f"Users on {', '.join(has_hr)} in group 'HR': ")
    # only the accounts that have such a group are listed
    assert len(users_requests(world)) == len(has_hr) < len(dump["accounts"])


def test_admins_everywhere_name_each_membership_s_account(world):
    dump = world.dump()
    result = world.submit(ADMIN, "list_users", permission_profile="Account Administrator", page_size=100)
    assert listed(result) == holders(dump, profile="Account Administrator")
    assert result.summary.startswith("Users on all accounts with permission profile 'Account Administrator'")


def test_a_name_no_account_has_is_refused_with_every_account_s_names(world):
    result = world.submit(ADMIN, "list_users", group="Marketing")
    assert result.kind == "error" and result.message.startswith("no account has a group 'Marketing'; ")
    assert all(g in result.message for g in ("Vendors", "Litigation", "HR"))


def test_profile_group_and_status_hold_on_the_same_membership(world):
    dump = world.dump()
    result = world.submit(ADMIN, "list_users", permission_profile="DocuSign Sender", group="Sales",
                          status="pending")
    expected = holders(dump, profile="DocuSign Sender", group="Sales", pending=True)
    assert listed(result) == expected != set()
    assert "in group 'Sales' with status pending:" in result.summary


@pytest.mark.parametrize("email, account, profile, answer", [
    ("bjorn.nilsson@acme.com", "EMEA", "Account Administrator",
     "Yes: bjorn.nilsson@acme.com has permission profile 'Account Administrator' on EMEA."),
    ("zoe.muller@acme.com", "EMEA", "account administrator",
     "No: zoe.muller@acme.com does not have permission profile 'Account Administrator' on EMEA "
     "(EMEA: DocuSign Sender, groups Finance)."),
])
def test_a_question_about_one_person_answers_yes_or_no_first(world, email, account, profile, answer):
    member = world.membership(email, account)
    assert (member["permission_profile"] == "Account Administrator") == answer.startswith("Yes")
    result = world.submit(ADMIN, "list_users", email=email, account=account, permission_profile=profile)
    assert result.kind == "ok" and result.summary.splitlines()[0] == answer
    assert result.summary == answer  # no "Users on ... : 0" under it, read as the org's count
    assert len(drilldown_requests(world)) == 1 and not users_requests(world)


def test_a_group_question_about_one_person(world):
    result = world.submit(ADMIN, "list_users", email="zoe.muller@acme.com", group="Finance")
    assert result.summary.splitlines()[0] == "Yes: zoe.muller@acme.com is in group 'Finance' on EMEA."


def test_pages_of_a_filtered_listing_add_up_to_the_whole(world):
    expected = holders(world.dump(), account="EMEA", profile="DocuSign Sender")
    result = world.submit(ADMIN, "list_users", account="EMEA", permission_profile="DocuSign Sender",
                          page_size=3)
    seen = listed(result)
    assert result.summary.endswith(f": {len(expected)} (showing 1-3)")
    while result.next_cursor:
        result = world.submit(ADMIN, "list_users", account="EMEA", permission_profile="DocuSign Sender",
                              page_size=3, cursor=result.next_cursor)
        seen |= listed(result)
    assert seen == expected


def test_a_cursor_from_another_filter_is_refused(world):
    first = world.submit(ADMIN, "list_users", account="EMEA", permission_profile="DocuSign Sender",
                         page_size=2)
    other = world.submit(ADMIN, "list_users", account="EMEA", permission_profile="DocuSign Viewer",
                         page_size=2, cursor=first.next_cursor)
    assert other.kind == "error" and "different query" in other.message
