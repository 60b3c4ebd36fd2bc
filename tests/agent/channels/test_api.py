"""The HTTP API over real loopback HTTP: answers, every refusal, and that refusals change nothing."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from agent.channels import credentials
from agent.config import dsadmin_home

SEAT = "Please give me a DocuSign Viewer seat on EMEA"


def _membership(svc, email: str, account: str):
    user = next(u for u in svc.state()["users"] if u["email"] == email)
    return user.get("memberships", {}).get(account)


def _seat_request(svc) -> str:
    r = svc.call("POST", "/api/v1/ask", "sam.lee@acme.com", json={"text": SEAT})
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "pending_approval"
    return r.json()["approval_id"]


def _approve_at_once(approval_id: str, services: list) -> list:
    """The approver presses approve once per entry of ``services`` (the instance it reaches), all at
    the same moment; exactly one press may run the request. Returns every answer."""
    tokens = {svc.base: svc.token("approver@acme.com") for svc in services}

    def press(svc):
        return svc.http.post(
            f"{svc.base}/api/v1/approvals/{approval_id}/approve",
            headers={"Authorization": f"Bearer {tokens[svc.base]}"},
            json={},
        )

    with ThreadPoolExecutor(len(services)) as pool:
        answers = list(pool.map(press, services))
    done = [r for r in answers if r.status_code == 200 and r.json()["outcome"] == "done"]
    assert len(done) == 1, [r.text for r in answers]
    return answers


def test_ask_answers_like_ask_json_and_resumes_its_session(service):
    r = service.call("POST", "/api/v1/ask", "admin@acme.com", json={"text": "Who is still pending?"})
    body = r.json()
    assert r.status_code == 200
    assert set(body) == {"outcome", "reply", "approval_id", "confirmation_token", "calls", "session_id"}
    assert body["outcome"] == "done" and body["calls"][0]["action"] == "list_users"
    again = service.call(
        "POST",
        "/api/v1/ask",
        "admin@acme.com",
        json={"text": "Who is still pending?", "session_id": body["session_id"]},
    )
    assert again.status_code == 200 and again.json()["session_id"] == body["session_id"]
    stolen = service.call(
        "POST",
        "/api/v1/ask",
        "sam.lee@acme.com",
        json={"text": "Who is still pending?", "session_id": body["session_id"]},
    )
    assert stolen.status_code == 403 and "someone else" in stolen.json()["message"]


def test_seat_request_is_approved_once_through_the_api(service):
    approval_id = _seat_request(service)
    assert _membership(service, "sam.lee@acme.com", "EMEA") is None
    inbox = service.call("GET", "/api/v1/approvals", "approver@acme.com").json()
    assert [a["id"] for a in inbox] == [approval_id]
    r = service.call(
        "POST", f"/api/v1/approvals/{approval_id}/approve", "approver@acme.com", json={"reason": "ok"}
    )
    assert r.status_code == 200 and r.json()["outcome"] == "done"
    assert _membership(service, "sam.lee@acme.com", "EMEA")["permission_profile"] == "DocuSign Viewer"
    again = service.call("POST", f"/api/v1/approvals/{approval_id}/approve", "approver@acme.com", json={})
    assert again.status_code == 409


def test_whats_waiting_answers_with_the_requests_and_the_services_own_way_to_decide(service):
    """Asked through the service, an approver is shown the request itself and pointed at the inbox
    page (or this API), never at a command line; a requester is told they are not an approver."""
    approval_id = _seat_request(service)
    before = service.state()
    r = service.call("POST", "/api/v1/ask", "approver@acme.com", json={"text": "what's waiting for me?"})
    assert r.status_code == 200 and r.json()["outcome"] == "done"
    said = r.json()["reply"]
    assert approval_id in said and "sam.lee@acme.com" in said and "DocuSign Viewer" in said
    assert "/inbox" in said and "dsadmin approvals" not in said
    mine = service.call("POST", "/api/v1/ask", "sam.lee@acme.com", json={"text": "show my approvals"}).json()
    assert mine["reply"].startswith("You are not an approver") and approval_id in mine["reply"]
    assert service.state() == before  # asking decided nothing


def test_an_approval_pressed_twice_at_once_executes_once(service):
    approval_id = _seat_request(service)
    answers = _approve_at_once(approval_id, [service] * 4)
    assert all(r.status_code in (200, 409) for r in answers)
    view = service.rt.approvals.get(approval_id)
    assert view.status == "executed"
    adds = [
        r
        for r in service.rt.sandbox.requests
        if r.method == "POST" and r.path_template.endswith("/users") and "accounts" in r.path_template
    ]
    assert len(adds) == 1


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Basic abc", "Bearer not-a-jwt", "Bearer a.b.c", "Bearer dsa_unknown"]
)
def test_bad_or_missing_credentials_get_401(service, header):
    headers = {"Authorization": header} if header else {}
    r = service.http.post(f"{service.base}/api/v1/ask", headers=headers, json={"text": SEAT})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert service.rt.approvals.list() == []


def test_expired_and_foreign_tokens_get_401(service, tmp_path):
    from tools.docusign.sandbox._oidc import IdentityProvider, sandbox_people

    idp = IdentityProvider(dsadmin_home(), sandbox_people(service.rt.sandbox))
    now = int(time.time())
    claims = {
        "iss": f"{service.base}/idp",
        "aud": "dsadmin",
        "sub": "admin@acme.com",
        "email": "admin@acme.com",
        "email_verified": True,
        "iat": now - 7200,
        "exp": now - 3600,
    }
    expired = idp._sign(claims)
    other_issuer = idp.tokens_for("http://127.0.0.1:1/idp", "admin@acme.com")["access_token"]
    other_key = IdentityProvider(tmp_path / "other", idp.people).tokens_for(
        f"{service.base}/idp", "admin@acme.com"
    )["access_token"]
    unverified = idp._sign({**claims, "exp": now + 600, "email_verified": False})
    other_audience = idp._sign({**claims, "exp": now + 600, "aud": "someone-else"})
    for token in (expired, other_issuer, other_key, unverified, other_audience):
        r = service.http.get(f"{service.base}/api/v1/approvals", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, r.text


def test_api_tokens_work_until_revoked(service):
    secret, info = credentials.create_token(service.rt.engine, "sam.lee@acme.com", "script", "admin@acme.com")
    headers = {"Authorization": f"Bearer {secret}"}
    assert service.http.get(f"{service.base}/api/v1/approvals", headers=headers).status_code == 200
    assert credentials.revoke_token(service.rt.engine, info.id)
    assert service.http.get(f"{service.base}/api/v1/approvals", headers=headers).status_code == 401


def test_wrong_role_gets_403_and_nothing_changes(service):
    approval_id = _seat_request(service)
    before = service.state()
    for email in ("sam.lee@acme.com", "jane.smith@acme.com"):
        for verb in ("approve", "deny"):
            r = service.call("POST", f"/api/v1/approvals/{approval_id}/{verb}", email, json={})
            assert r.status_code in (403, 404), r.text
    assert service.call("GET", "/api/v1/audit", "sam.lee@acme.com").status_code == 403
    assert service.state() == before
    assert service.rt.approvals.get(approval_id).status == "pending"


def test_requests_are_visible_to_requester_approvers_and_admins_only(service):
    approval_id = _seat_request(service)
    for email, sees in (
        ("sam.lee@acme.com", True),
        ("approver@acme.com", True),
        ("admin@acme.com", True),
        ("jane.smith@acme.com", False),
    ):
        listed = [a["id"] for a in service.call("GET", "/api/v1/approvals", email).json()]
        assert (approval_id in listed) is sees, email
        one = service.call("GET", f"/api/v1/approvals/{approval_id}", email)
        assert one.status_code == (200 if sees else 404), email
    assert service.call("GET", f"/api/v1/approvals/{approval_id}", "sam.lee@acme.com").json()["call"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/ask", {"txt": "x"}, "text"),
        ("/api/v1/ask", {"text": ""}, "text"),
        ("/api/v1/ask", {"text": "hi", "session_id": "x" * 65}, "session_id"),
        ("/api/v1/confirmations/abc", {"accept": "yes"}, "accept"),
        ("/api/v1/approvals/apr_x/deny", {"reason": 5}, "reason"),
    ],
)
def test_malformed_bodies_get_422_naming_the_field(service, path, body, field):
    r = service.call("POST", path, "admin@acme.com", json=body)
    assert r.status_code == 422
    assert field in {str(d["loc"][-1]) for d in r.json()["detail"]}


def test_bodies_over_the_limit_get_413(service):
    r = service.call("POST", "/api/v1/ask", "admin@acme.com", json={"text": "x" * 70_000})
    assert r.status_code == 413
    assert service.rt.audit.tail(5, kind="user_message") == []


def test_purge_needs_the_requesters_confirmation(service):
    r = service.call("POST", "/api/v1/ask", "admin@acme.com", json={"text": "Purge tom.baker@acme.com"})
    token = r.json()["confirmation_token"]
    assert r.json()["outcome"] == "needs_confirmation" and token
    other = service.call("POST", f"/api/v1/confirmations/{token}", "approver@acme.com", json={"accept": True})
    assert other.json()["outcome"] != "done"
    mine = service.call("POST", f"/api/v1/confirmations/{token}", "admin@acme.com", json={"accept": True})
    assert mine.status_code == 200 and mine.json()["outcome"] in ("done", "pending_approval")


def test_the_openapi_document_is_served(service):
    doc = service.http.get(f"{service.base}/api/v1/openapi.json").json()
    assert {"/api/v1/ask", "/api/v1/approvals", "/api/v1/audit"} <= set(doc["paths"])


def test_the_rate_limit_answers_429(tmp_path):
    from service_stack import running_service

    from agent.config import embedded_default

    config = embedded_default()
    config.auth.rate_limit_per_minute = 3
    with running_service(tmp_path, config=config) as svc:
        codes = [svc.call("GET", "/api/v1/approvals", "sam.lee@acme.com").status_code for _ in range(8)]
        other = svc.call("GET", "/api/v1/approvals", "jane.smith@acme.com").status_code
    assert codes[0] == 200 and 429 in codes  # 8 in at most two minute windows: one is over 3
    assert other == 200  # the limit is per person


def test_two_instances_on_postgresql_execute_an_approval_pressed_on_both_once(tmp_path, postgres_engine):
    from service_stack import running_service

    with (
        running_service(tmp_path, engine=postgres_engine) as one,
        running_service(tmp_path, engine=postgres_engine) as two,
    ):
        approval_id = _seat_request(one)
        assert [a["id"] for a in two.call("GET", "/api/v1/approvals", "approver@acme.com").json()] == [
            approval_id
        ]
        _approve_at_once(approval_id, [one, two, one, two])
        assert one.rt.approvals.get(approval_id).status == "executed"
        sam = next(u for u in two.state()["users"] if u["email"] == "sam.lee@acme.com")
        assert sam["memberships"]["EMEA"]["permission_profile"] == "DocuSign Viewer"
        assert one.rt.audit.verify().ok


def test_a_forged_host_header_cannot_point_token_checks_at_another_provider(service, tmp_path):
    """The embedded provider's keys are never fetched from a URL built from the request's Host."""
    from service_stack import serve_thread
    from starlette.applications import Starlette

    from tools.docusign.sandbox._oidc import IdentityProvider, routes, sandbox_people

    rogue = IdentityProvider(tmp_path / "rogue", sandbox_people(service.rt.sandbox))
    base, server, thread = serve_thread(Starlette(routes=routes(rogue)))
    try:
        forged = rogue.tokens_for(f"{base}/idp", "admin@acme.com")["access_token"]
        r = service.http.get(
            f"{service.base}/api/v1/audit",
            headers={"Authorization": f"Bearer {forged}", "Host": base.removeprefix("http://")},
        )
        assert r.status_code == 401
    finally:
        server.should_exit = True
        thread.join(timeout=15)
