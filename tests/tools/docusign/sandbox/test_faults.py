"""Fault injection: rate limits with headers, 5xx bursts, latency; deterministic under a seed."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tools.docusign.sandbox import SANDBOX_ADMIN_URL, Faults, Sandbox


def _client(sb):
    return httpx.Client(
        transport=sb.transport(),
        base_url=SANDBOX_ADMIN_URL,
        headers={"Authorization": f"Bearer {sb.issue_token()}"},
    )


def test_rate_limit_answers_429_with_headers_on_every_response(sb):
    sb.faults = Faults(rate_limit=3, rate_window_seconds=30)
    api = _client(sb)
    responses = [api.get("/v2/organizations") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0", "0"]
    assert all(r.headers["X-RateLimit-Limit"] == "3" for r in responses)
    reset = int(responses[-1].headers["X-RateLimit-Reset"])
    assert 0 < reset - sb.clock.timestamp() <= 31  # whole seconds, rounded up
    assert responses[-1].json()["error"] == "too_many_requests"
    sb.advance_clock(seconds=31)
    assert api.get("/v2/organizations").status_code == 200


def test_default_headers_even_without_faults(sb, api):
    response = api.get("/v2/organizations")
    assert int(response.headers["X-RateLimit-Limit"]) > 0
    assert int(response.headers["X-RateLimit-Remaining"]) < int(response.headers["X-RateLimit-Limit"])
    assert (
        response.headers["X-DocuSign-TraceToken"]
        != api.get("/v2/organizations").headers["X-DocuSign-TraceToken"]
    )


def test_503_bursts_are_deterministic_under_a_seed():
    def statuses(seed):
        sb = Sandbox.from_fixture("acme", seed=seed, faults={"error_rate": 0.2, "burst_length": 2})
        api = _client(sb)
        return [api.get("/v2/organizations").status_code for _ in range(40)]

    first = statuses(3)
    assert first == statuses(3)
    assert {500, 503} & set(first) and 200 in first
    errors = [i for i, s in enumerate(first) if s != 200]
    assert any(i + 1 in errors for i in errors)  # bursts, not single blips
    assert first != statuses(4)


def test_forced_503_then_recovery_and_state_untouched(sb, api, org):
    sb.fail_next(1, 503)
    before = sb.dump()
    failed = api.post(
        f"{org}/users",
        json={
            "email": "maya.chen@acme.com",
            "user_name": "Maya Chen",
            "accounts": [{"id": sb.account_id("EMEA")}],
        },
    )
    assert failed.status_code == 503 and failed.json()["error"] == "service_unavailable"
    assert sb.dump() == before
    assert api.get("/v2/organizations").status_code == 200


def test_expire_token_every_nth_request(sb):
    sb.faults = Faults(expire_token_every=3)
    api = _client(sb)
    statuses = [api.get("/v2/organizations").status_code for _ in range(4)]
    assert statuses == [200, 200, 401, 401]


def test_latency_is_slept_outside_the_lock_so_threads_overlap(monkeypatch):
    """Four requests must be asleep at the same moment: a barrier of four inside sleep proves it."""
    import threading

    from tools.docusign.sandbox import _core

    barrier = threading.Barrier(4, timeout=5)
    slept: list[float] = []

    def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        barrier.wait()  # raises BrokenBarrierError if the sleepers were serialized by a lock

    monkeypatch.setattr(_core.time, "sleep", fake_sleep)
    sb = Sandbox.from_fixture("acme", faults=Faults(latency_ms=40))
    api = _client(sb)
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: api.get("/v2/organizations").status_code, range(4)))
    assert statuses == [200] * 4
    assert slept == [0.04] * 4
    assert len(sb.requests) == 4


def test_real_latency_is_added(sb):
    sb.faults = Faults(latency_ms=30)
    api = _client(sb)
    started = time.perf_counter()
    api.get("/v2/organizations")
    assert time.perf_counter() - started >= 0.03


def test_bad_fault_settings_are_named():
    with pytest.raises(ValueError, match="unknown setting"):
        Faults.from_dict({"rate_limt": 3})
    with pytest.raises(ValueError, match="error_rate"):
        Faults(error_rate=2)


def test_lost_response_applies_the_write_but_answers_503(sb, api, org):
    sb.fail_next(1, after_write=True)
    body = {
        "email": "maya.chen@acme.com",
        "user_name": "Maya Chen",
        "accounts": [{"id": sb.account_id("EMEA")}],
    }
    lost = api.post(f"{org}/users", json=body)
    assert lost.status_code == 503
    assert any(u["email"] == "maya.chen@acme.com" for u in sb.dump()["users"])
    assert api.post(f"{org}/users", json=body).json()["error"] == "user_already_exists"
    assert api.get("/v2/organizations").status_code == 200  # reads are never "lost"
