"""The Directory against the sandbox: names to ids, helpful misses, ambiguity, a cache that follows writes."""

from __future__ import annotations

import pytest

from tools.docusign import AccountRef, Directory, ProfileRef, ResolutionError
from tools.docusign.guard import permit


@pytest.fixture
def directory(admin, acme):
    return Directory(admin, acme.organization_id)


def calls(records, suffix):
    return sum(1 for r in records if r.path_template.endswith(suffix))


def test_accounts_by_name_any_case_or_by_id(directory, acme):
    emea = acme.account_id("EMEA")
    assert directory.account("emea") == AccountRef(emea, "EMEA")
    assert directory.account(emea.upper()) == AccountRef(emea, "EMEA")
    assert directory.default_account() == AccountRef(acme.account_id("Acme Main"), "Acme Main")


def test_the_organization_is_discovered_when_not_given(admin, acme):
    assert Directory(admin).organization_id == acme.organization_id


def test_profiles_and_groups_per_account(directory, acme):
    legal = directory.account("Acme Legal").id
    paralegal = directory.permission_profile(legal, "PARALEGAL")
    assert (
        isinstance(paralegal, ProfileRef) and isinstance(paralegal.id, int) and paralegal.name == "Paralegal"
    )
    assert directory.permission_profile(legal, paralegal.id) == paralegal
    sales = directory.group(directory.account("EMEA").id, "sales")
    assert sales.name == "Sales" and isinstance(sales.id, int)


def test_a_profile_miss_suggests_the_real_name(directory):
    emea = directory.account("EMEA").id
    with pytest.raises(ResolutionError) as caught:
        directory.permission_profile(emea, "Docusign sendr")
    assert (
        caught.value.message
        == "no permission profile 'Docusign sendr' on EMEA; did you mean 'DocuSign Sender'?"
    )
    assert caught.value.kind == "permission_profile" and caught.value.suggestions == ["DocuSign Sender"]


def test_a_profile_of_another_account_is_a_miss_listing_what_this_account_has(directory):
    with pytest.raises(ResolutionError) as caught:
        directory.permission_profile(directory.account("EMEA").id, "Paralegal")
    assert caught.value.message.startswith(
        "no permission profile 'Paralegal' on EMEA; known: Account Administrator"
    )


def test_group_and_account_misses_suggest(directory):
    with pytest.raises(ResolutionError, match="did you mean 'Sales'"):
        directory.group(directory.account("EMEA").id, "Sals")
    with pytest.raises(ResolutionError) as caught:
        directory.account("Acme Legl")
    assert caught.value.kind == "account" and caught.value.suggestions[0] == "Acme Legal"
    assert "in organization 'Acme Corp'" in caught.value.message


def test_an_ambiguous_account_name_lists_the_candidates(wire, sandbox_policy):
    from tools.docusign import AdminClient, TokenAuth
    from tools.docusign.sandbox import SANDBOX_ADMIN_URL, Sandbox

    twins = Sandbox.from_fixture(
        {
            "organization": {"name": "Twins Inc", "domains": ["twins.example"]},
            "accounts": [
                {"name": "Sales EU", "default": True, "permission_profiles": ["DocuSign Sender"]},
                {"name": "Sales  eu", "permission_profiles": ["DocuSign Sender"]},
            ],
            "users": [
                {
                    "email": "admin@twins.example",
                    "first_name": "A",
                    "last_name": "Dmin",
                    "organization_admin": True,
                    "memberships": {"Sales EU": {"permission_profile": "DocuSign Sender"}},
                }
            ],
        }
    )
    client = AdminClient(
        SANDBOX_ADMIN_URL,
        TokenAuth(twins.issue_token("admin@twins.example")),
        transport=twins.transport(),
        retry=sandbox_policy,
    )
    with pytest.raises(ResolutionError) as caught:
        Directory(client).account("sales eu")
    assert "ambiguous" in caught.value.message
    assert sorted(caught.value.suggestions) == ["Sales  eu", "Sales EU"]
    assert twins.account_id("Sales EU") in caught.value.message


def test_lookups_are_cached_for_the_session(directory, records):
    emea = directory.account("EMEA").id
    for _ in range(3):
        directory.permission_profile(emea, "DocuSign Sender")
        directory.group(emea, "Sales")
        directory.user("john.doe@acme.com")
        directory.account("emea")
    assert calls(records, "/permissions") == 1 and calls(records, "/groups") == 1
    assert calls(records, "/users/profile") == 1 and calls(records, "/v2/organizations") == 1


def test_a_write_drops_the_users_it_changed(directory, admin, records):
    emea = directory.account("EMEA").id
    john = directory.user("JOHN.DOE@acme.com")
    viewer = directory.permission_profile(emea, "DocuSign Viewer")
    with permit("test"):
        admin.update_users(
            directory.organization_id,
            {
                "users": [
                    {
                        "id": john.id,
                        "site_id": john.site_id or 1,
                        "memberships": [{"account_id": emea, "permission_profile": {"id": viewer.id}}],
                    }
                ]
            },
        )
    after = directory.user("john.doe@acme.com")
    assert calls(records, "/users/profile") == 2
    assert (
        next(m for m in after.memberships if m.account_id == emea).permission_profile.name
        == "DocuSign Viewer"
    )


def test_a_missing_user_is_none_until_created(directory, admin):
    assert directory.user("maya.chen@acme.com") is None
    emea = directory.account("EMEA").id
    with permit("test"):
        admin.create_user(
            directory.organization_id,
            {"email": "maya.chen@acme.com", "user_name": "Maya Chen", "accounts": [{"id": emea}]},
        )
    maya = directory.user("maya.chen@acme.com")
    assert maya is not None and any(m.account_id == emea for m in maya.memberships)


def test_invalidate_drops_everything(directory, records):
    directory.account("EMEA")
    directory.invalidate()
    directory.account("EMEA")
    assert calls(records, "/v2/organizations") == 2
