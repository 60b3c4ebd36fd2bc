"""The gate's own promises: every step audited, consent bound to the exact call, once, fail closed."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

# the sandbox-backed world the operations tests use (tests are not a package: load it by path)
_spec = importlib.util.spec_from_file_location("gate_world", Path(__file__).parent / "operations/conftest.py")
gate_world = sys.modules.setdefault("gate_world", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(gate_world)

ADMIN, APPROVER = "admin@acme.com", "approver@acme.com"
SEAT = dict(operation="provision", email="new.hire@acme.com", first_name="Nia", last_name="Hart",
            account="Acme Main", permission_profile="DocuSign Sender", groups=["Sales"])


@pytest.fixture
def world(tmp_path):
    built = gate_world.build_world(tmp_path)
    yield built
    built.client.close()


def kinds(world) -> list[str]:
    return [e.kind for e in world.events()]


def test_every_step_of_a_write_is_audited_in_order(world):
    result = world.submit(ADMIN, "manage_account_membership", operation="change_permission_profile",
                          email="john.doe@acme.com", account="EMEA", permission_profile="DocuSign Viewer")
    assert result.kind == "ok", result
    steps = [k for k in kinds(world)]
    assert steps[0] == "model_proposal" and steps[-1] == "action_result"
    assert steps.index("decision") < steps.index("action_result")
    requests = [e for e in world.events("docusign_request")]
    assert [(e.payload["method"], e.payload["path"]) for e in requests][-2:] == [
        ("GET", "/v2/organizations/{organizationId}/users/profile"),
        ("POST", "/v2/organizations/{organizationId}/users/profiles")]
    for event in world.events():
        if event.kind in ("model_proposal", "decision", "docusign_request", "action_result"):
            assert event.actor == ADMIN and event.session_id == "s-bench", event
    assert world.events("decision")[0].payload["decision"] == "allow"
    assert world.audit.verify().ok


def test_invalid_call_is_audited_and_never_decided(world):
    result = world.submit(ADMIN, "manage_user", operation="provision", email="not-an-email")
    assert result.kind == "error"
    assert kinds(world) == ["model_proposal", "validation_error"]
    assert world.seen == []


def test_employee_seat_request_waits_for_an_approver_then_runs_once(world):
    before = world.dump()
    pending = world.submit("new.hire@acme.com", "manage_user", **SEAT)
    assert pending.kind == "pending_approval", pending
    assert pending.approver_role == "approver"
    assert world.dump() == before and world.writes() == []

    own = world.gate.approve(world.actor("new.hire@acme.com"), pending.approval_id)
    assert own.kind == "denied" and "cannot approve" in own.reasons[0]
    assert world.user("new.hire@acme.com") is None

    done = world.gate.approve(world.actor(APPROVER), pending.approval_id)
    assert done.kind == "ok", done
    seat = world.membership("new.hire@acme.com", "Acme Main")
    assert seat["permission_profile"] == "DocuSign Sender" and seat["groups"] == ["Sales"]
    assert world.approvals.get(pending.approval_id).status == "executed"

    writes = len(world.writes())
    again = world.gate.approve(world.actor(APPROVER), pending.approval_id)
    assert again.kind == "error" and len(world.writes()) == writes


def test_employee_sender_rights_request(world):
    email = "jon.doe@acme.com"  # DocuSign Viewer on Acme Main
    pending = world.submit(email, "manage_account_membership", operation="change_permission_profile",
                           email=email, account="Acme Main", permission_profile="DocuSign Sender")
    assert pending.kind == "pending_approval", pending
    assert world.membership(email, "Acme Main")["permission_profile"] == "DocuSign Viewer"
    assert world.gate.approve(world.actor(APPROVER), pending.approval_id).kind == "ok"
    assert world.membership(email, "Acme Main")["permission_profile"] == "DocuSign Sender"


def test_employee_may_not_ask_for_an_administrator_profile(world):
    before = world.dump()
    result = world.submit("jon.doe@acme.com", "manage_account_membership",
                          operation="change_permission_profile", email="jon.doe@acme.com",
                          account="Acme Main", permission_profile="Account Administrator")
    assert result.kind == "denied" and result.who_could
    assert world.dump() == before


def test_a_denied_request_changes_nothing_and_cannot_be_approved_later(world):
    pending = world.submit("new.hire@acme.com", "manage_user", **SEAT)
    before = world.dump()
    assert world.gate.deny(world.actor(APPROVER), pending.approval_id, reason="no budget").kind == "ok"
    assert world.gate.approve(world.actor(APPROVER), pending.approval_id).kind == "error"
    assert world.dump() == before


def test_an_approval_is_void_for_a_changed_call(world):
    from sqlalchemy import update

    from audit.models import Approval

    pending = world.submit("new.hire@acme.com", "manage_user", **SEAT)
    stored = json.loads(world.approvals.get(pending.approval_id).call_json)
    stored["args"]["permission_profile"] = "Account Administrator"
    with world.engine.begin() as conn:  # someone edits the stored call, not its hash
        conn.execute(update(Approval).where(Approval.id == pending.approval_id)
                     .values(call_json=json.dumps(stored)))
    _approving_fails(world, pending.approval_id, says="void", leaves="void")


def test_confirmation_is_single_use_and_bound_to_its_person(world):
    world.sandbox.clock.advance(hours=13)  # lisa.wong: closed 25 hours ago
    asked = world.submit(ADMIN, "manage_user", operation="purge", email="lisa.wong@acme.com")
    assert asked.kind == "needs_confirmation", asked
    stranger = world.gate.confirm(world.actor(APPROVER), asked.token)
    assert stranger.kind == "error"
    declined = world.gate.confirm(world.actor(ADMIN), asked.token, accept=False)
    assert declined.kind == "ok" and not declined.changed
    reused = world.gate.confirm(world.actor(ADMIN), asked.token)
    assert reused.kind == "error"
    assert world.user("lisa.wong@acme.com")["first_name"] == "Lisa" and world.writes() == []


def test_results_and_audit_hold_no_secret(world):
    results = [
        world.submit(ADMIN, "list_users", status="pending"),
        world.submit(ADMIN, "manage_user", **SEAT),
        world.submit("new.hire@acme.com", "manage_user", **SEAT),
        world.submit(ADMIN, "list_account", operation="user_memberships", email="new.hire@acme.com"),
    ]
    tokens = list(world.sandbox.state.tokens)  # every bearer token the OAuth server issued
    assert tokens, "no token was issued: the check below would prove nothing"
    _key, _user, pem, _account = world.sandbox.demo_integration
    secrets = [*tokens, pem.strip().splitlines()[1]]
    texts = [r.model_dump_json() for r in results] + [json.dumps(e.payload) for e in world.events()]
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_no_write_happens_when_the_audit_log_cannot_record_the_decision(world, monkeypatch):
    append = world.audit.append

    def failing(kind, **kw):
        if kind == "decision":
            raise RuntimeError("store is down")
        return append(kind, **kw)

    monkeypatch.setattr(world.audit, "append", failing)
    before = world.dump()
    result = world.submit(ADMIN, "manage_user", **SEAT)
    assert result.kind == "error"
    assert world.dump() == before and world.writes() == []


def test_a_store_failure_while_requesting_approval_fails_closed(world, monkeypatch):
    from audit.db import StoreError

    def broken(*a, **kw):
        raise StoreError("cannot write approvals")

    monkeypatch.setattr(world.approvals, "request", broken)
    before = world.dump()
    result = world.submit("new.hire@acme.com", "manage_user", **SEAT)
    assert result.kind == "error" and world.dump() == before


def test_a_docusign_failure_becomes_an_error_naming_it(world):
    world.sandbox.faults = {"error_rate": 1.0, "burst_length": 50, "burst_statuses": [503]}
    result = world.submit(ADMIN, "manage_user", **SEAT)
    world.sandbox.faults = {}
    assert result.kind == "error", result
    assert "DocuSign" in result.message and "503" in result.message
    assert world.user("new.hire@acme.com") is None


def test_an_approved_request_that_is_no_longer_needed_is_closed_without_a_write(world):
    pending = world.submit("new.hire@acme.com", "manage_user", **SEAT)
    assert world.submit(ADMIN, "manage_user", **SEAT).kind == "ok"  # an admin gave the seat meanwhile
    writes = len(world.writes())
    done = world.gate.approve(world.actor(APPROVER), pending.approval_id)
    assert done.kind == "ok" and not done.changed and "already has access" in done.summary
    assert len(world.writes()) == writes
    assert world.approvals.get(pending.approval_id).status == "executed"


def test_an_approved_request_that_can_no_longer_run_is_recorded_as_failed(world):
    pending = world.submit("new.hire@acme.com", "manage_user", **SEAT)
    other = {**SEAT, "permission_profile": "DocuSign Viewer"}
    assert world.submit(ADMIN, "manage_user", **other).kind == "ok"
    _approving_fails(world, pending.approval_id, says="already on Acme Main", leaves="failed")


def _approving_fails(world, approval_id: str, *, says: str, leaves: str) -> None:
    """The approver's yes is answered with an error saying ``says``, changes nothing in DocuSign,
    and leaves the request in status ``leaves``."""
    before = world.dump()
    result = world.gate.approve(world.actor(APPROVER), approval_id)
    assert result.kind == "error" and says in result.message
    assert world.dump() == before
    assert world.approvals.get(approval_id).status == leaves


def test_concurrent_approvals_execute_the_request_once(world):
    from concurrent.futures import ThreadPoolExecutor

    pending = world.submit("new.hire@acme.com", "manage_user", **SEAT)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: world.gate.approve(world.actor(APPROVER), pending.approval_id),
                                range(4)))
    assert sorted(r.kind for r in results) == ["error", "error", "error", "ok"]
    creates = [r for r in world.writes() if r.path_template == "/v2/organizations/{organizationId}/users"]
    assert len(creates) == 1
    assert world.membership("new.hire@acme.com", "Acme Main")["permission_profile"] == "DocuSign Sender"


def test_a_purge_leaves_each_consent_in_the_audit_log(world):
    world.sandbox.clock.advance(hours=13)
    asked = world.submit(ADMIN, "manage_user", operation="purge", email="lisa.wong@acme.com")
    pending = world.gate.confirm(world.actor(ADMIN), asked.token)
    done = world.gate.approve(world.actor(APPROVER), pending.approval_id)
    assert done.kind == "ok", done
    seen = kinds(world)
    for kind in ("model_proposal", "decision", "confirmation_issued", "confirmation_used",
                 "approval_requested", "approval_decided", "docusign_request", "action_result"):
        assert kind in seen, kind
    decisions = [e.payload["decision"] for e in world.events("decision")]
    assert decisions == ["needs_confirmation", "needs_approval", "allow"]
    redaction = [e for e in world.events("docusign_request") if e.payload["method"] == "POST"]
    assert len(redaction) == 1 and redaction[0].payload["path"].startswith("/v2/data_redaction")
    assert asked.token not in "\n".join(str(e.payload) for e in world.events())
    assert world.audit.verify().ok
