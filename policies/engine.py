"""The decision engine: a policy file compiled into lookup tables, and ``decide`` over them.

Why compile: ``decide`` runs on every proposal the model makes, so the document is flattened at
load into one entry per (action, operation) holding each role's grant with its approval already
resolved, and per-role limits as lower-cased frozensets. A decision is then a few dictionary and
set look-ups. ``decide`` never raises and never allows by default: whatever it does not recognise,
or any exception inside it, is a ``Deny`` a person can read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from policies import catalogue
from policies.call import ROLES, Actor, PolicyState, ResolvedCall
from policies.conditions import Rule, guard_denial, parse_rule
from policies.decision import Allow, Decision, Deny, NeedsApproval, NeedsConfirmation
from policies.model import (
    ACCOUNT_FREE,
    OPERATIONS,
    UNCONFIRMED_PURGE,
    PolicyDocument,
    semantic_problems,
)
from policies.textfiles import FileProblem, read_text

DEFAULT_POLICY_PATH = Path(__file__).with_name("default.yaml")
_ROLE_ORDER = {role: i for i, role in enumerate(ROLES)}
_KNOWN_ARGS = {a.name: frozenset(a.field_names) for a in catalogue.ACTIONS}
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# (argument, resolved field, must agree). A profile may be named by id or in another case in the
# arguments; the resolved name is what runs, so it is what is judged.
_ARG_MIRRORS = (("email", "target_email", True), ("permission_profile", "permission_profile", False),
                ("page_size", "page_size", True))


class PolicyError(ValueError):
    """The policy file cannot be used; ``problems`` are 'field.path: what to change' lines."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: the policy has {len(problems)} problem(s):\n"
                         + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True, slots=True)
class Approver:
    role: str
    ttl_seconds: int


@dataclass(frozen=True, slots=True)
class RoleGrant:
    role: str
    self_only: bool
    approval: Approver | None


@dataclass(frozen=True, slots=True)
class OperationTable:
    action: str
    operation: str
    enabled: bool
    confirmation: bool
    grants: dict[str, RoleGrant]
    who_could: tuple[str, ...]
    account_free: bool


@dataclass(frozen=True, slots=True)
class RoleTable:
    accounts: frozenset[str] | None  # lower-cased names and ids; None = every account
    profiles_allow: frozenset[str] | None  # None = any profile not denied
    profiles_deny: frozenset[str]
    max_page_size: int


class Policy:
    """A validated policy with its lookup tables. Build with ``load_policy`` or ``Policy.from_data``."""

    __slots__ = ("admin_profiles", "approval_profiles", "confirm_rules", "document", "limits",
                 "max_open_requests", "max_writes_per_request", "profile_approval", "source", "tables")

    def __init__(self, document: PolicyDocument, source: str = "<policy>"):
        problems = semantic_problems(document)
        if problems:
            raise PolicyError(source, problems)
        self.document = document
        self.source = source
        c = document.constraints
        global_accounts = None if c.accounts == "*" else frozenset(a.lower() for a in c.accounts)
        self.limits: dict[str, RoleTable] = {}
        for role in ROLES:
            lim = document.limits(role)
            accounts = global_accounts
            if lim.accounts != "*":
                own = frozenset(a.lower() for a in lim.accounts)
                accounts = own if accounts is None else accounts & own
            allow = lim.permission_profiles.allow
            self.limits[role] = RoleTable(
                accounts=accounts,
                profiles_allow=None if allow == "*" else frozenset(p.lower() for p in allow),
                profiles_deny=frozenset(p.lower() for p in lim.permission_profiles.deny),
                max_page_size=lim.max_page_size,
            )
        self.approval_profiles = frozenset(p.lower() for p in c.approval_required_profiles)
        self.admin_profiles = frozenset(p.strip().lower() for p in c.admin_profiles)
        self.max_writes_per_request = c.max_writes_per_request
        self.max_open_requests = c.max_open_requests
        self.confirm_rules: tuple[Rule, ...] = tuple(parse_rule(e) for e in document.confirm_when)
        pa = c.profile_approval
        self.profile_approval = Approver(pa.role, pa.ttl_seconds) if pa else None
        self.tables: dict[tuple[str, str], OperationTable] = {}
        for action, operations in OPERATIONS.items():
            for operation in operations:
                self.tables[(action, operation)] = self._compile(action, operation)

    def _compile(self, action: str, operation: str) -> OperationTable:
        rule = self.document.rule(action, operation)
        grants: dict[str, RoleGrant] = {}
        for role, grant in rule.roles.items():
            chosen = rule.approval if grant.approval is None else grant.approval
            approver = Approver(chosen.role, chosen.ttl_seconds) if chosen else None
            grants[role] = RoleGrant(role, grant.self_only, approver)
        grants = dict(sorted(grants.items(), key=lambda item: _ROLE_ORDER[item[0]]))
        who = tuple(describe_grant(g, rule.confirmation) for g in grants.values()) if rule.enabled else ()
        return OperationTable(action, operation, rule.enabled, rule.confirmation, grants, who,
                              (action, operation) in ACCOUNT_FREE)

    @classmethod
    def from_data(cls, data: object, source: str = "<policy>") -> Policy:
        """Validate a parsed YAML/JSON document; raise ``PolicyError`` naming each bad field."""
        if not isinstance(data, dict):
            raise PolicyError(source, ["(top level): expected a mapping with 'version: 1' and 'actions'"])
        try:
            document = PolicyDocument.model_validate(data)
        except ValidationError as exc:
            raise PolicyError(source, _describe(exc) + _unconfirmed_purge(data)) from None
        return cls(document, source)

    def table(self, action: str, operation: str) -> OperationTable | None:
        return self.tables.get((action, operation))

    def __repr__(self) -> str:
        return f"Policy(source={self.source!r})"


