"""DocuSign's state rules, asserted on the sandbox's final state (dump / state), not on replies."""

from __future__ import annotations

import pytest

from tools.docusign.sandbox import Sandbox


def _ids(api, org, account_id):
    profiles = {
        p["name"]: p["id"] for p in api.get(f"{org}/accounts/{account_id}/permissions").json()["permissions"]
    }
    groups = {g["name"]: g["id"] for g in api.get(f"{org}/accounts/{account_id}/groups").json()["groups"]}
    return profiles, groups


def _user(sb, email):
    return next((u for u in sb.dump()["users"] if u["email"] == email), None)


def test_acme_fixture_has_the_people_the_product_expects(sb):
    users = {u["email"]: u for u in sb.dump()["users"]}
    assert 35 <= len(users) <= 50
    assert "maya.chen@acme.com" not in users
    assert (
        users["admin@acme.com"]["memberships"]["Acme Main"]["permission_profile"] == "Account Administrator"
    )
    assert users["admin@acme.com"]["organization_admin"] is True
    assert "approver@acme.com" in users and "sam.lee@acme.com" in users
    assert users["john.doe@acme.com"]["memberships"]["EMEA"] == {
        "status": "active",
        "permission_profile": "DocuSign Sender",
        "groups": ["Sales"],
        "job_title": "AE",
    }
    statuses = {m["status"] for u in users.values() for m in u["memberships"].values()}
    assert statuses == {"active", "activation_required", "activation_sent", "closed", "disabled"}
    assert {u["user_status"] for u in users.values()} == {"active", "created", "closed"}
    assert sum(len(u["memberships"]) > 1 for u in users.values()) >= 5
    accounts = {a["name"]: a for a in sb.dump()["accounts"]}
    assert [a for a, v in accounts.items() if "Paralegal" in v["permission_profiles"]] == ["Acme Legal"]
    assert Sandbox.from_fixture("acme").dump()["users"][0] == sb.dump()["users"][0]
    assert Sandbox.from_fixture("acme").organization_id == sb.organization_id


def test_create_user_on_claimed_domain_auto_activates_others_wait(sb, api, org):
    emea = sb.account_id("EMEA")
    profiles, groups = _ids(api, org, emea)
    before = sb.state.organization.last_modified_on
    sb.advance_clock(seconds=1)
    for email in ("maya.chen@acme.com", "maya@partner.example"):
        response = api.post(
            f"{org}/users",
            json={
                "first_name": "Maya",
                "last_name": "Chen",
                "email": email,
                "auto_activate_memberships": True,
                "accounts": [
                    {
                        "id": emea,
                        "permission_profile": {"id": profiles["DocuSign Sender"]},
                        "groups": [{"id": groups["Sales"]}],
                        "job_title": "AE",
                    }
                ],
            },
        )
        assert response.status_code == 200, response.text
    assert _user(sb, "maya.chen@acme.com")["memberships"] == {
        "EMEA": {
            "status": "active",
            "permission_profile": "DocuSign Sender",
            "groups": ["Sales"],
            "job_title": "AE",
        }
    }
    assert _user(sb, "maya@partner.example")["memberships"]["EMEA"]["status"] == "activation_sent"
    assert _user(sb, "maya@partner.example")["user_status"] == "created"
    assert sb.state.organization.last_modified_on >= before + 1


