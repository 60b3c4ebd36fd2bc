"""Retry policy arithmetic and the sender's retry paths, with faults placed exactly by MockTransport."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from tools.docusign import AdminClient, RetryPolicy, TokenAuth, errors
from tools.docusign.guard import permit
from tools.docusign.retry import RateLimitWindow

ORG = "0b6f2a44-0000-4000-8000-000000000001"
ACCT = "1c7e3b55-0000-4000-8000-000000000002"
USER = "2d8f4c66-0000-4000-8000-000000000003"
BASE = "https://admin.example.invalid/Management"


def users_body(*emails: str) -> dict:
    users = [{"id": USER, "email": e, "user_name": e, "membership_status": "active"} for e in emails]
    return {"users": users, "paging": {"result_set_size": len(users), "total_set_size": len(users)}}


def scripted(*responses):
    """A transport answering the given responses in order (an exception is raised instead)."""
    queue = list(responses)
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.MockTransport(handle), seen


def client_for(transport, policy, records=None, **kw) -> AdminClient:
    return AdminClient(
        BASE,
        TokenAuth("t"),
        transport=transport,
        retry=policy(**kw),
        on_request=records.append if records is not None else None,
        max_concurrency=1,
    )


# --- policy arithmetic -------------------------------------------------------------------------


def test_backoff_grows_exponentially_with_jitter_and_a_cap(policy):
    p = policy(base_delay=1.0, max_delay=8.0)
    for n, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (7, 8.0)]:
        values = [p.backoff(n) for _ in range(50)]
        assert all(ceiling / 2 <= v <= ceiling for v in values), (n, values)
        assert len(set(values)) > 1  # jittered


def test_retry_after_seconds_and_http_date(policy, clock):
    p = policy()
    assert p.server_delay({"Retry-After": "7"}, clock.now) == 7
    date = email.utils.formatdate(clock.now + 12, usegmt=True)
    assert p.server_delay({"Retry-After": date}, clock.now) == pytest.approx(12, abs=1)


def test_ratelimit_reset_epoch_or_delta(policy, clock):
    """The reset header names a whole second; the wait runs one second past it to be sure."""
    p = policy()
    soon = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(clock.now) + 30)}
    assert p.server_delay(soon, clock.now) == 31
    assert p.server_delay({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "5"}, clock.now) == 6
    # a reset time on a response that still has room is not a reason to wait
    roomy = {"X-RateLimit-Remaining": "40", "X-RateLimit-Reset": str(int(clock.now) + 30)}
    assert p.server_delay(roomy, clock.now) is None


def test_policy_refuses_nonsense_bounds():
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="base_delay"):
        RetryPolicy(base_delay=5, max_delay=1)


def test_window_waits_only_when_remaining_is_zero(clock):
    window = RateLimitWindow()
    window.observe({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": str(int(clock.now) + 60)}, clock.now)
    assert window.wait_needed(clock.now) == 0
    window.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(clock.now) + 60)}, clock.now)
    assert window.wait_needed(clock.now) == 61
    clock.advance(62)
    assert window.wait_needed(clock.now) == 0


# --- the sender's paths ------------------------------------------------------------------------


def test_429_honours_retry_after_then_succeeds(policy, clock):
    transport, seen = scripted(
        httpx.Response(429, json={"error": "too_many"}, headers={"Retry-After": "7"}),
        httpx.Response(200, json=users_body("a@x.com"), headers={"X-DocuSign-TraceToken": "tt-2"}),
    )
    records = []
    client = client_for(transport, policy, records)
    users = client.users(ORG, email="a@x.com")
    assert [u.email for u in users] == ["a@x.com"]
    assert len(seen) == 2 and len(clock.sleeps) == 1 and 7 <= clock.sleeps[0] <= 7.5
    (record,) = records
    assert (record.method, record.path_template, record.status, record.retries, record.request_id) == (
        "GET",
        "/v2/organizations/{organizationId}/users",
        200,
        1,
        "tt-2",
    )


def test_503_backs_off_exponentially_until_success(policy, clock):
    transport, seen = scripted(
        httpx.Response(503), httpx.Response(503), httpx.Response(502), httpx.Response(200, json=users_body())
    )
    records = []
    client_for(transport, policy, records, base_delay=1.0).users(ORG, account_id=ACCT)
    assert len(seen) == 4 and records[0].retries == 3
    assert all(lo <= s <= hi for s, (lo, hi) in zip(clock.sleeps, [(0.5, 1), (1, 2), (2, 4)], strict=True))


def test_attempts_are_bounded(policy, clock):
    transport, seen = scripted(*[httpx.Response(504, json={"message": "gateway"})] * 3)
    records = []
    with pytest.raises(errors.ServiceUnavailable) as caught:
        client_for(transport, policy, records, max_attempts=3).users(ORG, account_id=ACCT)
    assert (
        len(seen) == 3 and "after 3 attempt(s)" in caught.value.message and "gateway" in caught.value.message
    )
    assert records[0].status == 504 and records[0].retries == 2


def test_total_time_is_bounded(policy, clock):
    transport, seen = scripted(
        httpx.Response(429, headers={"Retry-After": "20"}),
        httpx.Response(429, headers={"Retry-After": "20"}),
        httpx.Response(429, headers={"Retry-After": "20"}),
    )
    with pytest.raises(errors.RateLimited) as caught:
        client_for(transport, policy, max_total=45).users(ORG, account_id=ACCT)
    assert len(seen) == 3 and "retry budget" in caught.value.message  # 20 + 20 fit in 45, a third 20 does not
    assert caught.value.retry_after == 20 and sum(clock.sleeps) <= 45


def test_connection_errors_are_retried(policy, clock):
    transport, seen = scripted(
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(200, json=users_body("a@x.com")),
    )
    assert len(client_for(transport, policy).users(ORG, email="a@x.com")) == 1
    assert len(seen) == 3


def test_unreachable_host_becomes_service_unavailable(policy):
    transport, _ = scripted(*[httpx.ConnectError("refused")] * 5)
    records = []
    with pytest.raises(errors.ServiceUnavailable, match=r"could not reach admin\.example\.invalid"):
        client_for(transport, policy, records).organizations()
    assert records[0].status is None and records[0].retries == 4


def test_remaining_zero_waits_for_the_reset_before_the_next_request(policy, clock):
    reset = int(clock.now) + 30
    stamps = []

    def handle(request):
        stamps.append(clock.now)
        remaining = "0" if len(stamps) == 1 else "99"
        return httpx.Response(
            200,
            json={"organizations": []},
            headers={"X-RateLimit-Remaining": remaining, "X-RateLimit-Reset": str(reset)},
        )

    client = client_for(httpx.MockTransport(handle), policy)
    client.organizations()
    client.organizations()
    client.organizations()
    assert stamps[1] >= reset and stamps[2] == stamps[1]  # waited once, before the 2nd request only
    assert clock.sleeps == [31]


def test_a_reset_too_far_away_is_refused_rather_than_waited(policy, clock):
    def handle(request):
        return httpx.Response(
            200,
            json={"organizations": []},
            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(clock.now) + 3600)},
        )

    client = client_for(httpx.MockTransport(handle), policy, max_rate_limit_wait=60)
    client.organizations()
    with pytest.raises(errors.RateLimited) as caught:
        client.organizations()
    assert caught.value.retry_after == 3601 and clock.sleeps == []


def test_client_errors_are_not_retried_and_keep_docusigns_message(policy):
    transport, seen = scripted(
        httpx.Response(
            400,
            json={"error": "invalid_request", "error_description": "take must be <= 100"},
            headers={"X-DocuSign-TraceToken": "tt-400"},
        )
    )
    with pytest.raises(errors.BadRequest) as caught:
        client_for(transport, policy).users(ORG, account_id=ACCT)
    assert len(seen) == 1
    assert (caught.value.status, caught.value.error_code, caught.value.trace_token) == (
        400,
        "invalid_request",
        "tt-400",
    )
    assert "take must be <= 100" in str(caught.value)


@pytest.mark.parametrize(
    "status, kind", [(401, errors.AuthError), (403, errors.Forbidden), (404, errors.NotFound)]
)
def test_statuses_map_to_typed_errors(policy, status, kind):
    transport, _ = scripted(
        httpx.Response(status, json={"errorCode": "X", "message": "why"}),
        httpx.Response(status, json={"errorCode": "X", "message": "why"}),
    )
    with pytest.raises(kind, match="why"):
        client_for(transport, policy).organizations()


# --- writes: never resent after DocuSign may have acted ----------------------------------------------


NEW_USER = {"email": "new@x.com", "first_name": "New", "last_name": "User", "accounts": [{"id": ACCT}]}


@pytest.mark.parametrize(
    "lost",
    [httpx.Response(503), httpx.Response(500), httpx.Response(504), httpx.ReadTimeout("slow"),
     httpx.RemoteProtocolError("peer closed connection"), httpx.WriteTimeout("stalled")],
    ids=["503", "500", "504", "read-timeout", "reset", "write-timeout"],
)
def test_a_write_whose_answer_is_lost_is_not_resent_and_says_so(policy, clock, lost):
    """The outcome is unknown: no resend (it could apply twice), no "refused" (it may have been applied)."""
    transport, seen = scripted(lost, httpx.Response(200, json={"id": USER, "email": "new@x.com"}))
    records = []
    with permit("test"), pytest.raises(errors.OutcomeUnknown) as caught:
        client_for(transport, policy, records).create_user(ORG, NEW_USER)
    assert [r.method for r in seen] == ["POST"] and clock.sleeps == []
    assert "may or may not have been applied" in caught.value.message
    assert "read the state back" in caught.value.message
    assert isinstance(caught.value, errors.ServiceUnavailable)  # callers handling 'unreachable' still work
    assert records[0].retries == 0


@pytest.mark.parametrize(
    "unsent",
    [httpx.Response(429, headers={"Retry-After": "1"}), httpx.ConnectError("refused"),
     httpx.ConnectTimeout("no route")],
    ids=["429", "connect-refused", "connect-timeout"],
)
def test_a_write_docusign_never_processed_is_resent(policy, unsent):
    transport, seen = scripted(unsent, httpx.Response(200, json={"id": USER, "email": "new@x.com"}))
    with permit("test"):
        created = client_for(transport, policy).create_user(ORG, NEW_USER)
    assert [r.method for r in seen] == ["POST", "POST"] and created.id == USER


def test_a_write_refused_with_a_4xx_is_not_resent_and_keeps_docusigns_words(policy):
    refusal = {"error": "invalid_email", "error_description": "bad"}
    transport, seen = scripted(httpx.Response(400, json=refusal))
    with permit("test"), pytest.raises(errors.BadRequest, match="bad"):
        client_for(transport, policy).create_user(ORG, NEW_USER)
    assert len(seen) == 1


def test_reads_are_retried_on_500_with_the_same_backoff(policy, clock):
    transport, seen = scripted(
        httpx.Response(500), httpx.Response(500), httpx.Response(200, json=users_body("a@x.com"))
    )
    records = []
    users = client_for(transport, policy, records, base_delay=1.0).users(ORG, email="a@x.com")
    assert [u.email for u in users] == ["a@x.com"] and len(seen) == 3 and records[0].retries == 2
    assert all(lo <= s <= hi for s, (lo, hi) in zip(clock.sleeps, [(0.5, 1), (1, 2)], strict=True))


def test_a_read_that_keeps_failing_with_500_gives_up_typed(policy):
    transport, seen = scripted(*[httpx.Response(500, json={"message": "boom"})] * 3)
    with pytest.raises(errors.ServiceUnavailable, match="after 3 attempt"):
        client_for(transport, policy, max_attempts=3).users(ORG, email="a@x.com")
    assert len(seen) == 3


def test_writes_outside_a_permit_send_nothing(policy):
    transport, seen = scripted()
    from tools.docusign import GateBypassError

    with pytest.raises(GateBypassError, match="create_user"):
        client_for(transport, policy).create_user(ORG, NEW_USER)
    assert seen == []


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH"])
def test_a_raw_write_through_the_client_internals_is_refused_without_a_permit(policy, method):
    """The permit is checked where every request passes (the sender), not only in the write methods."""
    from tools.docusign import GateBypassError
    from tools.docusign.client import USERS

    transport, seen = scripted(httpx.Response(200, json={}))
    client = client_for(transport, policy)
    with pytest.raises(GateBypassError, match=f"{method} /v2/organizations"):
        client._sender.send(method, USERS, {"organizationId": ORG}, json=NEW_USER)
    assert seen == []
    with permit("test"):  # the same request inside a permit goes out
        client._sender.send(method, USERS, {"organizationId": ORG}, json=NEW_USER)
    assert len(seen) == 1
