"""The pages over plain HTTP: the sign-in flow (PKCE, state, nonce), session cookies, CSRF, expiry,
read scoping of the inbox and the audit view."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import update

from agent.channels.web.auth import SESSION_COOKIE
from audit.service_tables import WebSession


def authorize_redirect(svc, client: httpx.Client, page: str = "/chat") -> str:
    """Follow the service to the identity provider; returns the provider's authorize URL."""
    r = client.get(f"{svc.base}{page}")
    assert r.status_code == 303 and r.headers["location"].startswith("/auth/login")
    r = client.get(f"{svc.base}{r.headers['location']}")
    assert r.status_code == 303
    return r.headers["location"]


def sign_in(svc, email: str) -> httpx.Client:
    client = httpx.Client(timeout=60)
    url = authorize_redirect(svc, client)
    params = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert params["code_challenge_method"] == "S256" and params["nonce"] and params["state"]
    r = client.post(f"{svc.base}/idp/authorize", data={**params, "email": email})
    assert r.status_code == 303
    r = client.get(r.headers["location"])
    assert r.status_code == 303 and r.headers["location"] == "/chat"
    return client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_sign_in_sets_an_httponly_samesite_session(service):
    client = sign_in(service, "sam.lee@acme.com")
    cookie = next(c for c in client.cookies.jar if c.name == SESSION_COOKIE)
    assert (
        cookie.has_nonstandard_attr("HttpOnly") and cookie.get_nonstandard_attr("SameSite").lower() == "lax"
    )
    assert not cookie.secure  # plain http on loopback; under https it is Secure (below)
    page = client.get(f"{service.base}/chat")
    assert page.status_code == 200 and "sam.lee@acme.com (employee)" in page.text


def test_a_configured_provider_signs_in_and_the_cookie_is_secure_under_https(tmp_path, service):
    """auth.oidc pointing at another provider (here: the first service's /idp), public_url https."""
    from service_stack import running_service

    from agent.channel_settings import OIDCSettings
    from agent.config import embedded_default

    config = embedded_default()
    config.auth.oidc = OIDCSettings(issuer=f"{service.base}/idp", client_id="dsadmin")
    config.auth.public_url = "https://dsadmin.example"
    with running_service(tmp_path, config=config) as svc:
        assert svc.http.get(f"{svc.base}/idp/jwks").status_code == 404  # no embedded provider here
        client = httpx.Client(timeout=60)
        url = authorize_redirect(svc, client)
        assert url.startswith(f"{service.base}/idp/authorize")
        params = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        assert params["redirect_uri"] == "https://dsadmin.example/auth/callback"
        r = client.post(f"{service.base}/idp/authorize", data={**params, "email": "approver@acme.com"})
        callback = r.headers["location"].replace("https://dsadmin.example", svc.base)
        r = client.get(callback)
        assert r.status_code == 303
        cookie = next(c for c in client.cookies.jar if c.name == SESSION_COOKIE)
        assert cookie.secure and cookie.has_nonstandard_attr("HttpOnly")
        api = svc.http.get(
            f"{svc.base}/api/v1/approvals",
            headers={"Authorization": f"Bearer {service.token('approver@acme.com')}"},
        )
        assert api.status_code == 200


def test_a_replayed_or_forged_sign_in_is_refused(service):
    client = httpx.Client(timeout=60)
    url = authorize_redirect(service, client)
    params = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    r = client.post(f"{service.base}/idp/authorize", data={**params, "email": "sam.lee@acme.com"})
    callback = r.headers["location"]
    assert client.get(callback).status_code == 303
    assert client.get(callback).status_code == 400  # the state was used
    forged = callback.replace(params["state"], "made-up")
    assert client.get(forged).status_code == 400
    stranger = client.post(f"{service.base}/idp/authorize", data={**params, "email": "mallory@evil.example"})
    assert stranger.status_code == 400


def test_forms_without_the_csrf_token_change_nothing(service):
    client = sign_in(service, "sam.lee@acme.com")
    r = client.post(
        f"{service.base}/chat",
        data={"text": "Please give me a DocuSign Viewer seat on EMEA", "csrf": "forged"},
    )
    assert r.status_code == 403
    assert service.rt.approvals.list() == []
    token = csrf_of(client.get(f"{service.base}/chat").text)
    r = client.post(
        f"{service.base}/chat", data={"text": "Please give me a DocuSign Viewer seat on EMEA", "csrf": token}
    )
    assert r.status_code == 200 and 'data-outcome="pending_approval"' in r.text


