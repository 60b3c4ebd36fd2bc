"""The gate writes a call's audit events in one transaction, and its decision before any write."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("gate_world", Path(__file__).parent / "operations/conftest.py")
gate_world = sys.modules.setdefault("gate_world", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(gate_world)

ADMIN = "admin@acme.com"
CHANGE = dict(operation="change_permission_profile", email="john.doe@acme.com", account="EMEA",
              permission_profile="DocuSign Viewer")


@pytest.fixture
def world(tmp_path):
    built = gate_world.build_world(tmp_path)
    built.submit(ADMIN, "list_account", operation="organization")  # token and names, out of the way
    transactions: list[list[str]] = []
    writer_append = built.audit._writer.append

    def recording(events):
        transactions.append([e["kind"] for e in events])
        return writer_append(events)

    built.audit._writer.append = recording
    built.transactions = transactions
    yield built
    built.client.close()


def test_a_read_is_one_transaction(world):
    assert world.submit(ADMIN, "list_account", operation="organization").kind == "ok"
    assert len(world.transactions) == 1
    assert world.transactions[0][0] == "model_proposal" and world.transactions[0][-1] == "action_result"


def test_the_decision_is_stored_before_the_write_is_sent(world):
    stored_at_write: list[list[str]] = []
    send = world.wire.handle_request

    def watching(request):
        if request.method != "GET":
            stored_at_write.append([e.kind for e in world.audit.records()])
        return send(request)

    world.wire.handle_request = watching
    assert world.submit(ADMIN, "manage_account_membership", **CHANGE).kind == "ok"
    (seen,) = stored_at_write
    assert seen.count("decision") == 2  # the set-up read's, and this call's: on record before the write
    assert len(world.transactions) == 2  # write-ahead, then the rest at the end of the call
    assert "decision" in world.transactions[0] and world.transactions[1][-1] == "action_result"
    assert any(k == "docusign_request" for k in world.transactions[1])
    assert world.audit.verify().ok


def test_a_call_that_fails_still_leaves_its_events(world, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("the policy engine fell over")

    monkeypatch.setattr("tools.gate._pipeline.decide", broken)
    result = world.submit(ADMIN, "manage_account_membership", **CHANGE)
    assert result.kind == "error"
    kinds = [e.kind for e in world.audit.records()]
    this_call = kinds[len(kinds) - 1 - kinds[::-1].index("model_proposal"):]
    assert this_call[0] == "model_proposal" and this_call[-1] == "error"
    assert "docusign_request" in this_call  # the reads it made (resolving the user) are on record
    assert world.audit.verify().ok
