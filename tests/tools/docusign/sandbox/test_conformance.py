"""Every response of every operation the sandbox serves validates against the spec (strictly)."""

from __future__ import annotations

import httpx

from tools.docusign.sandbox import SANDBOX_ADMIN_URL


class Recording(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.seen: list[tuple[str, str, int, object]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.seen.append((request.method, request.url.path, response.status_code, response.json()))
        return response


def _exercise(sb, api: httpx.Client) -> None:
    """A tour of all eleven operations, successes, per-item failures and refusals."""
    org = f"/v2/organizations/{sb.organization_id}"
    main, emea, legal = sb.account_id("Acme Main"), sb.account_id("EMEA"), sb.account_id("Acme Legal")
    api.get("/v2/organizations")
    api.get("/v2/organizations", params={"mode": "account_membership"})
    api.get("/v2/organizations", params={"mode": "bogus"})
    for account in (main, emea, legal):
        api.get(f"{org}/accounts/{account}/permissions")
        api.get(f"{org}/accounts/{account}/groups", params={"take": 2})
        api.get(f"{org}/accounts/{account}/groups", params={"start": 2, "take": 2})
    api.get(f"{org}/accounts/not-a-guid/permissions")
    api.get(f"{org}/accounts/00000000-0000-4000-8000-000000000000/groups")
    for params in (
        {"account_id": main},
        {"account_id": main, "start": 20, "take": 10},
        {"email": "john.doe@acme.com"},
        {"email": "nobody@acme.com"},
        {"account_id": emea, "membership_status": "activation_sent"},
        {"account_id": main, "status": "closed"},
        {"account_id": main, "email_user_name_like": "doe"},
        {"account_id": main, "last_modified_since": "2020-01-01T00:00:00Z"},
        {"organization_reserved_domain_id": sb.state.organization.domain_id("acme.com"), "take": 500},
        {},
        {"account_id": main, "take": "x"},
        {"account_id": main, "membership_status": "pending"},
        {"email": "john.doe@acme.com", "last_modified_since": "2020-01-01"},
    ):
        api.get(f"{org}/users", params=params)
    api.get(f"{org}/users/profile", params={"email": "jane.smith@acme.com"})
    api.get(f"{org}/users/profile", params={"email": "tom.baker@acme.com"})
    api.get(f"{org}/users/profile", params={"email": "maya.chen@acme.com"})
    api.get(f"{org}/users/profile")
    profiles = {
        p["name"]: p["id"] for p in api.get(f"{org}/accounts/{emea}/permissions").json()["permissions"]
    }
    groups = {g["name"]: g["id"] for g in api.get(f"{org}/accounts/{emea}/groups").json()["groups"]}
    created = api.post(
        f"{org}/users",
        json={
            "user_name": "Maya Chen",
            "first_name": "Maya",
            "last_name": "Chen",
            "email": "maya.chen@acme.com",
            "auto_activate_memberships": True,
            "accounts": [
                {
                    "id": emea,
                    "permission_profile": {"id": profiles["DocuSign Sender"]},
                    "groups": [{"id": groups["Sales"]}],
                    "job_title": "AE",
                    "company_name": "Acme",
                }
            ],
        },
    ).json()
    api.post(
        f"{org}/users", json={"email": "maya.chen@acme.com", "user_name": "Maya", "accounts": [{"id": emea}]}
    )
    api.post(f"{org}/users", json={"email": "no-accounts@acme.com", "user_name": "X"})
    api.post(f"{org}/users", content=b"{not json", headers={"Content-Type": "application/json"})
    api.post(f"{org}/accounts/{main}/users", json={"email": "maya.chen@acme.com", "user_name": "Maya Chen"})
    api.post(f"{org}/accounts/{main}/users", json={"email": "maya.chen@acme.com"})
    api.post(f"{org}/accounts/{main}/users", json={"email": "bad email"})
    maya = created["id"]
    api.post(
        f"{org}/users/profiles",
        json={
            "users": [
                {
                    "id": maya,
                    "site_id": 1,
                    "job_title": "x",
                    "memberships": [
                        {"account_id": emea, "permission_profile": {"id": profiles["DocuSign Viewer"]}}
                    ],
                },
                {
                    "id": maya,
                    "site_id": 1,
                    "memberships": [{"account_id": emea, "permission_profile": {"id": 1}}],
                },
                {"id": "00000000-0000-4000-8000-000000000000", "site_id": 1},
            ]
        },
    )
    api.post(f"{org}/users/profiles", json={"users": [{"id": maya}]})
    api.request("DELETE", f"{org}/users/{maya}/accounts", json={"accounts": [{"id": main}, {"id": legal}]})
    api.request("DELETE", f"{org}/users/{maya}/accounts", json={"accounts": [{"id": emea}]})
    api.request("DELETE", f"{org}/users/{maya}/accounts", json={})
    membership = api.get(f"{org}/users", params={"email": "maya.chen@acme.com", "account_id": emea}).json()
    membership_id = membership["users"][0]["membership_id"]
    api.post(f"{org}/users/{maya}/memberships/{membership_id}", json={"site_id": 1})
    api.post(f"{org}/users/{maya}/memberships/{membership_id}", json={"site_id": 1})
    api.post(f"{org}/users/{maya}/memberships/{membership_id}", json={})
    api.post(f"{org}/users/{maya}/memberships/00000000-0000-4000-8000-000000000000", json={"site_id": 1})
    tom = sb.user_id("tom.baker@acme.com")
    api.post(
        f"/v2/data_redaction/organizations/{sb.organization_id}/user",
        json={"user_id": tom, "memberships": [{"account_id": main}]},
    )
    api.post(f"/v2/data_redaction/organizations/{sb.organization_id}/user", json={"user_id": tom})
    api.post(
        f"/v2/data_redaction/organizations/{sb.organization_id}/user",
        json={"user_id": sb.user_id("lisa.wong@acme.com")},
    )
    api.post(f"/v2/data_redaction/organizations/{sb.organization_id}/user", json={"user_id": maya})
    api.post(f"/v2/data_redaction/organizations/{sb.organization_id}/user", json={"user_id": 5})


def test_every_response_matches_the_spec(sb, schemas):
    recording = Recording(sb.transport())
    with httpx.Client(
        transport=recording,
        base_url=SANDBOX_ADMIN_URL,
        headers={"Authorization": f"Bearer {sb.issue_token()}"},
    ) as api:
        _exercise(sb, api)
    operations = set()
    statuses = set()
    for method, path, status, body in recording.seen:
        assert status < 500, (method, path, body)
        schemas.validate(method, path, status, body)
        operations.add(schemas.operation(method, path)[0] + method)
        statuses.add(status)
    assert len(operations) == 11
    assert {200, 400, 404} <= statuses


def test_per_item_failures_come_inside_a_200(sb, api, org):
    emea = sb.account_id("EMEA")
    john = sb.user_id("john.doe@acme.com")
    response = api.post(
        f"{org}/users/profiles",
        json={
            "users": [
                {
                    "id": john,
                    "site_id": 1,
                    "memberships": [{"account_id": emea, "permission_profile": {"id": 42}}],
                }
            ]
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is False
    assert body["users"][0]["error_details"]["error"] == "invalid_permissionset"
    assert "42" in body["users"][0]["error_details"]["error_description"]


def test_bad_input_is_refused_in_the_error_shape_never_500(sb, api, org):
    cases = [
        ("GET", f"{org}/users", {"params": {}}),
        ("GET", "/v2/organizations/not-a-guid/users", {"params": {"account_id": sb.account_id("EMEA")}}),
        ("POST", f"{org}/users", {"content": b"[1, 2"}),
        ("POST", f"{org}/users", {"json": [1, 2]}),
        ("POST", f"{org}/users", {"json": {"email": 7, "accounts": "x"}}),
        ("POST", f"{org}/users/profiles", {"json": {"users": [{"id": "x", "site_id": "y"}]}}),
        ("DELETE", f"{org}/users/{sb.user_id('sam.lee@acme.com')}/accounts", {"json": {"accounts": [{}]}}),
        ("GET", f"{org}/accounts/{sb.account_id('EMEA')}/groups", {"params": {"take": "-1"}}),
        ("PUT", f"{org}/users", {"json": {}}),
        ("GET", "/v2/nothing/here", {}),
    ]
    before = sb.dump()
    for method, path, kwargs in cases:
        response = api.request(method, path, **kwargs)
        assert 400 <= response.status_code < 500, (method, path, response.text)
        body = response.json()
        assert set(body) == {"error", "error_description"} and body["error_description"], body
    assert sb.dump() == before


def test_paging_object_walks_the_whole_set(sb, api, org):
    main = sb.account_id("Acme Main")
    members = [u for u in sb.state.users.values() if main in u.memberships]
    seen, url, pages = [], f"{org}/users?account_id={main}&take=7", 0
    while url:
        body = api.get(url).json()
        paging = body["paging"]
        assert paging["result_set_size"] == len(body["users"]) <= 7
        assert paging["total_set_size"] == len(members)
        assert paging["result_set_start_position"] == len(seen)
        assert paging["result_set_end_position"] == len(seen) + len(body["users"]) - 1
        assert ("previous" in paging) == (pages > 0)
        seen += [u["id"] for u in body["users"]]
        url = paging.get("next")
        pages += 1
    assert sorted(seen) == sorted(u.id for u in members)
    assert pages == -(-len(members) // 7)
    capped = api.get(f"{org}/users", params={"account_id": main, "take": 1000}).json()
    assert capped["paging"]["result_set_size"] == len(members) <= 100
    by_end = api.get(f"{org}/users", params={"account_id": main, "start": 2, "end": 4}).json()
    assert by_end["paging"]["result_set_size"] == 3
