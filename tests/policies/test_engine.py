"""decide() on purpose-built policies: constraints, several roles, and failing closed."""

from __future__ import annotations

import dataclasses

import pytest

from policies import Actor, Policy, PolicyState, decide, load_policy

NONE = PolicyState()


def _policy(**sections) -> Policy:
    return Policy.from_data({"version": 1, **sections}, "test")


SCOPED = _policy(
    constraints={"accounts": ["EMEA", "id-apac"]},
    roles={"employee": {"accounts": ["EMEA"], "max_page_size": 20,
                        "permission_profiles": {"allow": ["DocuSign Sender", "DocuSign Viewer"]}}},
    actions={
        "list_users": {"list": {"roles": ["admin", "employee"]}},
        "list_account": {"user_memberships": {"roles": ["employee"]}},
        "manage_user": {"provision": {"roles": ["admin", "employee"]},
                        "close": {"roles": ["admin"]}},
        "manage_account_membership": {"change_permission_profile": {"roles": ["admin"]}},
    },
)


def test_accounts_in_scope(build):
    admin, employee = build.actor("admin"), build.actor("employee")
    assert decide(SCOPED, admin, build.call("manage_user", "close", target=build.OTHER), NONE).kind == "allow"
    # in scope by id (APAC's id is listed) for the admin, but not in the employee's narrower scope
    apac = build.call("manage_user", "provision", target=build.SELF, account="APAC",
                      profile="DocuSign Sender")
    assert decide(SCOPED, admin, apac, NONE).kind == "allow"
    refused = decide(SCOPED, employee, apac, NONE)
    assert refused.kind == "deny" and "'apac' is outside the employee role's accounts" in refused.reasons[0]
    us = build.call("manage_user", "close", target=build.OTHER, account="US")
    assert decide(SCOPED, admin, us, NONE).kind == "deny"
    # no account at all means every account: refused under a limited scope ...
    everywhere = build.call("list_users", "list", account=None)
    assert "name one of them" in decide(SCOPED, admin, everywhere, NONE).reasons[0]
    # ... except for reads that are about one user, not an account
    mine = build.call("list_account", "user_memberships", target=build.SELF, account=None)
    assert decide(SCOPED, employee, mine, NONE).kind == "allow"


def test_permission_profile_allow_list_and_page_size(build):
    employee = build.actor("employee")
    sender = build.call("manage_user", "provision", target=build.SELF, profile="docusign sender")
    assert decide(SCOPED, employee, sender, NONE).kind == "allow"
    other = build.call("manage_user", "provision", target=build.SELF, profile="DocuSign Signer")
    assert "'DocuSign Signer'" in decide(SCOPED, employee, other, NONE).reasons[0]
    unnamed = build.call("manage_user", "provision", target=build.SELF)
    assert "name the permission profile explicitly" in decide(SCOPED, employee, unnamed, NONE).reasons[0]
    assert decide(SCOPED, employee, build.call("list_users", "list", page_size=20), NONE).kind == "allow"
    big = decide(SCOPED, employee, build.call("list_users", "list", page_size=21), NONE)
    assert big.kind == "deny" and "at most 20" in big.reasons[0]


PROFILE_GATED = _policy(
    constraints={"approval_required_profiles": ["Account Administrator"],
                 "profile_approval": {"role": "approver", "ttl_seconds": 3600}},
    actions={"manage_account_membership": {
        "change_permission_profile": {"roles": ["admin"]},
        "remove_from_account": {"roles": ["admin"]},
        "add_groups": {"roles": {"admin": {"approval": {"role": "admin", "ttl_seconds": 600}}}},
    }, "list_users": {"list": {"roles": ["admin"]}}},
)


def test_profiles_that_always_need_approval(build):
    admin = build.actor("admin", email="boss@acme.com")
    grant = build.call("manage_account_membership", "change_permission_profile", target=build.OTHER,
                       profile="Account Administrator")
    needs = decide(PROFILE_GATED, admin, grant, NONE)
    assert (needs.kind, needs.approver_role, needs.ttl_seconds) == ("needs_approval", "approver", 3600)
    assert decide(PROFILE_GATED, admin, grant, PolicyState(approved_by=build.APPROVER)).kind == "allow"
    plain = dataclasses.replace(grant, permission_profile="DocuSign Sender",
                                args={**grant.args, "permission_profile": "DocuSign Sender"})
    assert decide(PROFILE_GATED, admin, plain, NONE).kind == "allow"
    # removing someone who holds the profile on that account is as sensitive as granting it
    remove = build.call("manage_account_membership", "remove_from_account", target=build.OTHER)
    holder = PolicyState(target_profiles={"EMEA": "Account Administrator"})
    elsewhere = PolicyState(target_profiles={"APAC": "Account Administrator", "EMEA": "DocuSign Sender"})
    assert decide(PROFILE_GATED, admin, remove, holder).kind == "needs_approval"
    assert decide(PROFILE_GATED, admin, remove, elsewhere).kind == "allow"
    # a grant's own approval rule stands (here: another admin within ten minutes)
    groups = decide(PROFILE_GATED, admin, build.call("manage_account_membership", "add_groups",
                                                     target=build.OTHER), holder)
    assert (groups.approver_role, groups.ttl_seconds) == ("admin", 600)
    # reads are never held up by it
    assert decide(PROFILE_GATED, admin, build.call("list_users", "list"), holder).kind == "allow"


