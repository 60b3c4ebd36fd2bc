"""The sandbox's OpenID Connect provider: discovery, PKCE, single-use codes, the device grant."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tools.docusign.sandbox._oidc import DEVICE_GRANT, IdentityProvider, routes, s256

ISSUER = "http://testserver/idp"
VERIFIER = "v" * 50


@pytest.fixture
def client(tmp_path):
    idp = IdentityProvider(tmp_path, lambda: [("sam.lee@acme.com", "Sam Lee")])
    return TestClient(Starlette(routes=routes(idp)), base_url="http://testserver", follow_redirects=False)


def _code(client) -> str:
    params = {
        "response_type": "code",
        "client_id": "dsadmin",
        "redirect_uri": "http://127.0.0.1/cb",
        "scope": "openid email",
        "state": "s",
        "nonce": "n",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
    }
    page = client.get("/idp/authorize", params=params)
    assert page.status_code == 200 and 'id="signin-sam.lee@acme.com"' in page.text
    r = client.post("/idp/authorize", data={**params, "email": "sam.lee@acme.com"})
    assert r.status_code == 303
    return parse_qs(urlparse(r.headers["location"]).query)["code"][0]


def test_discovery_names_the_issuer_it_is_served_at(client):
    doc = client.get("/idp/.well-known/openid-configuration").json()
    assert doc["issuer"] == ISSUER and doc["code_challenge_methods_supported"] == ["S256"]
    assert client.get("/idp/jwks").json()["keys"][0]["kty"] == "RSA"


def test_a_code_needs_its_verifier_and_redirect_and_is_used_once(client):
    code = _code(client)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": "dsadmin",
        "redirect_uri": "http://127.0.0.1/cb",
    }
    assert client.post("/idp/token", data={**form, "code_verifier": "w" * 50}).status_code == 400
    other_redirect = {**form, "code_verifier": VERIFIER, "redirect_uri": "http://127.0.0.1/other"}
    assert client.post("/idp/token", data=other_redirect).status_code == 400
    ok = client.post("/idp/token", data={**form, "code_verifier": VERIFIER})
    assert ok.status_code == 200 and ok.json()["id_token"] and ok.json()["token_type"] == "Bearer"
    again = client.post("/idp/token", data={**form, "code_verifier": VERIFIER})
    assert again.status_code == 400 and "already used" in again.json()["error_description"]


def test_authorize_without_pkce_or_for_a_stranger_is_refused(client):
    params = {
        "response_type": "code",
        "client_id": "dsadmin",
        "redirect_uri": "http://127.0.0.1/cb",
        "scope": "openid",
    }
    assert client.get("/idp/authorize", params=params).status_code == 400
    full = {**params, "code_challenge": s256(VERIFIER), "code_challenge_method": "S256"}
    assert client.post("/idp/authorize", data={**full, "email": "mallory@evil.example"}).status_code == 400


def test_the_device_grant_waits_then_answers_once(client):
    grant = client.post("/idp/device_authorization", data={"client_id": "dsadmin"}).json()
    poll = {"grant_type": DEVICE_GRANT, "device_code": grant["device_code"], "client_id": "dsadmin"}
    assert client.post("/idp/token", data=poll).json()["error"] == "authorization_pending"
    assert (
        "sam.lee@acme.com"
        in client.get(grant["verification_uri_complete"].removeprefix("http://testserver")).text
    )
    answered = client.post("/idp/device", data={"user_code": grant["user_code"], "email": "sam.lee@acme.com"})
    assert answered.status_code == 200
    assert client.post("/idp/token", data=poll).json()["access_token"]
    assert client.post("/idp/token", data=poll).json()["error"] == "invalid_grant"
