"""Arbitrary JSON and query strings never make the sandbox answer 500, and a refusal changes nothing."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.docusign.sandbox import SANDBOX_ADMIN_URL, Sandbox

_sb = None


def _sandbox() -> tuple[Sandbox, httpx.Client]:
    global _sb
    if _sb is None:
        sb = Sandbox.from_fixture("acme")
        client = httpx.Client(
            transport=sb.transport(),
            base_url=SANDBOX_ADMIN_URL,
            headers={"Authorization": f"Bearer {sb.issue_token()}"},
        )
        _sb = (sb, client)
    return _sb


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.text(max_size=8),
    st.sampled_from(["1", "admin@acme.com", "00000000-0000-4000-8000-000000000000"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "email",
                    "accounts",
                    "users",
                    "site_id",
                    "memberships",
                    "permission_profile",
                    "groups",
                    "account_id",
                    "user_id",
                    "user_name",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from(["create", "add", "profiles", "close", "activate", "redact"]),
    body=json_values,
)
def test_write_bodies_never_500(which, body):
    sb, api = _sandbox()
    org = f"/v2/organizations/{sb.organization_id}"
    sam = sb.user_id("approver@acme.com")
    paths = {
        "create": ("POST", f"{org}/users"),
        "add": ("POST", f"{org}/accounts/{sb.account_id('EMEA')}/users"),
        "profiles": ("POST", f"{org}/users/profiles"),
        "close": ("DELETE", f"{org}/users/{sam}/accounts"),
        "activate": ("POST", f"{org}/users/{sam}/memberships/00000000-0000-4000-8000-000000000000"),
        "redact": ("POST", f"/v2/data_redaction/organizations/{sb.organization_id}/user"),
    }
    method, path = paths[which]
    before = sb.dump()
    response = api.request(method, path, json=body)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()) == {"error", "error_description"}
        assert sb.dump() == before


@settings(max_examples=60, deadline=None)
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "email",
                "account_id",
                "start",
                "take",
                "end",
                "status",
                "membership_status",
                "last_modified_since",
                "email_user_name_like",
                "organization_reserved_domain_id",
            ]
        ),
        st.text(max_size=12),
        max_size=5,
    )
)
def test_user_queries_never_500(params):
    sb, api = _sandbox()
    response = api.get(f"/v2/organizations/{sb.organization_id}/users", params=params)
    assert response.status_code in (200, 400, 404), response.text