def _unconfirmed_purge(data: dict[str, Any]) -> list[str]:
    """The purge rule checked on the raw file too, so it is reported alongside shape errors."""
    try:
        purge = data["actions"]["manage_user"]["purge"]
        if purge.get("enabled", True) is not False and purge.get("confirmation") is not True:
            return [UNCONFIRMED_PURGE]
    except (KeyError, TypeError, AttributeError):
        pass
    return []


def describe_grant(grant: RoleGrant, confirmation: bool) -> str:
    """'employee (only for themselves; approved by an approver)': a grant as a person reads it."""
    terms = []
    if grant.self_only:
        terms.append("only for themselves")
    if confirmation:
        terms.append("after confirming")
    if grant.approval:
        terms.append(f"approved by an {grant.approval.role}"
                     if grant.approval.role[0] in "aeiou" else f"approved by a {grant.approval.role}")
    return f"{grant.role} ({'; '.join(terms)})" if terms else grant.role


def _describe(exc: ValidationError) -> list[str]:
    """One line per bad field. A union reports each member's complaint: those are merged, and a
    complaint about a whole value is dropped when a field inside it is named more precisely."""
    by_path: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if p != "[key]"]
        # union members add their type name to the path; a person needs the field path only
        loc = [p for p in loc if not p.startswith(("literal[", "list[", "ApprovalRule", "function-"))]
        where = ".".join(loc) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if where == "actions" and err["type"] == "value_error":
            for line in msg.splitlines():  # the catalogue's name checks: each line has its own path
                path, _, text = line.partition(": ")
                by_path.setdefault(path, []).append(text)
            continue
        if err["type"] == "extra_forbidden":
            msg = "unknown field; remove it or fix its spelling"
        elif err["type"] == "literal_error" and err["loc"] and err["loc"][-1] == "[key]":
            msg = f"unknown name {err.get('input')!r}; {msg}"
        messages = by_path.setdefault(where, [])
        if msg not in messages:
            messages.append(msg)
    return [f"{where}: {_either(msgs)}" for where, msgs in by_path.items()
            if not any(other.startswith(where + ".") for other in by_path)]