def test_an_expired_session_must_sign_in_again(service):
    client = sign_in(service, "sam.lee@acme.com")
    with service.rt.engine.begin() as conn:
        conn.execute(update(WebSession.__table__).values(expires_at=WebSession.__table__.c.created_at))
    r = client.get(f"{service.base}/chat")
    assert r.status_code == 303 and r.headers["location"].startswith("/auth/login")


def test_inbox_decisions_are_scoped_and_need_the_approver_role(service):
    employee = sign_in(service, "sam.lee@acme.com")
    token = csrf_of(employee.get(f"{service.base}/chat").text)
    employee.post(
        f"{service.base}/chat", data={"text": "Please give me a DocuSign Viewer seat on EMEA", "csrf": token}
    )
    [waiting] = service.rt.approvals.list("pending")
    assert waiting.id not in employee.get(f"{service.base}/inbox").text
    r = employee.post(f"{service.base}/inbox/{waiting.id}/approve", data={"csrf": token})
    assert r.status_code == 403 and service.rt.approvals.get(waiting.id).status == "pending"
    other = sign_in(service, "jane.smith@acme.com")
    r = other.post(
        f"{service.base}/inbox/{waiting.id}/approve",
        data={"csrf": csrf_of(other.get(f"{service.base}/chat").text)},
    )
    assert r.status_code == 404 and service.rt.approvals.get(waiting.id).status == "pending"
    approver = sign_in(service, "approver@acme.com")
    page = approver.get(f"{service.base}/inbox").text
    assert waiting.id in page and "sam.lee@acme.com" in page
    row = page.split('class="preview"', 1)[1].split("</table>", 1)[0]  # the previewed rows, as a table
    assert "EMEA" in row and "permission profile" in row and "DocuSign Viewer" in row
    r = approver.post(f"{service.base}/inbox/{waiting.id}/deny", data={"csrf": csrf_of(page), "reason": "no"})
    assert r.status_code == 200 and 'data-outcome="done"' in r.text
    assert service.rt.approvals.get(waiting.id).status == "denied"


@pytest.mark.parametrize(("email", "status"), [("sam.lee@acme.com", 403), ("admin@acme.com", 200)])
def test_the_audit_view_is_for_admins(service, email, status):
    client = sign_in(service, email)
    r = client.get(f"{service.base}/audit", params={"kind": "session_started"})
    assert r.status_code == status
    if status == 200:
        assert 'data-ok="yes"' in r.text


def test_reading_the_chat_page_writes_nothing_and_shows_only_ones_own_session(service):
    client = sign_in(service, "sam.lee@acme.com")
    token = csrf_of(client.get(f"{service.base}/chat").text)
    page = client.post(
        f"{service.base}/chat", data={"text": "Please give me a DocuSign Viewer seat on EMEA", "csrf": token}
    ).text
    session_id = re.search(r'name="session_id" value="([^"]+)"', page).group(1)
    assert (
        "You: Please give me a DocuSign Viewer seat on EMEA"
        in client.get(f"{service.base}/chat", params={"session": session_id}).text
    )
    before = len(service.rt.audit.tail(1000))
    other = sign_in(service, "jane.smith@acme.com")
    assert (
        "DocuSign Viewer seat" not in other.get(f"{service.base}/chat", params={"session": session_id}).text
    )
    other.get(f"{service.base}/chat", params={"session": "made-up-session"})
    assert len(service.rt.audit.tail(1000)) == before


def test_the_chat_page_shows_a_reply_once(service):
    client = sign_in(service, "admin@acme.com")
    token = csrf_of(client.get(f"{service.base}/chat").text)
    page = client.post(f"{service.base}/chat", data={"text": "Purge tom.baker@acme.com", "csrf": token}).text
    assert 'id="confirm-form"' in page
    assert page.count("This will purge tom.baker@acme.com") == 1  # not once in the transcript and again
    assert page.count("You: Purge tom.baker@acme.com") == 1
