"""The JWT grant: the assertion DocuSign expects, the exchange, caching, renewal and typed refusals."""

from __future__ import annotations

import urllib.parse

import httpx
import jwt
import pytest

from tools.docusign import SCOPES, JWTAuth, errors

IK = "7d1b8f7e-1111-4222-8333-444455556666"
UID = "9a8b7c6d-1111-4222-8333-444455556666"
OAUTH_URL = "https://account-d.docusign.com"


def token_server(clock, *, lifetime=3600, refuse=None):
    """A minimal OAuth host: checks the grant, issues numbered tokens, or refuses with `refuse`."""
    issued = []

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/oauth/token"
        form = urllib.parse.parse_qs(request.content.decode())
        assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
        if refuse:
            return httpx.Response(400, json=refuse, headers={"X-DocuSign-TraceToken": "trace-oauth"})
        issued.append(form["assertion"][0])
        return httpx.Response(
            200, json={"access_token": f"tok-{len(issued)}", "token_type": "Bearer", "expires_in": lifetime}
        )

    return handle, issued


@pytest.fixture
def make_auth(clock, policy):
    def make(pem, handler, **kw) -> JWTAuth:
        return JWTAuth(
            OAUTH_URL,
            IK,
            UID,
            pem,
            transport=httpx.MockTransport(handler),
            clock=clock.time,
            retry=policy(),
            **kw,
        )

    return make


def _refused_once(auth: JWTAuth) -> list[str]:
    """One request to an API that answers 401 the first time; the Authorization headers it saw."""
    seen: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(401 if len(seen) == 1 else 200, json={})

    with httpx.Client(transport=httpx.MockTransport(api), auth=auth) as http:
        assert http.get("https://api/x").status_code == 200
    return seen


