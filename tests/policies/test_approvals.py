"""ApprovalBook on SQLite and PostgreSQL: who may approve, once, in time, for the exact call."""

from __future__ import annotations

import json
import textwrap

import pytest
from sqlalchemy import select

from audit.models import Approval
from policies.approvals import ApprovalBook, ApprovalError
from policies.call import Actor
from tools.actions import parse_call

EMPLOYEE = Actor("pat@acme.com", frozenset({"employee"}))
APPROVER = Actor("approver@acme.com", frozenset({"approver", "employee"}))
APPROVER_2 = Actor("ann@acme.com", frozenset({"approver"}))
ADMIN = Actor("admin@acme.com", frozenset({"admin", "employee"}))




@pytest.fixture
def book(store_engine, log, clock):
    return ApprovalBook(store_engine, log, clock=clock)


@pytest.fixture
def seat(build):
    return build.call("manage_user", "provision", target=EMPLOYEE.email, profile="DocuSign Sender")


def _row(engine, approval_id):
    with engine.connect() as conn:
        return conn.execute(select(Approval.__table__).where(Approval.id == approval_id)).one()._mapping


def _transitions(log, approval_id):
    return [(r.kind, r.payload.get("to")) for r in log.tail(500)
            if r.payload.get("approval_id") == approval_id]


def _request(book, call, ttl=3600):
    return book.request(EMPLOYEE, call, "provision pat@acme.com on EMEA", "approver", ttl, session_id="s1")


def test_request_is_stored_pending_and_audited(book, log, store_engine, seat):
    view = _request(book, seat)
    row = _row(store_engine, view.id)
    assert (row["status"], row["requester"], row["approver_role"]) == ("pending", "pat@acme.com", "approver")
    assert (row["call_json"], row["call_hash"]) == (seat.canonical_json(), seat.fingerprint())
    assert _transitions(log, view.id) == [("approval_requested", "pending")]
    # the stored call comes back as a proposal the gate can re-submit, and resolves to the same hash
    again = parse_call(view.tool_call("replay"))
    assert again.operation == "provision" and again.email == "pat@acme.com"
    assert view.call["args"] == seat.args


def test_requester_never_approves_their_own_request(book, log, store_engine, build):
    call = build.call("manage_user", "provision", target=APPROVER.email, profile="DocuSign Sender")
    view = book.request(Actor("Approver@ACME.com", APPROVER.roles), call, "s", "approver", 3600)
    for who in (APPROVER, Actor("APPROVER@acme.com ", APPROVER.roles)):
        with pytest.raises(ApprovalError) as info:
            book.approve(view.id, who)
        assert info.value.code == "self_approval"
    assert _row(store_engine, view.id)["status"] == "pending"
    assert book.claim_for_execution(view.id, call.fingerprint()) is False
    assert _transitions(log, view.id) == [("approval_requested", "pending")]


def test_only_the_named_role_decides(book, store_engine, seat):
    view = _request(book, seat)
    for outsider in (ADMIN, Actor("lee@acme.com", frozenset({"employee"}))):
        with pytest.raises(ApprovalError) as info:
            book.approve(view.id, outsider)
        assert info.value.code == "wrong_role"
    assert _row(store_engine, view.id)["status"] == "pending"


def test_approved_call_executes_once(book, log, store_engine, seat):
    view = _request(book, seat)
    approved = book.approve(view.id, APPROVER, reason="ok")
    assert (approved.status, approved.approver, approved.reason) == ("approved", "approver@acme.com", "ok")
    with pytest.raises(ApprovalError) as info:
        book.approve(view.id, APPROVER_2)
    assert info.value.code == "not_pending"
    assert book.claim_for_execution(view.id, seat.fingerprint()) is True
    assert book.claim_for_execution(view.id, seat.fingerprint()) is False
    done = book.finish(view.id, True, '{"ok": true}')
    assert (done.status, done.result_json) == ("executed", '{"ok": true}')
    assert book.claim_for_execution(view.id, seat.fingerprint()) is False
    with pytest.raises(ApprovalError):
        book.finish(view.id, True, "again")
    assert _row(store_engine, view.id)["result_json"] == '{"ok": true}'
    assert _transitions(log, view.id) == [
        ("approval_requested", "pending"), ("approval_decided", "approved"),
        ("approval_decided", "executing"), ("approval_decided", "executed"),
    ]
    assert log.verify().ok


def test_a_denied_request_never_executes(book, store_engine, seat):
    view = _request(book, seat)
    denied = book.deny(view.id, APPROVER, reason="not this quarter")
    assert (denied.status, denied.reason) == ("denied", "not this quarter")
    assert book.claim_for_execution(view.id, seat.fingerprint()) is False
    with pytest.raises(ApprovalError):
        book.approve(view.id, APPROVER_2)
    with pytest.raises(ApprovalError):
        book.finish(view.id, True, "{}")
    assert _row(store_engine, view.id)["status"] == "denied"


