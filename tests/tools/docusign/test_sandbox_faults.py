"""Retries and pacing against the sandbox's injected faults (429 with headers, 503 bursts)."""

from __future__ import annotations

import httpx
import pytest

from tools.docusign import errors
from tools.docusign.guard import permit
from tools.docusign.sandbox import SANDBOX_ADMIN_URL

ORGS = "/Management/v2/organizations"


def served(acme, suffix="/v2/organizations"):
    return [r.status for r in acme.requests if r.path_template.endswith(suffix)]


def test_503_burst_is_retried_with_backoff(admin, acme, records, waits):
    admin.organizations()  # token and first call
    acme.fail_next(2, 503)
    (org,) = admin.organizations()
    assert org.name == "Acme Corp"
    assert served(acme) == [200, 503, 503, 200]
    assert records[-1].retries == 2 and records[-1].status == 200
    assert len(waits) == 2 and 0.25 <= waits[0] <= 0.5 and 0.5 <= waits[1] <= 1.0


def test_a_503_burst_longer_than_the_budget_is_a_typed_error(admin, acme, records):
    admin.organizations()
    acme.fail_next(9, 503)
    with pytest.raises(errors.ServiceUnavailable) as caught:
        admin.organizations()
    assert caught.value.status == 503 and "after 5 attempt(s)" in caught.value.message
    assert caught.value.trace_token and records[-1].retries == 4


def test_429_waits_for_the_reset_in_the_headers(admin, acme, records, waits):
    acme.faults = {"rate_limit": 3, "rate_window_seconds": 60}
    admin.organizations()  # remaining 2
    token = acme.issue_token()
    with httpx.Client(transport=acme.transport(), base_url=SANDBOX_ADMIN_URL) as other:  # another consumer
        for _ in range(2):
            other.get("/v2/organizations", headers={"Authorization": f"Bearer {token}"})
    before = acme.clock.timestamp()
    (org,) = admin.organizations()
    statuses = served(acme)
    assert statuses[-2:] == [429, 200] and org.name == "Acme Corp"
    assert records[-1].retries == 1
    # the wait was what X-RateLimit-Reset asked for (the window is 60 s from the first request)
    assert len(waits) == 1 and acme.clock.timestamp() - before >= waits[0] >= 59


def test_remaining_zero_waits_for_the_reset_instead_of_spending_a_429(admin, acme, waits):
    acme.faults = {"rate_limit": 3, "rate_window_seconds": 60}
    for _ in range(7):
        admin.organizations()
    assert 429 not in served(acme)
    assert served(acme) == [200] * 7
    assert len(waits) == 2 and all(55 <= w <= 62 for w in waits)  # once a window (+1 s margin)


NEW_USER = {"email": "maya.chen@acme.com", "first_name": "Maya", "last_name": "Chen"}


def test_a_create_hit_by_a_503_is_not_resent(admin, acme, state_of):
    """The sender cannot know whether DocuSign acted: one POST, and the caller is told to read back."""
    org, emea = acme.organization_id, acme.account_id("EMEA")
    admin.organizations()
    acme.fail_next(1, 503)
    with permit("test"), pytest.raises(errors.OutcomeUnknown):
        admin.create_user(org, {**NEW_USER, "accounts": [{"id": emea}]})
    posts = [r.status for r in acme.requests if r.method == "POST" and r.path_template.endswith("/users")]
    assert posts == [503] and state_of("maya.chen@acme.com") is None  # refused before it was applied


def test_a_create_whose_answer_is_lost_is_applied_once(admin, acme, state_of):
    org, emea = acme.organization_id, acme.account_id("EMEA")
    admin.organizations()
    acme.fail_next(1, after_write=True)
    with permit("test"), pytest.raises(errors.OutcomeUnknown):
        admin.create_user(org, {**NEW_USER, "accounts": [{"id": emea}]})
    posts = [r.status for r in acme.requests if r.method == "POST" and r.path_template.endswith("/users")]
    assert posts == [503] and state_of("maya.chen@acme.com") is not None


def test_paging_under_a_rate_limit_still_reads_every_user(admin, acme, waits):
    acme.faults = {"rate_limit": 4, "rate_window_seconds": 30}
    admin.page_size = 5
    users = admin.users(acme.organization_id, account_id=acme.account_id("Acme Main"))
    expected = {u["email"] for u in acme.dump()["users"] if "Acme Main" in u["memberships"]}
    assert {u.email for u in users} == expected
    assert waits  # paced by the headers, whether by a 429 retry or a wait for the reset