def test_the_least_demanding_grant_of_several_roles_wins(build):
    policy = load_policy()
    both = build.actor("admin", "employee")
    call = build.call("manage_user", "provision", target=build.SELF, profile="DocuSign Sender")
    assert decide(policy, both, call, NONE) .kind == "allow"
    assert decide(policy, build.actor("employee"), call, NONE).kind == "needs_approval"


def test_disabled_operation_denies_everyone(build):
    policy = _policy(actions={"manage_user": {"update": {"enabled": False, "roles": ["admin"]}}})
    update = build.call("manage_user", "update", target=build.OTHER)
    decision = decide(policy, build.actor("admin"), update, NONE)
    assert decision.kind == "deny" and "disabled" in decision.reasons[0] and decision.who_could == ()


@pytest.mark.parametrize(("change", "fragment"), [
    (dict(action="drop_tables"), "unknown action 'drop_tables'"),
    (dict(operation="nuke"), "unknown operation 'nuke' for manage_user"),
    (dict(args={"operation": "provision", "email": "pat@acme.com", "sudo": True}),
     "unknown field(s) ['sudo']"),
    (dict(args={"operation": "purge", "email": "pat@acme.com"}), "operation 'provision' but its arguments"),
    (dict(target_email="pat@acme.com", args={"operation": "provision", "email": "lee@acme.com"}),
     "email='lee@acme.com' but the resolved call says 'pat@acme.com'"),
    (dict(args=["not", "a", "mapping"]), "not a mapping"),
])
def test_malformed_calls_are_denied(build, change, fragment):
    call = dataclasses.replace(build.call("manage_user", "provision", target=build.SELF), **change)
    decision = decide(load_policy(), build.actor("admin"), call, NONE)
    assert decision.kind == "deny"
    assert fragment in decision.reasons[0]


def test_a_field_only_the_arguments_carry_is_judged(build):
    # the gate left target_email empty: the arguments' email is the one that would be acted on
    call = dataclasses.replace(build.call("manage_user", "provision", target=build.OTHER), target_email=None)
    decision = decide(load_policy(), build.actor("employee"), call, NONE)
    assert decision.kind == "deny" and build.OTHER in decision.reasons[0]


@pytest.mark.parametrize("who", [
    Actor("x@acme.com", frozenset()),
    Actor("x@acme.com", frozenset({"admin", "superuser"})),
    Actor("x@acme.com", None),  # type: ignore[arg-type]
    None,
])
def test_unplaceable_people_are_denied(build, who):
    decision = decide(load_policy(), who, build.call("list_account", "organization"), NONE)
    assert decision.kind == "deny" and decision.reasons


def test_an_exception_inside_is_a_deny(build):
    admin = build.actor("admin")
    decision = decide(None, admin, build.call("list_account", "organization"), NONE)  # type: ignore[arg-type]
    assert decision.kind == "deny" and "could not evaluate" in decision.reasons[0]
    purge = build.call("manage_user", "purge", target=build.OTHER)
    bad_state = decide(load_policy(), admin, purge, None)  # type: ignore[arg-type]
    assert bad_state.kind == "deny"


def test_the_resolved_profile_is_judged_not_its_spelling(build):
    # the person named the profile by id; the gate resolved it to its name: the name is what runs
    call = build.call("manage_account_membership", "change_permission_profile", target=build.SELF,
                      profile="10001")
    as_admin_profile = dataclasses.replace(call, permission_profile="Account Administrator")
    decision = decide(load_policy(), build.actor("employee"), as_admin_profile, NONE)
    assert decision.kind == "deny" and "'Account Administrator'" in decision.reasons[0]
    as_sender = dataclasses.replace(call, permission_profile="DocuSign Sender")
    assert decide(load_policy(), build.actor("employee"), as_sender, NONE).kind == "needs_approval"


def test_a_listing_filtered_by_a_profile_neither_requests_nor_grants_it(build):
    # the employee may not be granted 'Account Administrator', yet may ask who holds DocuSign Signer
    # or anything else: a read's filter is not a grant (the allow list judges writes only)
    employee = build.actor("employee")
    who = build.call("list_users", "list", profile="Account Administrator", page_size=20)
    assert decide(SCOPED, employee, who, NONE).kind == "allow"
    grant = build.call("manage_user", "provision", target=build.SELF, profile="Account Administrator")
    assert decide(SCOPED, employee, grant, NONE).kind == "deny"