def test_a_changed_call_voids_the_approval(book, log, store_engine, seat, build):
    view = _request(book, seat)
    book.approve(view.id, APPROVER)
    other = build.call("manage_user", "provision", target=EMPLOYEE.email, profile="DocuSign Viewer")
    assert book.claim_for_execution(view.id, other.fingerprint()) is False
    row = _row(store_engine, view.id)
    assert row["status"] == "void" and "changed" in row["reason"]
    assert book.claim_for_execution(view.id, seat.fingerprint()) is False  # void for the old call too
    assert _transitions(log, view.id)[-1] == ("approval_decided", "void")


def test_pending_requests_expire(book, log, store_engine, clock, seat):
    view = _request(book, seat, ttl=600)
    clock.advance(seconds=599)
    assert book.get(view.id).status == "pending"
    clock.advance(seconds=1)
    with pytest.raises(ApprovalError) as info:
        book.approve(view.id, APPROVER)
    assert info.value.code == "expired"
    assert _row(store_engine, view.id)["status"] == "expired"
    assert [v.id for v in book.list(status="expired")] == [view.id]
    assert _transitions(log, view.id)[-1] == ("approval_decided", "expired")


def test_an_approval_is_void_once_its_time_is_up(book, store_engine, clock, seat):
    view = _request(book, seat, ttl=600)
    book.approve(view.id, APPROVER)
    clock.advance(minutes=11)
    assert book.claim_for_execution(view.id, seat.fingerprint()) is False
    assert _row(store_engine, view.id)["status"] == "expired"


def test_list_and_get(book, clock, seat, build):
    first = _request(book, seat)
    clock.advance(seconds=5)
    second = _request(book, build.call("manage_account_membership", "change_permission_profile",
                                       target=EMPLOYEE.email, profile="DocuSign Viewer"))
    book.deny(first.id, APPROVER, "no")
    assert [v.id for v in book.list()] == [second.id, first.id]
    assert [v.id for v in book.list(status="pending")] == [second.id]
    assert [v.id for v in book.list(requester="PAT@acme.com")] == [second.id, first.id]
    assert book.get("apr_missing") is None
    with pytest.raises(ApprovalError) as info:
        book.approve("apr_missing", APPROVER)
    assert info.value.code == "not_found"
    with pytest.raises(ApprovalError, match="unknown status"):
        book.list(status="done")


def test_bad_requests_are_refused(book, seat):
    with pytest.raises(ApprovalError, match="approver role"):
        book.request(EMPLOYEE, seat, "s", "boss", 60)
    with pytest.raises(ApprovalError, match="ttl_seconds"):
        book.request(EMPLOYEE, seat, "s", "approver", 0)


# ------------------------------------------------------------------ 50 approvers, 2 processes

_WORKER = textwrap.dedent("""
    import json, sys, threading
    from audit import AuditLog
    from audit.db import make_engine
    from policies.approvals import ApprovalBook, ApprovalError
    from policies.call import Actor

    url, schema, approval_id, call_hash, name, threads = sys.argv[1:7]
    engine = make_engine(url, schema=schema or None)
    book = ApprovalBook(engine, AuditLog(engine))
    barrier = threading.Barrier(int(threads))
    outcome = {"approved": 0, "claimed": 0, "errors": []}
    lock = threading.Lock()

    def attempt(i):
        approver = Actor(f"approver-{name}-{i}@acme.com", frozenset({"approver"}))
        barrier.wait()
        try:
            book.approve(approval_id, approver)
            with lock:
                outcome["approved"] += 1
        except ApprovalError:
            pass
        try:
            if book.claim_for_execution(approval_id, call_hash):
                book.finish(approval_id, True, json.dumps({"executed_by": approver.email}))
                with lock:
                    outcome["claimed"] += 1
        except Exception as exc:
            with lock:
                outcome["errors"].append(repr(exc))

    print("ready", flush=True)
    sys.stdin.readline()
    workers = [threading.Thread(target=attempt, args=(i,)) for i in range(int(threads))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(json.dumps(outcome), flush=True)
""")


def test_fifty_concurrent_approvers_on_two_processes_execute_once(store_engine, log, book, seat, race):
    view = _request(book, seat)
    url = store_engine.url.render_as_string(hide_password=False)
    schema = (store_engine.get_execution_options().get("schema_translate_map") or {}).get(None) or ""
    outcomes = race([["-c", _WORKER, url, schema, view.id, seat.fingerprint(), name, "25"]
                     for name in ("a", "b")])
    assert [o["errors"] for o in outcomes] == [[], []]
    assert sum(o["approved"] for o in outcomes) == 1
    assert sum(o["claimed"] for o in outcomes) == 1
    row = _row(store_engine, view.id)
    assert row["status"] == "executed"
    assert row["approver"].startswith("approver-")
    assert json.loads(row["result_json"])["executed_by"].startswith("approver-")
    steps = _transitions(log, view.id)
    assert steps.count(("approval_decided", "approved")) == 1
    assert steps.count(("approval_decided", "executing")) == 1
    assert steps.count(("approval_decided", "executed")) == 1
    assert log.verify().ok
