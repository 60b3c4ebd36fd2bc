"""What a crash leaves in the approval book, and the one take-over a recovery gets (issue 14.2)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from policies.approvals import ApprovalBook
from policies.call import Actor

EMPLOYEE = Actor("pat@acme.com", frozenset({"employee"}))
APPROVER = Actor("approver@acme.com", frozenset({"approver", "employee"}))
NOW = timedelta(0)


@pytest.fixture
def book(store_engine, log, clock):
    return ApprovalBook(store_engine, log, clock=clock)


@pytest.fixture
def approved(book, build):
    call = build.call("manage_user", "provision", target=EMPLOYEE.email, profile="DocuSign Sender")
    view = book.request(EMPLOYEE, call, "provision pat@acme.com", "approver", 3600, session_id="s1")
    book.approve(view.id, APPROVER)
    return view, call


def test_a_claim_holds_a_lease_and_is_not_stuck_while_it_runs(book, approved):
    view, call = approved
    assert [v.id for v in book.stuck(NOW)] == [view.id]  # approved, never claimed
    assert book.claim_for_execution(view.id, call.fingerprint())
    claimed = book.get(view.id)
    assert claimed.status == "executing" and claimed.lease_until is not None
    assert book.stuck() == []  # within the lease: the running process owns it
    assert [v.id for v in book.stuck(NOW)] == [view.id]


def test_an_executing_request_is_taken_over_once(book, approved, log):
    view, call = approved
    book.claim_for_execution(view.id, call.fingerprint())
    assert not book.take_over(view.id)  # the lease still runs
    assert book.take_over(view.id, NOW)
    assert not book.take_over(view.id, NOW)  # once: a second recovery is refused
    assert book.get(view.id).recovered == 1
    assert book.stuck(NOW)[0].recovered == 1  # still listed, for a person to look at
    book.finish(view.id, True, None)
    assert book.get(view.id).status == "executed" and book.stuck(NOW) == []
    taken = [r for r in log.tail(50, kind="approval_decided") if r.payload.get("recovery")]
    assert len(taken) == 1


def test_finished_denied_and_expired_requests_are_never_stuck(book, approved, clock, build):
    view, call = approved
    book.claim_for_execution(view.id, call.fingerprint())
    book.finish(view.id, False, None)
    close = build.call("manage_user", "close", target=EMPLOYEE.email)
    other = book.request(EMPLOYEE, close, "close", "approver", 60)
    book.deny(other.id, APPROVER)
    reactivate = build.call("manage_user", "reactivate", target=EMPLOYEE.email)
    late = book.request(EMPLOYEE, reactivate, "reactivate", "approver", 60)
    book.approve(late.id, APPROVER)
    clock.advance(minutes=5)
    assert book.stuck(NOW) == []
