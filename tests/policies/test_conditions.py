"""Confirmation conditions and guards as ``decide`` reads them: a closed vocabulary, rules as data."""

from __future__ import annotations

import pytest

from policies import Actor, Policy, PolicyError, PolicyState, ResolvedCall, decide, load_policy
from policies.conditions import CONDITIONS, GUARDS
from policies.preview import Impact

ADMIN = Actor("admin@acme.com", frozenset({"admin"}))
EMPLOYEE = Actor("pat@acme.com", frozenset({"employee"}))
POLICY = load_policy()


def _call(operation: str, email: str, profile: str | None = None, action="manage_account_membership"):
    args = {"operation": operation, "email": email, "account": "EMEA"}
    if profile:
        args["permission_profile"] = profile
    return ResolvedCall(action, operation, target_email=email, account_names=("EMEA",), account_ids=("a1",),
                        permission_profile=profile, args=args)


def _state(**impact) -> PolicyState:
    return PolicyState(impact=Impact(**impact))


@pytest.mark.parametrize(("actor", "call", "impact", "rule"), [
    (ADMIN, _call("change_permission_profile", "john@acme.com", "Account Administrator"),
     {"grants_admin": ("EMEA",), "accounts": 1}, "confirm_when:grants_admin_profile"),
    (ADMIN, _call("add_groups", "admin@acme.com"), {"accounts": 1, "admin_kept": 2},
     "confirm_when:changes_own_access"),
    (ADMIN, _call("close", "john@acme.com", action="manage_user"), {"closes": 2, "accounts": 2},
     "confirm_when:multi_account"),
])
def test_each_default_condition_asks_for_a_confirmation(actor, call, impact, rule):
    decision = decide(POLICY, actor, call, _state(**impact))
    assert decision.kind == "needs_confirmation" and decision.rule == rule and decision.why
    assert decide(POLICY, actor, call, PolicyState(confirmed=True, impact=Impact(**impact))).kind == "allow"


def test_a_plain_write_runs_and_an_employees_own_request_goes_to_an_approver_unconfirmed():
    assert decide(POLICY, ADMIN, _call("add_groups", "john@acme.com"), _state(accounts=1)).kind == "allow"
    own = _call("change_permission_profile", EMPLOYEE.email, "DocuSign Viewer")
    assert decide(POLICY, EMPLOYEE, own, _state(accounts=1)).kind == "needs_approval"


def test_the_guards_deny_naming_themselves_whatever_the_consent():
    demote = _call("change_permission_profile", "bob@acme.com", "DocuSign Sender")
    last = decide(POLICY, ADMIN, demote, PolicyState(confirmed=True, approved_by="x@acme.com", impact=Impact(
        removes_admin=("EMEA",), last_admin=("EMEA",), accounts=1, admin_kept=0)))
    assert last.kind == "deny" and last.rule == "guard:last_admin" and "guard last_admin" in last.reasons[0]
    own = decide(POLICY, ADMIN, _call("change_permission_profile", ADMIN.email, "DocuSign Sender"),
                 _state(removes_admin=("EMEA",), accounts=1, admin_kept=0))
    assert own.kind == "deny" and own.rule == "guard:own_last_admin"
    kept = decide(POLICY, ADMIN, _call("change_permission_profile", ADMIN.email, "DocuSign Sender"),
                  _state(removes_admin=("EMEA",), accounts=1, admin_kept=1))
    assert kept.kind == "needs_confirmation"  # not her last: her own access, so she confirms


def test_an_unknown_or_malformed_condition_fails_the_load_naming_it():
    data = POLICY.document.model_dump(mode="json")
    for bad, named in ((["grants_admin_profile", "grant_admin"], "unknown condition 'grant_admin'"),
                       ([{"touches_more_than": "many"}], "takes a whole number"),
                       ([{"multi_account": 2}], "takes no number")):
        with pytest.raises(PolicyError) as caught:
            Policy.from_data({**data, "confirm_when": bad})
        assert any(p.startswith("confirm_when:") and named in p for p in caught.value.problems), caught.value


def test_the_vocabulary_is_explained_and_the_defaults_are_as_documented():
    assert [r.label for r in POLICY.confirm_rules] == ["grants_admin_profile", "changes_own_access",
                                                      "multi_account"]
    assert all(c.explain for c in CONDITIONS.values()) and [g.name for g in GUARDS] == ["last_admin",
                                                                                         "own_last_admin"]
    assert POLICY.admin_profiles == frozenset({"account administrator"})
    assert (POLICY.max_writes_per_request, POLICY.max_open_requests) == (3, 10)