def _either(messages: list[str]) -> str:
    """'Input should be a valid list' + "Input should be '*'" -> "Input should be a valid list or '*'"."""
    head, *rest = messages
    lead = "Input should be "
    return " or ".join([head] + [m.removeprefix(lead) if head.startswith(lead) else m for m in rest])


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy at ``path`` (None = the packaged default). Any problem raises ``PolicyError``."""
    file = Path(path).expanduser() if path is not None else DEFAULT_POLICY_PATH
    source = str(file)
    try:
        text = read_text(file, "policy")
    except FileProblem as exc:
        problem = f"(file): cannot read it ({str(exc).removeprefix(source + ': ')}); fix policy.path"
        raise PolicyError(source, [problem]) from None
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)  # the C loader when present: same safety, 20x faster
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise PolicyError(source, [f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    return Policy.from_data(data, source)


# --------------------------------------------------------------------------------------------- decide


def decide(policy: Policy, actor: Actor, call: ResolvedCall, state: PolicyState) -> Decision:
    """Allow, deny, or say what is missing (a confirmation, an approval). Pure; never raises."""
    try:
        return _decide(policy, actor, call, state)
    except Exception as exc:  # fail closed: a bug or a malformed input is a refusal, not a crash
        return Deny((f"the policy engine could not evaluate this call ({type(exc).__name__}); "
                     "nothing was done",), rule="engine_error")


def _decide(policy: Policy, actor: Actor, call: ResolvedCall, state: PolicyState) -> Decision:
    table = policy.tables.get((call.action, call.operation))
    if table is None:
        return _unknown(call)
    problem, call = _reconcile(call)
    if problem:
        return Deny((problem,), rule="malformed_call")
    roles = actor.roles
    if not roles:
        return Deny((f"{actor.email} has no role: they are not listed under people (admins, approvers, "
                     "employees) in the configuration; ask an administrator to add them",),
                    table.who_could, rule="unknown_person")
    strange = [r for r in roles if r not in _ROLE_ORDER]
    if strange:
        return Deny((f"unknown role(s) {sorted(strange)} for {actor.email}; roles are admin, approver, "
                     "employee",), table.who_could, rule="unknown_role")
    name = f"{call.action} {call.operation}"
    if not table.enabled:
        return Deny((f"{name} is disabled by the policy ({policy.source})",), (), rule="disabled")

    best: tuple[RoleGrant, Approver | None] | None = None
    reasons: list[str] = []
    for role in sorted(roles, key=_ROLE_ORDER.__getitem__):
        grant = table.grants.get(role)
        if grant is None:
            reasons.append(f"the {role} role may not {name}")
            continue
        failure = _limits_failure(policy, policy.limits[role], grant, table, actor, call)
        if failure:
            reasons.append(failure)
            continue
        approval = grant.approval or _profile_approval(policy, call, state)
        if best is None or (best[1] is not None and approval is None):
            best = (grant, approval)
    if best is None:
        return Deny(tuple(reasons), table.who_could, rule=f"{call.action}.{call.operation}")

    grant, approval = best
    rule = f"{call.action}.{call.operation}:{grant.role}"
    impact = state.impact
    if impact is not None:
        tripped = guard_denial(actor, call, impact)
        if tripped is not None:
            return Deny((tripped[1],), (), rule=f"guard:{tripped[0]}")
    if table.confirmation and not state.confirmed:
        return NeedsConfirmation(rule)
    if approval is not None:
        approved_by = (state.approved_by or "").strip().lower()
        if not approved_by:
            return NeedsApproval(approval.role, approval.ttl_seconds, rule)
        if approved_by == actor.email.strip().lower():
            return Deny((f"{actor.email} requested this call and cannot approve it; another "
                         f"{approval.role} must",), table.who_could, rule=rule)
        return Allow(rule)
    if impact is not None and not state.confirmed:
        # the policy's conditions apply to writes that would otherwise run at once
        for condition in policy.confirm_rules:
            if condition.holds_fn(actor, call, impact):
                return NeedsConfirmation(f"confirm_when:{condition.condition.name}",
                                         condition.explain())
    return Allow(rule)


def _unknown(call: ResolvedCall) -> Deny:
    if catalogue.action(call.action) is None:
        return Deny((catalogue.unknown_action(call.action),), rule="unknown_action")
    return Deny((catalogue.unknown_operation(call.action, call.operation),), rule="unknown_operation")


def _reconcile(call: ResolvedCall) -> tuple[str | None, ResolvedCall]:
    """Check the arguments against the resolved fields; fill a resolved field the gate left empty.

    A call whose target or page size disagrees with its arguments cannot be trusted for either,
    so that conflict is a problem; a field only the arguments carry is judged as they say.
    """
    args = call.args
    if not isinstance(args, dict):
        return "the call's arguments are not a mapping", call
    extra = args.keys() - _KNOWN_ARGS[call.action]
    if extra:
        return f"unknown field(s) {sorted(map(str, extra))} for {call.action}; remove them", call
    if "operation" in args and args["operation"] != call.operation:
        return (f"the call says operation {call.operation!r} but its arguments say "
                f"{args['operation']!r}"), call
    fill: dict[str, Any] = {}
    for arg, attr, strict in _ARG_MIRRORS:
        given = args.get(arg)
        if given is None:
            continue
        resolved = getattr(call, attr)
        if resolved is None:
            fill[attr] = given
        elif strict and str(given).strip().lower() != str(resolved).strip().lower():
            return f"the arguments say {arg}={given!r} but the resolved call says {resolved!r}", call
    return None, (replace(call, **fill) if fill else call)


def _limits_failure(policy: Policy, limits: RoleTable, grant: RoleGrant, table: OperationTable,
                    actor: Actor, call: ResolvedCall) -> str | None:
    role = grant.role
    if grant.self_only:
        target = (call.target_email or "").strip().lower()
        if target != actor.email.strip().lower():
            whom = call.target_email or "no user"
            return (f"as {role}, {actor.email} may {call.action} {call.operation} only for themselves, "
                    f"not for {whom}")
    if limits.accounts is not None:
        accounts = _accounts(call)
        if not accounts and not table.account_free:
            return (f"as {role}, {actor.email} may act only on accounts {sorted(limits.accounts)}; "
                    "name one of them")
        for name, ident in accounts:
            if name not in limits.accounts and ident not in limits.accounts:
                return f"account {name or ident!r} is outside the {role} role's accounts"
    # a listing filtered by a profile neither requests nor grants it: the limits judge writes only
    profile = call.permission_profile if call.action in catalogue.WRITE_ACTIONS else None
    if profile is not None:
        p = profile.strip().lower()
        allowed = limits.profiles_allow
        if p in limits.profiles_deny or (allowed is not None and p not in allowed):
            return f"the {role} role may not request or grant the permission profile {profile!r}"
    elif limits.profiles_allow is not None and call.action in catalogue.WRITE_ACTIONS and \
            _takes_profile(call):
        return (f"as {role}, name the permission profile explicitly; allowed: "
                f"{', '.join(sorted(limits.profiles_allow))}")
    if call.page_size is not None and call.page_size > limits.max_page_size:
        return (f"page_size {call.page_size} is larger than the {role} role may list "
                f"({limits.max_page_size}); ask for at most {limits.max_page_size}")
    return None


def _takes_profile(call: ResolvedCall) -> bool:
    """Whether the operation grants a permission profile (so a role limited to some must name one)."""
    op = catalogue.lookup(call.action, call.operation)
    return op is not None and "permission_profile" in op.accepted


def _accounts(call: ResolvedCall) -> list[tuple[str, str]]:
    names = call.account_names
    ids = call.account_ids
    n = max(len(names), len(ids))
    return [((names[i] if i < len(names) else "").strip().lower(),
             (ids[i] if i < len(ids) else "").strip().lower()) for i in range(n)]


def _profile_approval(policy: Policy, call: ResolvedCall, state: PolicyState) -> Approver | None:
    """Granting a listed profile, or changing a membership that holds one, needs approval."""
    if not policy.approval_profiles or call.action not in catalogue.WRITE_ACTIONS:
        return None
    if call.permission_profile and call.permission_profile.strip().lower() in policy.approval_profiles:
        return policy.profile_approval
    held = state.target_profiles
    if held:
        names = {n.strip().lower() for n in call.account_names}
        for account, profile in held.items():
            if (not names or account.strip().lower() in names) and \
                    str(profile).strip().lower() in policy.approval_profiles:
                return policy.profile_approval
    return None
