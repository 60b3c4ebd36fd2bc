"""Every client operation against the sandbox, judged by the sandbox's final state and DocuSign's spec."""

from __future__ import annotations

import re

import pytest

from tools.docusign import errors, models
from tools.docusign.guard import permit

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture
def ids(acme):
    return {
        "org": acme.organization_id,
        "main": acme.account_id("Acme Main"),
        "legal": acme.account_id("Acme Legal"),
        "emea": acme.account_id("EMEA"),
    }


def profile_id(admin, ids, account, name) -> int:
    return next(p.id for p in admin.permission_profiles(ids["org"], ids[account]) if p.name == name)


def group_id(admin, ids, account, name) -> int:
    return next(g.id for g in admin.groups(ids["org"], ids[account]) if g.name == name)


# --- reads ------------------------------------------------------------------------------------


def test_organizations_with_linked_accounts(admin, acme, records):
    (org,) = admin.organizations()
    assert org.id == acme.organization_id and org.name == "Acme Corp"
    assert {a.name for a in org.accounts} == {"Acme Main", "Acme Legal", "EMEA", "Contractors"}
    assert all(GUID.match(a.id) for a in org.accounts)
    assert records[-1].path_template == "/v2/organizations" and records[-1].status == 200
    assert records[-1].request_id  # DocuSign's trace token, for support


def test_permission_profiles_and_groups_have_int64_ids(admin, ids):
    profiles = admin.permission_profiles(ids["org"], ids["legal"])
    assert {"DocuSign Sender", "DocuSign Viewer", "Account Administrator", "Paralegal"} <= {
        p.name for p in profiles
    }
    assert all(isinstance(p.id, int) for p in profiles)
    groups = admin.groups(ids["org"], ids["emea"])
    assert {"Everyone", "Sales", "Finance"} <= {g.name for g in groups}
    assert all(isinstance(g.id, int) for g in groups)


def test_users_of_an_account_match_the_sandbox(admin, acme, ids):
    users = admin.users(ids["org"], account_id=ids["main"])
    expected = {u["email"] for u in acme.dump()["users"] if "Acme Main" in u["memberships"]}
    assert {u.email for u in users} == expected and len(users) == len(expected)


