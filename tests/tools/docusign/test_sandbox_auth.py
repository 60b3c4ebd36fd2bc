"""The JWT grant against the sandbox's OAuth server: good, wrong key, expired, consent, early expiry."""

from __future__ import annotations

import time

import pytest

from tools.docusign import AdminClient, JWTAuth, errors
from tools.docusign.sandbox import SANDBOX_ADMIN_URL, SANDBOX_OAUTH_URL


def jwt_auth(acme, *, pem=None, key=None, **kw) -> JWTAuth:
    integration_key, user_id, demo_pem, _ = acme.demo_integration
    return JWTAuth(
        SANDBOX_OAUTH_URL, key or integration_key, user_id, pem or demo_pem, transport=acme.transport(), **kw
    )


def token_requests(acme) -> list:
    return [r for r in acme.requests if r.path_template == "/oauth/token"]


def test_a_good_assertion_gets_a_token_for_the_impersonated_user(acme):
    auth = jwt_auth(acme)
    assert auth.access_token()
    assert auth.userinfo()["email"] == "admin@acme.com"
    assert [r.status for r in token_requests(acme)] == [200]


def test_a_key_that_is_not_the_integrations_is_refused(acme, rsa_pem):
    with pytest.raises(errors.OAuthError) as caught:
        jwt_auth(acme, pem=rsa_pem).access_token()
    assert caught.value.error == "invalid_grant" and not isinstance(caught.value, errors.ConsentRequired)
    assert "no_valid_keys_or_signatures" in caught.value.message


def test_an_expired_assertion_is_refused(acme):
    with pytest.raises(errors.OAuthError) as caught:
        jwt_auth(acme, clock=lambda: time.time() - 2 * 3600).access_token()
    assert caught.value.error == "invalid_grant" and "expired" in caught.value.message


def test_consent_required_names_the_url_to_open(acme, rsa_pem, rsa_public_pem):
    acme.register_integration("5e5e5e5e-0000-4000-8000-00000000c0de", rsa_public_pem, consented=[])
    auth = jwt_auth(acme, pem=rsa_pem, key="5e5e5e5e-0000-4000-8000-00000000c0de")
    with pytest.raises(errors.ConsentRequired) as caught:
        auth.access_token()
    url = caught.value.consent_url
    assert url.startswith(
        f"{SANDBOX_OAUTH_URL}/oauth/auth?response_type=code&scope=signature%20impersonation"
    )
    assert "client_id=5e5e5e5e-0000-4000-8000-00000000c0de" in url and "redirect_uri=" in url
    assert url in str(caught.value)

    acme.set_consent("5e5e5e5e-0000-4000-8000-00000000c0de", "admin@acme.com")  # the admin opened the URL
    assert auth.access_token()


def test_a_token_that_dies_early_is_renewed_once_and_the_request_succeeds(acme, records):
    acme.faults = {"token_lifetime_seconds": 60}
    auth = jwt_auth(acme)
    client = AdminClient(SANDBOX_ADMIN_URL, auth, transport=acme.transport(), on_request=records.append)
    client.organizations()
    acme.clock.advance(minutes=5)  # the sandbox killed the token; its expires_in still says an hour
    (org,) = client.organizations()
    assert org.name == "Acme Corp"
    assert [r.status for r in acme.requests if r.path_template.endswith("/v2/organizations")] == [
        200,
        401,
        200,
    ]
    assert len(token_requests(acme)) == 2


def test_consent_revoked_mid_session_surfaces_as_consent_required(acme):
    auth = jwt_auth(acme)
    client = AdminClient(SANDBOX_ADMIN_URL, auth, transport=acme.transport())
    client.organizations()
    acme.faults = {"consent_revoked": True}
    with pytest.raises(errors.ConsentRequired):
        client.organizations()