def test_assertion_carries_the_claims_docusign_checks(rsa_pem, rsa_public_pem, clock, make_auth):
    auth = make_auth(rsa_pem, lambda r: httpx.Response(500))
    token = auth.assertion()
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(
        token,
        rsa_public_pem,
        algorithms=["RS256"],
        audience="account-d.docusign.com",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["iss"] == IK and claims["sub"] == UID and claims["aud"] == "account-d.docusign.com"
    assert claims["iat"] == int(clock.now)
    assert 0 < claims["exp"] - claims["iat"] <= 3600
    assert claims["scope"].split() == list(SCOPES)
    assert "user_data_redact" in claims["scope"] and "impersonation" in claims["scope"]


def test_assertion_signed_by_another_key_does_not_verify(rsa_pem, clock, make_auth):
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    auth = make_auth(rsa_pem, lambda r: httpx.Response(500))
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(auth.assertion(), other.public_key(), algorithms=["RS256"], audience=auth.audience)


def test_lifetime_over_an_hour_is_refused(rsa_pem, clock, make_auth):
    with pytest.raises(ValueError, match="3600"):
        make_auth(rsa_pem, lambda r: httpx.Response(500), lifetime=3601)


def test_token_is_cached_and_renewed_before_expiry(rsa_pem, clock, make_auth):
    handler, issued = token_server(clock, lifetime=3600)
    auth = make_auth(rsa_pem, handler)
    assert auth.access_token() == "tok-1"
    clock.advance(3000)  # 10 minutes left: outside the 5-minute renewal margin, keep the token
    assert auth.access_token() == "tok-1"
    clock.advance(400)  # 200 s before expiry: renew now, not when a request fails
    assert auth.access_token() == "tok-2"
    assert len(issued) == 2
    # the second assertion was signed at the new time
    assert jwt.decode(issued[1], options={"verify_signature": False})["iat"] == int(clock.now)


def test_a_401_renews_the_token_once_and_resends(rsa_pem, clock, make_auth):
    handler, _issued = token_server(clock)
    auth = make_auth(rsa_pem, handler)
    assert _refused_once(auth) == ["Bearer tok-1", "Bearer tok-2"]


def test_a_second_401_is_returned_not_looped(rsa_pem, clock, make_auth):
    handler, issued = token_server(clock)
    auth = make_auth(rsa_pem, handler)
    calls = []

    def api(request):
        calls.append(1)
        return httpx.Response(401, json={"error": "invalid_token"})

    with httpx.Client(transport=httpx.MockTransport(api), auth=auth) as http:
        assert http.get("https://api/x").status_code == 401
    assert len(calls) == 2 and len(issued) == 2


def test_consent_required_carries_the_exact_consent_url(rsa_pem, clock, make_auth):
    handler, _ = token_server(clock, refuse={"error": "consent_required"})
    auth = make_auth(rsa_pem, handler)
    with pytest.raises(errors.ConsentRequired) as caught:
        auth.access_token()
    url = caught.value.consent_url
    assert url == (
        "https://account-d.docusign.com/oauth/auth?response_type=code"
        "&scope=signature%20impersonation%20organization_read%20group_read%20permission_read%20user_read"
        "%20user_write%20account_read%20domain_read%20identity_provider_read%20user_data_redact"
        f"&client_id={IK}&redirect_uri=https%3A%2F%2Fdevelopers.docusign.com%2Fplatform%2Fauth%2Fconsent"
    )
    assert caught.value.error == "consent_required" and url in str(caught.value)
    assert caught.value.trace_token == "trace-oauth"


def test_other_oauth_errors_keep_docusigns_words(rsa_pem, clock, make_auth):
    handler, _ = token_server(
        clock, refuse={"error": "invalid_grant", "error_description": "no_valid_keys_or_signatures"}
    )
    auth = make_auth(rsa_pem, handler)
    with pytest.raises(errors.OAuthError) as caught:
        auth.access_token()
    assert not isinstance(caught.value, errors.ConsentRequired)
    assert (caught.value.error, caught.value.error_description) == (
        "invalid_grant",
        "no_valid_keys_or_signatures",
    )
    assert caught.value.status == 400


def test_a_token_response_without_a_token_is_refused(rsa_pem, clock, make_auth):
    auth = make_auth(rsa_pem, lambda r: httpx.Response(200, json={"hello": "world"}))
    with pytest.raises(errors.OAuthError, match="access_token"):
        auth.access_token()


def test_oauth_host_outage_is_retried_then_typed(rsa_pem, clock, make_auth):
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(503, json={"error": "temporarily_unavailable"})

    auth = make_auth(rsa_pem, handler)
    with pytest.raises(errors.OAuthError) as caught:
        auth.access_token()
    assert caught.value.status == 503 and len(calls) == 5 and len(clock.sleeps) == 4


@pytest.mark.parametrize(
    "pem, fix",
    [
        ("MIIEpAIBAAKCAQEA-not-a-key", "BEGIN/END"),
        ("-----BEGIN RSA PRIVATE KEY-----\ngarbage\n-----END RSA PRIVATE KEY-----\n", "BEGIN/END"),
    ],
)
def test_unreadable_private_key_is_named_at_construction(pem, fix, clock, make_auth):
    with pytest.raises(errors.AuthError) as caught:
        make_auth(pem, lambda r: httpx.Response(500))
    assert caught.value.error_code == "invalid_private_key" and fix in caught.value.message


def test_a_shared_cache_lets_a_second_process_reuse_the_token(rsa_pem, clock, make_auth, tmp_path):
    from tools.docusign.auth import TokenCache

    handler, issued = token_server(clock, lifetime=3600)
    first = make_auth(rsa_pem, handler, cache=TokenCache(tmp_path / "tokens"))
    assert first.access_token() == "tok-1"
    second = make_auth(rsa_pem, handler, cache=TokenCache(tmp_path / "tokens"))  # another process
    assert second.access_token() == "tok-1" and len(issued) == 1
    files = list((tmp_path / "tokens").iterdir())
    assert len(files) == 1 and files[0].stat().st_mode & 0o077 == 0  # the owner's alone
    clock.advance(3400)  # within the renewal margin: the shared token is not used any more
    third = make_auth(rsa_pem, handler, cache=TokenCache(tmp_path / "tokens"))
    assert third.access_token() == "tok-2" and len(issued) == 2
    assert make_auth(rsa_pem, handler, cache=TokenCache(tmp_path / "tokens")).access_token() == "tok-2"


def test_a_refused_shared_token_is_replaced_for_every_process(rsa_pem, clock, make_auth, tmp_path):
    from tools.docusign.auth import TokenCache

    handler, issued = token_server(clock)
    make_auth(rsa_pem, handler, cache=TokenCache(tmp_path)).access_token()
    auth = make_auth(rsa_pem, handler, cache=TokenCache(tmp_path))
    assert _refused_once(auth) == ["Bearer tok-1", "Bearer tok-2"]
    assert make_auth(rsa_pem, handler, cache=TokenCache(tmp_path)).access_token() == "tok-2"
    assert len(issued) == 2


def test_an_unreadable_cache_file_costs_one_exchange_not_an_error(rsa_pem, clock, make_auth, tmp_path):
    from tools.docusign.auth import TokenCache

    handler, _issued = token_server(clock)
    auth = make_auth(rsa_pem, handler, cache=TokenCache(tmp_path))
    auth.access_token()
    for f in tmp_path.iterdir():
        f.write_text("{not json")
    assert make_auth(rsa_pem, handler, cache=TokenCache(tmp_path)).access_token() == "tok-2"
