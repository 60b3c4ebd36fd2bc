"""The JWT grant as DocuSign runs it, and the bearer the Admin routes require."""

from __future__ import annotations

import functools
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tools.docusign.sandbox import ALL_SCOPES, SANDBOX_ADMIN_URL, SANDBOX_OAUTH_URL, Faults

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@pytest.fixture
def oauth(sb):
    with httpx.Client(transport=sb.transport(), base_url=SANDBOX_OAUTH_URL) as client:
        yield client


def assertion(
    sb,
    *,
    key=None,
    aud="sandbox.dsadmin.invalid",
    iat=None,
    exp=None,
    sub=None,
    iss=None,
    scope=" ".join(ALL_SCOPES),
):
    demo = sb.demo_integration
    now = int(time.time())
    claims = {
        "iss": iss or demo.integration_key,
        "sub": sub or demo.user_id,
        "aud": aud,
        "iat": now if iat is None else iat,
        "exp": now + 3600 if exp is None else exp,
        "scope": scope,
    }
    return jwt.encode(claims, key or demo.private_key_pem, algorithm="RS256")


def grant(oauth, token):
    return oauth.post("/oauth/token", data={"grant_type": GRANT, "assertion": token})


def test_good_assertion_gets_a_token_that_opens_the_admin_api(sb, oauth):
    response = grant(oauth, assertion(sb))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    admin = httpx.Client(
        transport=sb.transport(),
        base_url=SANDBOX_ADMIN_URL,
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    orgs = admin.get("/v2/organizations")
    assert orgs.status_code == 200 and orgs.json()["organizations"][0]["name"] == "Acme Corp"
    info = oauth.get("/oauth/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert info["email"] == "admin@acme.com" and info["sub"] == sb.demo_integration.user_id
    assert {a["account_name"] for a in info["accounts"]} == {"Acme Main", "Acme Legal", "EMEA", "Contractors"}
    assert sum(a["is_default"] for a in info["accounts"]) == 1


@functools.cache
def _other_key() -> str:
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"key": "other"}, "invalid_grant"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7000}, "invalid_grant"),
        ({"aud": "account.docusign.com"}, "invalid_grant"),
        ({"iss": "00000000-0000-4000-8000-00000000abcd"}, "invalid_client"),
        ({"sub": "00000000-0000-4000-8000-00000000abcd"}, "invalid_grant"),
        ({"exp": int(time.time()) + 7200}, "invalid_grant"),
        ({"scope": "signature impersonation root"}, "invalid_scope"),
    ],
)
def test_bad_assertions_are_refused_like_docusign(sb, oauth, kwargs, error):
    if kwargs.get("key") == "other":
        kwargs = {**kwargs, "key": _other_key()}
    response = grant(oauth, assertion(sb, **kwargs))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == error and body["error_description"]
    assert response.headers["X-DocuSign-TraceToken"]


def test_wrong_grant_type_and_garbage(sb, oauth):
    assert (
        oauth.post("/oauth/token", data={"grant_type": "password"}).json()["error"]
        == "unsupported_grant_type"
    )
    assert (
        oauth.post("/oauth/token", data={"grant_type": GRANT, "assertion": "x.y.z"}).json()["error"]
        == "invalid_grant"
    )
    assert oauth.post("/oauth/token", data={"grant_type": GRANT}).json()["error"] == "invalid_request"


def test_consent_required_until_granted(sb, oauth):
    key = _other_key()
    public = (
        serialization.load_pem_private_key(key.encode(), None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    sb.register_integration("11111111-2222-4333-8444-555555555555", public)
    signed = assertion(sb, key=key, iss="11111111-2222-4333-8444-555555555555")
    refused = grant(oauth, signed)
    assert refused.status_code == 400 and refused.json()["error"] == "consent_required"
    sb.set_consent("11111111-2222-4333-8444-555555555555", "admin@acme.com")
    assert grant(oauth, signed).status_code == 200
    sb.faults = Faults(consent_revoked=True)
    assert grant(oauth, assertion(sb)).json()["error"] == "consent_required"


def test_admin_routes_need_a_live_bearer_with_the_scope(sb, org):
    def get(token=None, path=f"{org}/users/profile?email=sam.lee@acme.com"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(transport=sb.transport(), base_url=SANDBOX_ADMIN_URL).get(path, headers=headers)

    missing = get()
    assert missing.status_code == 401 and missing.json()["error"] == "authorization_invalid"
    assert get("made-up").status_code == 401
    token = sb.issue_token()
    assert get(token).status_code == 200
    read_only = sb.issue_token(scopes=["signature", "impersonation", "user_read"])
    assert get(read_only).status_code == 200
    forbidden = get(read_only, "/v2/organizations")
    assert forbidden.status_code == 403 and "organization_read" in forbidden.json()["error_description"]
    employee = get(sb.issue_token("sam.lee@acme.com"))
    assert employee.status_code == 403 and employee.json()["error"] == "user_lacks_permissions"
    sb.advance_clock(hours=1, seconds=1)
    expired = get(token)
    assert expired.status_code == 401 and "expired" in expired.json()["error_description"]
    assert (
        get(
            sb.issue_token(), f"/v2/organizations/{'1' * 8}-0000-4000-8000-000000000000/users?email=x@y.z"
        ).status_code
        == 404
    )


def test_tokens_expire_early_under_faults(sb, oauth, org):
    sb.faults = Faults(token_lifetime_seconds=60)
    token = grant(oauth, assertion(sb)).json()
    assert token["expires_in"] == 3600
    admin = httpx.Client(
        transport=sb.transport(),
        base_url=SANDBOX_ADMIN_URL,
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert admin.get("/v2/organizations").status_code == 200
    sb.advance_clock(seconds=61)
    assert admin.get("/v2/organizations").status_code == 401
