"""The packaged default policy, cell by cell: role set x action x operation x target x profile.

The expected answers are written out from the product's description (admins do everything, a
purge is confirmed then approved, employees self-serve through an approver and read their own
data), not derived from the engine's tables.
"""

from __future__ import annotations

import pytest

from policies import PolicyState, decide, load_policy
from policies.model import OPERATIONS, TARGETLESS

ROLE_SETS = {
    "admin": ("admin",),
    "approver": ("approver",),
    "employee": ("employee",),
    "admin+employee": ("admin", "employee"),  # the embedded people: admin@acme.com also matches @acme.com
    "approver+employee": ("approver", "employee"),
    "nobody": (),
}
PROFILES = (None, "DocuSign Sender", "Account Administrator")
PROFILE_OPS = {("manage_user", "provision"), ("manage_user", "reactivate"),
               ("manage_account_membership", "change_permission_profile"),
               ("manage_account_membership", "add_to_account")}
READS = {"list_users", "list_account"}
EMPLOYEE_READS = {("list_account", "organization"), ("list_account", "permission_profiles"),
                  ("list_account", "groups")}
EMPLOYEE_REQUESTS = {("manage_user", "provision"), ("manage_account_membership", "change_permission_profile")}


def _cells():
    for role_label in ROLE_SETS:
        for action, operations in OPERATIONS.items():
            for operation in operations:
                targets = (None,) if (action, operation) in TARGETLESS else ("self", "other")
                profiles = PROFILES if (action, operation) in PROFILE_OPS else (None,)
                for target in targets:
                    for profile in profiles:
                        if operation == "change_permission_profile" and profile is None:
                            continue  # the schema requires a profile for this one
                        yield role_label, action, operation, target, profile


def _employee(action, operation, target, profile):
    if (action, operation) in EMPLOYEE_READS:
        return "allow"
    if (action, operation) == ("list_account", "user_memberships"):
        return "allow" if target == "self" else "deny"
    if (action, operation) in EMPLOYEE_REQUESTS:
        if target == "self" and profile != "Account Administrator":
            return "needs_approval"
        return "deny"
    return "deny"


def expected(role_label, action, operation, target, profile) -> str:
    roles = ROLE_SETS[role_label]
    if "admin" in roles:
        return "needs_confirmation" if operation == "purge" else "allow"
    if "approver" in roles and action in READS:
        return "allow"
    if "employee" in roles:
        return _employee(action, operation, target, profile)
    return "deny"


CELLS = list(_cells())


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def test_every_operation_is_covered():
    covered = {(a, o) for _, a, o, _, _ in CELLS}
    assert covered == {(a, o) for a, ops in OPERATIONS.items() for o in ops}
    assert len(CELLS) > 250


@pytest.mark.parametrize(("role_label", "action", "operation", "target", "profile"), CELLS,
                         ids=["-".join(str(p) for p in cell) for cell in CELLS])
def test_default_policy_cell(policy, build, role_label, action, operation, target, profile):
    email = {"self": build.SELF, "other": build.OTHER, None: None}[target]
    if action == "list_users" and target == "self":
        email = build.SELF
    call = build.call(action, operation, target=email, profile=profile)
    who = build.actor(*ROLE_SETS[role_label])
    decision = decide(policy, who, call, PolicyState())
    assert decision.kind == expected(role_label, action, operation, target, profile), decision
    if decision.kind == "deny":
        assert decision.reasons and all(isinstance(r, str) and r for r in decision.reasons)
    if decision.kind == "needs_approval":
        assert decision.approver_role == "approver"


# --------------------------------------------------------------- flows through the state


def test_purge_is_confirmed_then_approved_by_someone_else(policy, build):
    admin = build.actor("admin", email="admin@acme.com")
    call = build.call("manage_user", "purge", target=build.OTHER)
    steps = [
        (PolicyState(), "needs_confirmation"),
        (PolicyState(approved_by=build.APPROVER), "needs_confirmation"),  # approval never skips the confirm
        (PolicyState(confirmed=True), "needs_approval"),
        (PolicyState(confirmed=True, approved_by="admin@acme.com"), "deny"),
        (PolicyState(confirmed=True, approved_by="ADMIN@acme.com "), "deny"),
        (PolicyState(confirmed=True, approved_by=build.APPROVER), "allow"),
    ]
    for state, kind in steps:
        assert decide(policy, admin, call, state).kind == kind, state
    needs = decide(policy, admin, call, PolicyState(confirmed=True))
    assert (needs.approver_role, needs.ttl_seconds) == ("approver", 86400)


@pytest.mark.parametrize(("action", "operation", "profile"), [
    ("manage_user", "provision", "DocuSign Sender"),
    ("manage_account_membership", "change_permission_profile", "DocuSign Viewer"),
])
def test_employee_request_runs_once_someone_else_approved(policy, build, action, operation, profile):
    employee = build.actor("employee")
    call = build.call(action, operation, target=build.SELF, profile=profile)
    first = decide(policy, employee, call, PolicyState())
    assert first.kind == "needs_approval" and first.ttl_seconds == 3 * 86400
    assert decide(policy, employee, call, PolicyState(approved_by=build.SELF)).kind == "deny"
    assert decide(policy, employee, call, PolicyState(approved_by=build.APPROVER)).kind == "allow"
    # an approval for oneself never turns into a grant for someone else
    other = build.call(action, operation, target=build.OTHER, profile=profile)
    assert decide(policy, employee, other, PolicyState(approved_by=build.APPROVER)).kind == "deny"


def test_denials_say_who_could(policy, build):
    decision = decide(policy, build.actor("employee"), build.call("manage_user", "close", target=build.SELF),
                      PolicyState())
    assert decision.kind == "deny"
    assert decision.who_could == ("admin",)
    assert "employee" in decision.reasons[0]
    request = decide(policy, build.actor("employee"),
                     build.call("manage_user", "provision", target=build.OTHER), PolicyState())
    assert "only for themselves" in request.reasons[0]
    assert any(w.startswith("employee (only for themselves") for w in request.who_could)


def test_employee_page_limit_and_admin_profile(policy, build):
    approver = build.actor("approver", email=build.APPROVER)
    big_page = build.call("list_users", "list", page_size=100)
    assert decide(policy, approver, big_page, PolicyState()).kind == "allow"
    employee = build.actor("employee")
    admin_seat = build.call("manage_user", "provision", target=build.SELF, profile="account ADMINISTRATOR")
    decision = decide(policy, employee, admin_seat, PolicyState())
    assert decision.kind == "deny" and "Account Administrator".lower() in decision.reasons[0].lower()