def test_paging_across_many_small_pages(admin, acme, ids, records):
    admin.page_size = 3
    users = admin.users(ids["org"], account_id=ids["main"])
    expected = {u["email"] for u in acme.dump()["users"] if "Acme Main" in u["memberships"]}
    assert sorted(u.email for u in users) == sorted(expected)
    pages = [r for r in records if r.path_template.endswith("/users")]
    assert len(pages) == -(-len(expected) // 3)  # every page fetched exactly once


def test_users_page_and_filters(admin, ids):
    page = admin.users_page(ids["org"], account_id=ids["main"], take=2)
    assert len(page.users) == 2 and page.paging.total_set_size > 2 and page.paging.next
    pending = admin.users(ids["org"], account_id=ids["main"], membership_status="activation_sent")
    assert all(u.membership_status == "activation_sent" for u in pending)
    (john,) = admin.users(ids["org"], email="john.doe@acme.com")
    assert john.email == "john.doe@acme.com" and GUID.match(john.id) and GUID.match(john.membership_id)


def test_user_profile_drilldown(admin, ids):
    john = admin.user_profile(ids["org"], "John.Doe@acme.com")
    assert isinstance(john, models.UserDrilldownResponse)
    emea = next(m for m in john.memberships if m.account_id == ids["emea"])
    assert emea.status == "active" and emea.permission_profile.name == "DocuSign Sender"
    assert "Sales" in {g.name for g in emea.groups}
    assert admin.user_profile(ids["org"], "maya.chen@acme.com") is None


# --- writes -----------------------------------------------------------------------------------


def test_create_user(admin, ids, state_of):
    sender = profile_id(admin, ids, "emea", "DocuSign Sender")
    body = models.NewUserRequest(
        email="maya.chen@acme.com",
        first_name="Maya",
        last_name="Chen",
        user_name="Maya Chen",
        accounts=[
            models.NewUserRequestAccountProperties(
                id=ids["emea"],
                permission_profile=models.PermissionProfileRequest(id=sender),
                groups=[models.GroupRequest(id=group_id(admin, ids, "emea", "Sales"))],
                job_title="AE",
            )
        ],
    )
    with permit("test"):
        created = admin.create_user(ids["org"], body)
    assert GUID.match(created.id) and created.email == "maya.chen@acme.com"
    maya = state_of("maya.chen@acme.com")
    assert maya["memberships"]["EMEA"]["permission_profile"] == "DocuSign Sender"
    assert maya["memberships"]["EMEA"]["groups"] == ["Sales"]


def test_creating_an_existing_email_fails_typed_and_changes_nothing(admin, acme, ids):
    before = acme.dump()
    with permit("test"), pytest.raises(errors.DocuSignError) as caught:
        admin.create_user(ids["org"], {"email": "john.doe@acme.com", "accounts": [{"id": ids["emea"]}]})
    assert caught.value.status in (400, 409) and caught.value.message
    assert acme.dump() == before


def test_add_account_user(admin, ids, state_of):
    paralegal = profile_id(admin, ids, "legal", "Paralegal")
    with permit("test"):
        admin.add_account_user(
            ids["org"],
            ids["legal"],
            models.NewAccountUserRequest(
                email="john.doe@acme.com", permission_profile=models.PermissionProfileRequest(id=paralegal)
            ),
        )
    john = state_of("john.doe@acme.com")
    assert john["memberships"]["Acme Legal"]["permission_profile"] == "Paralegal"
    assert john["memberships"]["EMEA"]["status"] == "active"


def test_update_users_changes_profile_and_job_title(admin, ids, state_of):
    john = admin.user_profile(ids["org"], "john.doe@acme.com")
    viewer = profile_id(admin, ids, "emea", "DocuSign Viewer")
    body = models.UpdateUsersRequest(
        users=[
            models.UpdateUserRequest(
                id=john.id,
                site_id=john.site_id or 1,
                memberships=[
                    models.UpdateMembershipRequest(
                        account_id=ids["emea"],
                        permission_profile=models.PermissionProfileRequest(id=viewer),
                        job_title="Senior AE",
                    )
                ],
            )
        ]
    )
    with permit("test"):
        result = admin.update_users(ids["org"], body)
    assert result.users[0].id == john.id
    after = state_of("john.doe@acme.com")["memberships"]["EMEA"]
    assert after["permission_profile"] == "DocuSign Viewer" and after["job_title"] == "Senior AE"


def test_close_then_reactivate_a_membership(admin, ids, state_of):
    jane = admin.user_profile(ids["org"], "jane.smith@acme.com")
    with permit("test"):
        admin.close_memberships(
            ids["org"],
            jane.id,
            models.DeleteMembershipsRequest(accounts=[models.DeleteMembershipRequest(id=ids["main"])]),
        )
    after = state_of("jane.smith@acme.com")
    assert after["memberships"]["Acme Main"]["status"] == "closed"
    assert after["memberships"]["Acme Legal"]["status"] == "active" and after["user_status"] == "active"

    (closed,) = admin.users(ids["org"], email="jane.smith@acme.com", account_id=ids["main"])
    with permit("test"):
        admin.activate_membership(
            ids["org"],
            jane.id,
            closed.membership_id,
            models.ForceActivateMembershipRequest(site_id=jane.site_id or 1),
        )
    assert state_of("jane.smith@acme.com")["memberships"]["Acme Main"]["status"] == "active"


def test_closing_a_membership_the_user_lacks_is_an_item_failure(admin, ids, state_of):
    sam = admin.user_profile(ids["org"], "sam.lee@acme.com")
    with permit("test"), pytest.raises(errors.ItemFailed) as caught:
        admin.close_memberships(ids["org"], sam.id, {"accounts": [{"id": ids["emea"]}]})
    assert caught.value.failures and caught.value.failures[0][0] == ids["emea"]
    assert state_of("sam.lee@acme.com")["memberships"]["Acme Main"]["status"] == "active"


def test_redaction_waits_24_hours_after_closing(admin, acme, ids, state_of):
    ken = admin.user_profile(ids["org"], "ken.watanabe@acme.com")
    accounts = [{"id": m.account_id} for m in ken.memberships if m.status != "closed"]
    with permit("test"):
        admin.close_memberships(ids["org"], ken.id, {"accounts": accounts})
    assert state_of("ken.watanabe@acme.com")["user_status"] == "closed"
    with permit("test"), pytest.raises(errors.DocuSignError) as caught:
        admin.redact_user(ids["org"], {"user_id": ken.id})
    assert caught.value.status == 400 and "24" in caught.value.message
    acme.clock.advance(hours=25)
    with permit("test"):
        result = admin.redact_user(ids["org"], models.IndividualUserDataRedactionRequest(user_id=ken.id))
    assert result.status in ("success", "pending")
    after = state_of("ken.watanabe@acme.com")
    assert after is None or after.get("redacted") is True


def test_every_body_sent_validates_against_the_spec(admin, acme, ids, wire, assert_bodies_match_spec):
    org, john_email = ids["org"], "john.doe@acme.com"
    sender = profile_id(admin, ids, "emea", "DocuSign Sender")
    paralegal = profile_id(admin, ids, "legal", "Paralegal")
    john = admin.user_profile(org, john_email)
    with permit("test"):
        admin.create_user(
            org,
            models.NewUserRequest(
                email="maya.chen@acme.com",
                first_name="Maya",
                last_name="Chen",
                user_name="Maya Chen",
                default_account_id=ids["emea"],
                auto_activate_memberships=True,
                accounts=[
                    models.NewUserRequestAccountProperties(
                        id=ids["emea"],
                        permission_profile=models.PermissionProfileRequest(id=sender, name="DocuSign Sender"),
                        groups=[models.GroupRequest(id=group_id(admin, ids, "emea", "Sales"))],
                        company_name="Acme",
                        job_title="AE",
                    )
                ],
            ),
        )
        admin.add_account_user(
            org,
            ids["legal"],
            {
                "email": john_email,
                "permission_profile": {"id": paralegal},
                "groups": [{"id": group_id(admin, ids, "legal", "Legal")}],
            },
        )
        admin.update_users(
            org,
            {
                "users": [
                    {
                        "id": john.id,
                        "site_id": john.site_id or 1,
                        "memberships": [
                            {
                                "account_id": ids["emea"],
                                "job_title": "AE II",
                                "groups": [{"id": group_id(admin, ids, "emea", "Finance")}],
                            }
                        ],
                    }
                ]
            },
        )
        admin.close_memberships(org, john.id, {"accounts": [{"id": ids["legal"]}]})
    (closed,) = admin.users(org, email=john_email, account_id=ids["legal"])
    with permit("test"):
        admin.activate_membership(org, john.id, closed.membership_id, {"site_id": john.site_id or 1})
        admin.close_memberships(org, john.id, {"accounts": [{"id": ids["legal"]}, {"id": ids["emea"]}]})
    acme.clock.advance(hours=25)  # also outlives the token: the client renews it on the 401
    with permit("test"):
        admin.redact_user(org, {"user_id": john.id, "memberships": [{"account_id": ids["emea"]}]})
    assert assert_bodies_match_spec(wire) == {
        "POST /v2/organizations/{organizationId}/users",
        "POST /v2/organizations/{organizationId}/accounts/{accountId}/users",
        "POST /v2/organizations/{organizationId}/users/profiles",
        "DELETE /v2/organizations/{organizationId}/users/{userId}/accounts",
        "POST /v2/organizations/{organizationId}/users/{userId}/memberships/{membershipId}",
        "POST /v2/data_redaction/organizations/{organizationId}/user",
    }


def test_writes_need_the_gates_permit(admin, ids, acme, wire):
    from tools.docusign import GateBypassError

    before = len(wire.requests)
    with pytest.raises(GateBypassError):
        admin.create_user(ids["org"], {"email": "x@acme.com", "accounts": [{"id": ids["emea"]}]})
    with pytest.raises(GateBypassError):
        admin.close_memberships(ids["org"], ids["emea"], {"accounts": [{"id": ids["emea"]}]})
    assert len(wire.requests) == before and dumped_absent(acme, "x@acme.com")


def dumped_absent(sandbox, email):
    return all(u["email"] != email for u in sandbox.dump()["users"])