def test_email_is_unique_and_a_duplicate_create_changes_nothing(sb, api, org):
    before = sb.dump()
    response = api.post(
        f"{org}/users",
        json={
            "email": "JOHN.DOE@acme.com",
            "user_name": "Another John",
            "accounts": [{"id": sb.account_id("Acme Main")}],
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "user_already_exists"
    assert sb.dump() == before


def test_update_profile_groups_and_job_title(sb, api, org):
    emea = sb.account_id("EMEA")
    profiles, groups = _ids(api, org, emea)
    john = sb.user_id("john.doe@acme.com")
    old = sb.state.users[john].last_modified_on
    sb.advance_clock(minutes=5)
    body = api.post(
        f"{org}/users/profiles",
        json={
            "users": [
                {
                    "id": john,
                    "site_id": 1,
                    "memberships": [
                        {
                            "account_id": emea,
                            "permission_profile": {"id": profiles["Account Administrator"]},
                            "groups": [{"id": groups["Finance"]}],
                            "job_title": "Director",
                        }
                    ],
                }
            ]
        },
    ).json()
    assert body["success"] is True and "error_details" not in body["users"][0]
    assert _user(sb, "john.doe@acme.com")["memberships"]["EMEA"] == {
        "status": "active",
        "permission_profile": "Account Administrator",
        "groups": ["Finance"],
        "job_title": "Director",
    }
    assert sb.state.users[john].last_modified_on >= old + 300
    since = api.get(f"{org}/users", params={"account_id": emea, "last_modified_since": "2000-01-01"}).json()
    assert john in [u["id"] for u in since["users"]]


def test_profile_of_another_account_is_refused_per_item_and_nothing_changes(sb, api, org):
    legal = sb.account_id("Acme Legal")
    paralegal = _ids(api, org, legal)[0]["Paralegal"]
    john = sb.user_id("john.doe@acme.com")
    sam = sb.user_id("sam.lee@acme.com")
    main = sb.account_id("Acme Main")
    viewer = _ids(api, org, main)[0]["DocuSign Viewer"]
    body = api.post(
        f"{org}/users/profiles",
        json={
            "users": [
                {
                    "id": john,
                    "site_id": 1,
                    "memberships": [
                        {"account_id": sb.account_id("EMEA"), "permission_profile": {"id": paralegal}}
                    ],
                },
                {
                    "id": sam,
                    "site_id": 1,
                    "memberships": [{"account_id": main, "permission_profile": {"id": viewer}}],
                },
            ]
        },
    ).json()
    assert body["success"] is False
    assert body["users"][0]["error_details"]["error"] == "invalid_permissionset"
    assert "error_details" not in body["users"][1]
    assert _user(sb, "john.doe@acme.com")["memberships"]["EMEA"]["permission_profile"] == "DocuSign Sender"
    assert (
        _user(sb, "sam.lee@acme.com")["memberships"]["Acme Main"]["permission_profile"] == "DocuSign Viewer"
    )


def test_closing_every_membership_closes_the_user_and_reactivation_reopens(sb, api, org):
    emma = sb.user_id("emma.johnson@acme.com")
    accounts = [sb.account_id(n) for n in ("Acme Legal", "Acme Main")]
    body = api.request(
        "DELETE", f"{org}/users/{emma}/accounts", json={"accounts": [{"id": a} for a in accounts]}
    ).json()
    assert body == {"success": True, "accounts": [{"id": a} for a in accounts]}
    assert _user(sb, "emma.johnson@acme.com")["user_status"] == "active"
    api.request("DELETE", f"{org}/users/{emma}/accounts", json={"accounts": [{"id": sb.account_id("EMEA")}]})
    emma_now = _user(sb, "emma.johnson@acme.com")
    assert emma_now["user_status"] == "closed"
    assert {m["status"] for m in emma_now["memberships"].values()} == {"closed"}
    row = api.get(f"{org}/users", params={"email": "emma.johnson@acme.com", "account_id": accounts[1]}).json()
    assert row["users"][0]["user_status"] == "closed" and "membership_closed_on" in row["users"][0]
    again = api.request(
        "DELETE", f"{org}/users/{emma}/accounts", json={"accounts": [{"id": accounts[0]}]}
    ).json()
    assert again["success"] is False and again["accounts"][0]["error_details"]["error"] == "membership_closed"
    membership_id = row["users"][0]["membership_id"]
    response = api.post(f"{org}/users/{emma}/memberships/{membership_id}", json={"site_id": 1})
    assert response.status_code == 200 and response.json() == {"status": "success"}
    emma_now = _user(sb, "emma.johnson@acme.com")
    assert emma_now["user_status"] == "active"
    assert emma_now["memberships"]["Acme Main"]["status"] == "active"
    assert "closed_on" not in emma_now["memberships"]["Acme Main"]


def test_last_admin_and_own_membership_cannot_be_closed(sb, api, org):
    contractors = sb.account_id("Contractors")
    admin = sb.user_id("admin@acme.com")
    body = api.request(
        "DELETE", f"{org}/users/{admin}/accounts", json={"accounts": [{"id": contractors}]}
    ).json()
    assert body["accounts"][0]["error_details"]["error"] == "cannot_close_own_membership"
    other = Sandbox.from_fixture("acme")
    token = other.issue_token("admin@acme.com")
    import httpx

    from tools.docusign.sandbox import SANDBOX_ADMIN_URL

    other.merge({"users": [{"email": "george.harris@acme.com", "organization_admin": True}]})
    george_api = httpx.Client(
        transport=other.transport(),
        base_url=SANDBOX_ADMIN_URL,
        headers={"Authorization": f"Bearer {other.issue_token('george.harris@acme.com')}"},
    )
    assert token
    body = george_api.request(
        "DELETE",
        f"/v2/organizations/{other.organization_id}/users/{admin}/accounts",
        json={"accounts": [{"id": contractors}]},
    ).json()
    assert body["accounts"][0]["error_details"]["error"] == "cannot_close_last_active_admin"
    assert other.dump()["users"][0]["memberships"]["Contractors"]["status"] == "active"


def test_purge_waits_24_hours_after_closing(sb, api, org):
    sam = sb.user_id("sam.lee@acme.com")
    path = f"/v2/data_redaction/organizations/{sb.organization_id}/user"
    refused = api.post(path, json={"user_id": sam})
    assert refused.status_code == 400 and refused.json()["error"] == "user_not_closed"
    api.request(
        "DELETE", f"{org}/users/{sam}/accounts", json={"accounts": [{"id": sb.account_id("Acme Main")}]}
    )
    sb.advance_clock(hours=23)
    api.headers["Authorization"] = f"Bearer {sb.issue_token()}"  # the old token expired meanwhile
    early = api.post(path, json={"user_id": sam})
    assert early.status_code == 400 and early.json()["error"] == "user_closed_less_than_24_hours"
    assert _user(sb, "sam.lee@acme.com") is not None
    sb.advance_clock(hours=1, seconds=1)
    api.headers["Authorization"] = f"Bearer {sb.issue_token()}"
    done = api.post(path, json={"user_id": sam})
    assert done.status_code == 200 and done.json()["status"] == "success"
    assert _user(sb, "sam.lee@acme.com") is None
    assert api.get(f"{org}/users/profile", params={"email": "sam.lee@acme.com"}).json() == {"users": []}
    redacted = [u for u in sb.dump()["users"] if u.get("redacted")]
    assert len(redacted) == 1 and "Sam" not in str(redacted[0])
    assert api.post(path, json={"user_id": sam}).json()["status"] == "already_redacted"


def test_add_existing_user_to_another_account_and_closed_membership_needs_reactivation(sb, api, org):
    legal = sb.account_id("Acme Legal")
    response = api.post(f"{org}/accounts/{legal}/users", json={"email": "john.doe@acme.com"})
    assert response.status_code == 200
    john = _user(sb, "john.doe@acme.com")
    assert john["memberships"]["Acme Legal"]["status"] == "activation_sent"
    assert john["memberships"]["Acme Legal"]["permission_profile"] == "DocuSign Sender"
    closed = api.post(
        f"{org}/accounts/{sb.account_id('Acme Main')}/users", json={"email": "tom.baker@acme.com"}
    )
    assert closed.status_code == 400 and closed.json()["error"] == "membership_closed"


@pytest.mark.parametrize(
    "bad",
    [
        {"users": [{"email": "x@acme.com", "memberships": {"Nowhere": {}}}]},
        {"users": [{"email": "x@acme.com", "memberships": {"EMEA": {"permission_profile": "Paralegal"}}}]},
        {"users": [{"email": "x@acme.com", "memberships": {"EMEA": {"status": "pending"}}}]},
        {"users": [{"email": "x@acme.com", "memberships": {"EMEA": {}}, "colour": "red"}]},
    ],
)
def test_merge_refuses_bad_setup_naming_the_field_and_changes_nothing(sb, bad):
    from tools.docusign.sandbox import FixtureError

    before = sb.dump()
    with pytest.raises(FixtureError, match=r"users\[0\] \(x@acme.com\)"):
        sb.merge(bad)
    assert sb.dump() == before


def test_merge_and_dump_round_trip(sb):
    sb.merge(
        {
            "users": [
                {
                    "email": "maya.chen@acme.com",
                    "first_name": "Maya",
                    "last_name": "Chen",
                    "memberships": {"EMEA": {"status": "activation_sent", "groups": ["Sales"]}},
                },
                {
                    "email": "sam.lee@acme.com",
                    "memberships": {"EMEA": {"permission_profile": "DocuSign Viewer"}},
                },
                {"email": "jon.doe@acme.com", "absent": True},
            ]
        }
    )
    dump = sb.dump()
    users = {u["email"]: u for u in dump["users"]}
    assert users["maya.chen@acme.com"]["memberships"]["EMEA"]["status"] == "activation_sent"
    assert set(users["sam.lee@acme.com"]["memberships"]) == {"Acme Main", "EMEA"}
    assert "jon.doe@acme.com" not in users
    assert Sandbox.from_fixture(dump).dump() == dump
