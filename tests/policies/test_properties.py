"""Property tests: random policies and random calls never yield an allow that no rule grants, and
random damage to a policy file is refused with the damaged field's path."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from policies import Actor, Policy, PolicyError, PolicyState, ResolvedCall, decide
from policies.model import OPERATIONS, ROLE_NAMES, TARGETLESS
from tools.actions import InvalidCall

SELF, OTHER, APPROVER = "pat@acme.com", "lee@acme.com", "approver@acme.com"
ACCOUNTS = ["EMEA", "APAC", "US"]
PROFILES = ["DocuSign Sender", "DocuSign Viewer", "Account Administrator", "Custom"]
PROFILE_OPS = {("manage_user", "provision"), ("manage_user", "reactivate"),
               ("manage_account_membership", "change_permission_profile"),
               ("manage_account_membership", "add_to_account")}
ACCOUNT_FREE = {("list_account", "organization"), ("list_account", "user_memberships")}
# Budget: each example draws a whole policy (16 operations); the suite should stay in seconds.
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])

roles_st = st.sampled_from(ROLE_NAMES)
people_st = st.lists(roles_st, min_size=1, max_size=3, unique=True)
approval_st = st.fixed_dictionaries({"role": roles_st, "ttl_seconds": st.integers(60, 7 * 86400)})


def subset(items):
    return st.lists(st.sampled_from(items), unique=True, max_size=len(items)) if items else st.just([])


def grant_st(targetless: bool):
    required = {} if targetless else {"self_only": st.booleans()}
    return st.fixed_dictionaries(required, optional={"approval": st.none() | st.just(False) | approval_st})


def some(items):
    """A restriction that still lets something through (an empty list would deny everything)."""
    return st.lists(st.sampled_from(items), unique=True, min_size=1, max_size=len(items))


# The generators lean towards policies that grant something: a policy that denies everything
# cannot show a wrong allow.
def operation_st(action: str, operation: str):
    targetless = (action, operation) in TARGETLESS
    roles = st.dictionaries(roles_st, grant_st(targetless), min_size=1, max_size=3) | some(list(ROLE_NAMES))
    required = {"roles": roles, "confirmation": st.just(True)} if operation == "purge" else {"roles": roles}
    optional = {"enabled": st.booleans(), "approval": approval_st}
    if operation != "purge":
        optional["confirmation"] = st.booleans()
    return st.fixed_dictionaries(required, optional=optional)


@st.composite
def limits_st(draw):
    allow = draw(st.just("*") | some(PROFILES))
    rest = PROFILES if allow == "*" else [p for p in PROFILES if p not in allow]
    return {"accounts": draw(st.just("*") | some(ACCOUNTS)),
            "permission_profiles": {"allow": allow, "deny": draw(some(rest) if rest else st.just([]))},
            "max_page_size": draw(st.integers(1, 100))}


OP_STRATEGIES = {(action, op): operation_st(action, op) for action, ops in OPERATIONS.items() for op in ops}
ALL_OPS = list(OP_STRATEGIES)


@st.composite
def policy_data_st(draw, focus: tuple[str, str] | None = None):
    """A valid policy. It always rules on ``focus`` (the operation under test) and on a few others."""
    chosen = draw(st.lists(st.sampled_from(ALL_OPS), unique=True, min_size=1, max_size=3))
    actions: dict = {}
    for action, op in ([focus] if focus else []) + chosen:
        actions.setdefault(action, {})[op] = draw(OP_STRATEGIES[(action, op)])
    gated = draw(st.just([]) | some(PROFILES))
    constraints = {"accounts": draw(st.just("*") | some(ACCOUNTS)), "approval_required_profiles": gated}
    if gated:
        constraints["profile_approval"] = draw(approval_st)
    return {"version": 1, "constraints": constraints,
            "roles": draw(st.dictionaries(roles_st, limits_st(), max_size=3)), "actions": actions}


@st.composite
def call_st(draw, build_call):
    action, operation = draw(st.sampled_from(ALL_OPS))
    profile = draw(st.sampled_from([None, *PROFILES])) if (action, operation) in PROFILE_OPS else None
    if operation == "change_permission_profile" and profile is None:
        profile = PROFILES[0]
    target = None if (action, operation) in TARGETLESS else draw(st.sampled_from([SELF, OTHER, SELF, None]))
    try:
        return build_call(action, operation, target=target, profile=profile,
                          account=draw(st.sampled_from([*ACCOUNTS, None])),
                          page_size=draw(st.integers(1, 100)))
    except InvalidCall:
        assume(False)


def _grants(rule: dict) -> dict:
    roles = rule.get("roles") or {}
    return {r: {} for r in roles} if isinstance(roles, list) else {r: (g or {}) for r, g in roles.items()}


def _in(scope, names) -> bool:
    return scope == "*" or all(n.lower() in {s.lower() for s in scope} for n in names)


def granted(data: dict, actor: Actor, call: ResolvedCall, state: PolicyState) -> bool:
    """Read straight from the document: could any rule let this exact call run in this state?"""
    rule = data["actions"].get(call.action, {}).get(call.operation)
    if rule is None or not rule.get("enabled", True):
        return False
    if rule.get("confirmation") and not state.confirmed:
        return False
    gated = {p.lower() for p in data["constraints"]["approval_required_profiles"]}
    for role, grant in _grants(rule).items():
        if role not in actor.roles:
            continue
        if grant.get("self_only") and call.target_email != actor.email:
            continue
        lim = data["roles"].get(role, {})
        scopes = [data["constraints"]["accounts"], lim.get("accounts", "*")]
        if not call.account_names and (call.action, call.operation) not in ACCOUNT_FREE and \
                any(s != "*" for s in scopes):
            continue
        if not all(_in(s, call.account_names) for s in scopes):
            continue
        profiles = lim.get("permission_profiles", {"allow": "*", "deny": []})
        if call.permission_profile and (
                call.permission_profile in profiles["deny"]
                or (profiles["allow"] != "*" and call.permission_profile not in profiles["allow"])):
            continue
        if call.page_size and call.page_size > lim.get("max_page_size", 100):
            continue
        approval = grant.get("approval")
        needs = rule.get("approval") if approval is None else approval
        if call.permission_profile and call.permission_profile.lower() in gated and \
                call.action.startswith("manage"):
            needs = needs or True
        if needs and (not state.approved_by or state.approved_by == actor.email):
            continue
        return True
    return False


@SETTINGS
@given(draw=st.data(), roles=people_st,
       confirmed=st.booleans(), approved_by=st.sampled_from([None, SELF, APPROVER]),
       held=st.dictionaries(st.sampled_from(ACCOUNTS), st.sampled_from(PROFILES), max_size=2))
def test_no_allow_without_a_granting_rule(build, draw, roles, confirmed, approved_by, held):
    call = draw.draw(call_st(build.call))
    data = draw.draw(policy_data_st(focus=(call.action, call.operation)))
    policy = Policy.from_data(data)
    actor = Actor(SELF, frozenset(roles))
    state = PolicyState(confirmed=confirmed, approved_by=approved_by, target_profiles=held)
    decision = decide(policy, actor, call, state)
    if decision.kind == "allow":
        assert granted(data, actor, call, state), (decision, call)
    elif decision.kind == "deny":
        assert decision.reasons and all(isinstance(r, str) and r for r in decision.reasons)
    else:  # something is still missing: the same call with it supplied must be one a rule grants
        assert decision.kind in ("needs_confirmation", "needs_approval")
        full = PolicyState(confirmed=True, approved_by=APPROVER, target_profiles=held)
        assert granted(data, actor, call, full)


@SETTINGS
@given(action=st.text(max_size=30) | st.sampled_from(list(OPERATIONS)),
       operation=st.text(max_size=30) | st.sampled_from([o for ops in OPERATIONS.values() for o in ops]),
       args=st.dictionaries(st.text(max_size=15), st.none() | st.integers() | st.text(max_size=20),
                            max_size=4),
       roles=subset([*ROLE_NAMES, "root"]),
       target=st.none() | st.sampled_from([SELF, OTHER]))
def test_arbitrary_calls_never_raise_and_unknowns_never_pass(action, operation, args, roles, target):
    from policies import load_policy
    from policies.engine import _KNOWN_ARGS

    policy = load_policy()
    call = ResolvedCall(action=action, operation=operation, target_email=target, args=args)
    decision = decide(policy, Actor(SELF, frozenset(roles)), call, PolicyState(confirmed=True,
                                                                                approved_by=APPROVER))
    known = action in OPERATIONS and operation in OPERATIONS[action]
    if not known or "root" in roles or set(args) - _KNOWN_ARGS[action]:
        assert decision.kind == "deny"


def _dict_paths(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _dict_paths(value, (*path, key))


TYPED_LEAVES = {"enabled", "confirmation", "self_only", "ttl_seconds", "max_page_size", "version"}


@settings(SETTINGS, max_examples=150)
@given(data=policy_data_st(), pick=st.integers(min_value=0),
       damage=st.sampled_from(["unknown_key", "bad_type"]))
def test_damaged_policies_are_refused_with_the_path(data, pick, damage):
    data = copy.deepcopy(data)
    if damage == "unknown_key":
        dicts = list(_dict_paths(data))
        path, node = dicts[pick % len(dicts)]
        node["zz_unknown"] = 1
        expected = ".".join(map(str, (*path, "zz_unknown")))
    else:
        leaves = [(p, n, k) for p, n in _dict_paths(data) for k in n if k in TYPED_LEAVES]
        path, node, key = leaves[pick % len(leaves)]
        node[key] = ["not", "a", "scalar"]
        expected = ".".join(map(str, (*path, key)))
    with pytest.raises(PolicyError) as info:
        Policy.from_data(data, "random.yaml")
    assert any(p.startswith(expected + ":") for p in info.value.problems), (expected, info.value.problems)


@settings(SETTINGS, max_examples=25)
@given(data=policy_data_st())
def test_an_unconfirmed_purge_never_loads(data):
    data = copy.deepcopy(data)
    purge = data["actions"].setdefault("manage_user", {}).setdefault("purge", {"roles": ["admin"]})
    purge["enabled"] = True
    purge["confirmation"] = False
    with pytest.raises(PolicyError) as info:
        Policy.from_data(data)
    assert any(p.startswith("actions.manage_user.purge.confirmation:") for p in info.value.problems)


def test_random_calls_reach_every_decision_kind(build):
    """The generators are not vacuous: over a fixed sample, every kind of decision occurs."""
    seen: set[str] = set()

    @settings(max_examples=200, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(draw=st.data(), roles=people_st, confirmed=st.booleans())
    def sample(draw, roles, confirmed):
        call = draw.draw(call_st(build.call))
        data = draw.draw(policy_data_st(focus=(call.action, call.operation)))
        seen.add(decide(Policy.from_data(data), Actor(SELF, frozenset(roles)), call,
                        PolicyState(confirmed=confirmed)).kind)

    sample()
    assert seen == {"allow", "deny", "needs_confirmation", "needs_approval"}


def test_replace_is_available():  # dataclasses.replace works on ResolvedCall (used by the engine)
    call = ResolvedCall("list_users", "list", args={"page_size": 5})
    assert dataclasses.replace(call, page_size=5).page_size == 5
