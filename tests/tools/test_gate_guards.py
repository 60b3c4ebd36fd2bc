"""Previews, confirmation by condition and the lockout guards, on the sandbox, on SQLite and PostgreSQL.

Each test asserts what the sandbox holds afterwards and what the person was shown, not what the
gate says it did. The concurrent case runs two real processes on one file-backed sandbox and one
store: two administrators demoting each other at once, and exactly one of them wins.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from guard_stack import Stack

from policies import Policy, load_policy

ADMIN, JANE, SAM = "admin@acme.com", "jane.smith@acme.com", "sam.lee@acme.com"
BJORN = "bjorn.nilsson@acme.com"
MEMBERSHIP = "manage_account_membership"


@pytest.fixture
def g(store_engine):
    from tools.docusign.sandbox import Sandbox

    stack = Stack(Sandbox.from_fixture("acme"), store_engine)
    yield stack
    stack.close()


def _demote(g, who: str, email: str, account: str):
    return g.submit(who, MEMBERSHIP, operation="change_permission_profile", email=email, account=account,
                    permission_profile="DocuSign Sender")


# -- conditions ---------------------------------------------------------------------------------------


def test_an_admin_profile_grant_shows_its_preview_and_runs_only_once_confirmed(g):
    before = g.sandbox.dump()
    asked = g.submit(ADMIN, MEMBERSHIP, operation="change_permission_profile", email="john.doe@acme.com",
                     account="EMEA", permission_profile="Account Administrator")
    assert asked.kind == "needs_confirmation", asked
    assert asked.preview == [{"account": "EMEA", "field": "permission_profile", "before": "DocuSign Sender",
                              "after": "Account Administrator"}]
    assert "administrator profile" in asked.why
    assert g.sandbox.dump() == before
    decision = g.events("decision")[-1].payload
    assert decision["decision"] == "needs_confirmation"
    assert decision["rule"] == "confirm_when:grants_admin_profile"
    assert decision["preview"] == asked.preview
    stored = g.confirmations.live(asked.token, g.actor(ADMIN))
    assert stored is not None and stored.preview == asked.preview

    again = g.submit(ADMIN, MEMBERSHIP, operation="change_permission_profile", email="john.doe@acme.com",
                     account="EMEA", permission_profile="Account Administrator")
    assert again.token == asked.token, "asking again for the same call reuses its token"

    done = g.gate.confirm(g.actor(ADMIN), asked.token)
    assert done.kind == "ok" and done.changed, done
    assert g.profile("john.doe@acme.com", "EMEA") == "Account Administrator"


def test_a_change_to_ones_own_access_asks_first(g):
    asked = g.submit(ADMIN, MEMBERSHIP, operation="add_groups", email=ADMIN, account="Acme Main",
                     groups=["Sales"])
    assert asked.kind == "needs_confirmation" and "own access" in asked.why
    assert asked.preview == [{"account": "Acme Main", "field": "groups", "before": "Administrators",
                              "after": "Administrators, Sales"}]
    assert g.gate.confirm(g.actor(ADMIN), asked.token).kind == "ok"
    user = next(u for u in g.sandbox.dump()["users"] if u["email"] == ADMIN)
    assert sorted(user["memberships"]["Acme Main"]["groups"]) == ["Administrators", "Sales"]


def test_an_employees_own_request_waits_for_an_approver_with_no_extra_confirmation(g):
    pending = g.submit(SAM, "manage_user", operation="provision", email=SAM, account="EMEA",
                       permission_profile="DocuSign Viewer")
    assert pending.kind == "pending_approval", pending
    stored = g.approvals.get(pending.approval_id)
    assert stored.preview == pending.preview
    assert {"account": "EMEA", "field": "permission_profile", "before": None,
            "after": "DocuSign Viewer"} in stored.preview
    assert g.status(SAM, "EMEA") is None

    twice = g.submit(SAM, "manage_user", operation="provision", email=SAM, account="EMEA",
                     permission_profile="DocuSign Viewer")
    assert twice.approval_id == pending.approval_id, "an identical request joins the one waiting"
    assert len(g.approvals.list("pending")) == 1


def test_a_requester_has_at_most_the_policys_number_of_open_requests(g):
    data = load_policy().document.model_dump(mode="json")
    data["constraints"]["max_open_requests"] = 1
    g.gate.policy = Policy.from_data(data)
    first = g.submit(SAM, "manage_user", operation="provision", email=SAM, account="EMEA",
                     permission_profile="DocuSign Viewer")
    assert first.kind == "pending_approval"
    second = g.submit(SAM, MEMBERSHIP, operation="change_permission_profile", email=SAM, account="Acme Main",
                      permission_profile="DocuSign Viewer")
    assert second.kind == "denied" and "1 requests waiting" in second.reasons[0]
    assert len(g.approvals.list("pending")) == 1


def test_a_close_on_several_accounts_asks_and_a_close_on_one_runs(g):
    asked = g.submit(ADMIN, "manage_user", operation="close", email="emma.johnson@acme.com",
                     accounts=["Acme Legal", "EMEA"])
    assert asked.kind == "needs_confirmation" and "more than one account" in asked.why
    assert g.status("emma.johnson@acme.com", "EMEA") == "active"
    one = g.submit(ADMIN, "manage_user", operation="close", email="chris.park@acme.com", account="EMEA")
    assert one.kind == "ok" and one.preview == [
        {"account": "EMEA", "field": "status", "before": "active", "after": "closed"}]
    assert g.status("chris.park@acme.com", "EMEA") == "closed"


def test_touches_more_than_is_read_from_the_policy(g):
    data = load_policy().document.model_dump(mode="json")
    data["confirm_when"] = [{"touches_more_than": 1}]
    g.gate.policy = Policy.from_data(data)
    # the default conditions are gone with this policy: an administrator grant runs at once
    done = g.submit(ADMIN, MEMBERSHIP, operation="change_permission_profile", email="john.doe@acme.com",
                    account="EMEA", permission_profile="Account Administrator")
    assert done.kind == "ok", done
    assert g.profile("john.doe@acme.com", "EMEA") == "Account Administrator"
    asked = g.submit(ADMIN, "manage_user", operation="close", email="emma.johnson@acme.com",
                     accounts=["Acme Legal", "EMEA"])
    assert asked.kind == "needs_confirmation" and "more than 1 accounts" in asked.why
    assert g.status("emma.johnson@acme.com", "EMEA") == "active"


# -- guards -------------------------------------------------------------------------------------------


def test_demoting_or_closing_the_last_admin_of_an_account_is_denied_naming_the_guard(g):
    before = g.sandbox.dump()  # Contractors: admin@ is its only administrator
    demoted = _demote(g, JANE, ADMIN, "Contractors")
    assert demoted.kind == "denied" and demoted.reasons[0].startswith("guard last_admin:"), demoted
    closed = g.submit(JANE, "manage_user", operation="close", email=ADMIN, account="Contractors")
    assert closed.kind == "denied" and "guard last_admin" in closed.reasons[0]
    removed = g.submit(JANE, MEMBERSHIP, operation="remove_from_account", email=ADMIN, account="Contractors")
    assert removed.kind == "denied" and "guard last_admin" in removed.reasons[0]
    assert g.sandbox.dump() == before
    assert [e.payload["rule"] for e in g.events("decision")][-3:] == ["guard:last_admin"] * 3


def test_demoting_one_of_two_admins_runs_then_the_other_is_the_last(g):
    first = _demote(g, ADMIN, BJORN, "EMEA")
    assert first.kind == "ok", first
    assert g.profile(BJORN, "EMEA") == "DocuSign Sender"
    last = _demote(g, JANE, ADMIN, "EMEA")
    assert last.kind == "denied" and "guard last_admin" in last.reasons[0]
    assert g.profile(ADMIN, "EMEA") == "Account Administrator"


def test_an_admin_removing_their_own_last_admin_membership_is_denied(g):
    # Bjorn administers EMEA only; admin@ administers it too, so only the own-membership guard trips
    before = g.sandbox.dump()
    own = _demote(g, BJORN, BJORN, "EMEA")
    assert own.kind == "denied" and own.reasons[0].startswith("guard own_last_admin:"), own
    assert g.sandbox.dump() == before


def test_a_dry_run_previews_and_decides_but_writes_nothing(g):
    from tools.actions import ToolCall

    before = g.sandbox.dump()
    call = ToolCall(id="d1", action=MEMBERSHIP, args={"operation": "change_permission_profile",
                                                      "email": "john.doe@acme.com", "account": "EMEA",
                                                      "permission_profile": "DocuSign Viewer"})
    result = g.gate.submit(g.actor(ADMIN), call, dry_run=True)
    assert result.kind == "dry_run" and result.decision == "allow"
    assert result.preview[0]["after"] == "DocuSign Viewer"
    guarded = g.gate.submit(g.actor(JANE), ToolCall(id="d2", action=MEMBERSHIP, args={
        "operation": "change_permission_profile", "email": ADMIN, "account": "Contractors",
        "permission_profile": "DocuSign Sender"}), dry_run=True)
    assert guarded.kind == "denied" and "guard last_admin" in guarded.reasons[0]
    assert g.sandbox.dump() == before and g.confirmations.pending(g.actor(ADMIN)) == []


# -- two processes at once ----------------------------------------------------------------------------


def test_two_processes_demoting_the_last_two_admins_at_once_one_wins(store_engine, tmp_path, race):
    from tools.docusign.sandbox import Sandbox

    state = tmp_path / "sandbox"
    Sandbox.open(state)  # EMEA's administrators: admin@ and Bjorn, nobody else
    url = store_engine.url.render_as_string(hide_password=False)
    schema = (store_engine.get_execution_options().get("schema_translate_map") or {}).get(None) or ""
    worker = str(Path(__file__).parent / "guard_stack.py")
    results = race([[worker, str(state), url, schema, actor, target]
                    for actor, target in ((ADMIN, BJORN), (BJORN, ADMIN))])
    kinds = sorted(r["kind"] for r in results)
    assert kinds == ["denied", "ok"], results
    loser = next(r for r in results if r["kind"] == "denied")
    assert "guard last_admin" in loser["reasons"][0]
    users = Sandbox.open(state).dump()["users"]
    emea = {u["email"]: u["memberships"]["EMEA"]["permission_profile"] for u in users
            if u["email"] in (ADMIN, BJORN)}
    assert sorted(emea.values()) == ["Account Administrator", "DocuSign Sender"]


def test_held_writes_run_on_one_yes_and_each_is_checked_again(g):
    from tools.actions import ToolCall

    people = ["liam.oconnor@acme.com", "olivia.brown@acme.com", "david.kim@acme.com"]
    calls = [ToolCall(id=f"h{i}", action="manage_user", args={"operation": "close", "email": p,
                                                             "account": "Acme Main"})
             for i, p in enumerate(people)]
    calls.append(ToolCall(id="read", action="list_account", args={"operation": "organization"}))
    before = g.sandbox.dump()
    held = g.gate.hold(g.actor(ADMIN), calls, why="a test asks")
    assert [r.kind for r in held] == ["needs_confirmation"] * 3 + ["ok"]
    assert len({r.token for r in held[:3]}) == 1 and g.sandbox.dump() == before
    stored = g.confirmations.live(held[0].token, g.actor(ADMIN))
    assert [row["account"] for row in stored.preview] == ["Acme Main"] * 3
    # one is closed meanwhile by another request: re-checked, it has nothing left to do; the others run
    meanwhile = g.submit(ADMIN, "manage_user", operation="close", email=people[0], account="Acme Main")
    assert meanwhile.kind == "ok"
    results = g.gate.confirm_all(g.actor(ADMIN), held[0].token)
    assert [r.kind for r in results] == ["ok", "ok", "ok"]
    assert not results[0].changed and results[1].changed and results[2].changed
    assert all(g.status(p, "Acme Main") == "closed" for p in people)
    again = g.gate.confirm_all(g.actor(ADMIN), held[0].token)
    assert [r.kind for r in again] == ["error"], "one yes, used once"
