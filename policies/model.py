"""The policy file as people write it, validated so every mistake names the path of its field.

Why two layers of checks: pydantic catches shape mistakes (an unknown key, a role that does not
exist, a negative ttl) with a location; ``semantic_problems`` then catches combinations that are
well-formed but unsafe or meaningless (a purge without confirmation, ``self_only`` on a read that
has no target user) and words them with the same kind of path. ``policies.load_policy`` turns
either into one ``PolicyError`` listing every problem.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from policies import catalogue
from policies.conditions import parse_rule

Role = Literal["admin", "approver", "employee"]
ROLE_NAMES: tuple[str, ...] = ("admin", "approver", "employee")

# Every operation of every action, as the catalogue declares them; reads first, the order people
# read them in (`policy check`).
OPERATIONS: dict[str, tuple[str, ...]] = {
    a.name: a.operation_names for a in sorted(catalogue.POLICY_ACTIONS, key=lambda a: a.write)
}
# Reads of organization data that concern no particular user: "for themselves only" is meaningless.
TARGETLESS: frozenset[tuple[str, str]] = frozenset(
    (a.name, op.name) for a in catalogue.POLICY_ACTIONS for op in a.operations if not op.targets_user)
# Calls that name no account without meaning "every account": allowed under a limited account scope.
ACCOUNT_FREE: frozenset[tuple[str, str]] = frozenset(
    (a.name, op.name) for a in catalogue.POLICY_ACTIONS for op in a.operations if op.account_free)

UNCONFIRMED_PURGE = (
    "actions.manage_user.purge.confirmation: a purge is irreversible and must be confirmed by a "
    "person; set confirmation: true (or enabled: false)"
)
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# a list of names (accounts, profiles): bounded like free text, see MAX_DESCRIPTION
Labels = Annotated[list[Label], Field(max_length=500)]
DAY = 86_400


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApprovalRule(_Strict):
    """Who must approve, and how long a request (and the approval granted on it) stays valid."""

    role: Role
    ttl_seconds: int = Field(DAY, ge=60, le=30 * DAY)


class Grant(_Strict):
    """One role's right to one operation.

    ``approval``: omitted = the operation's own approval rule; ``false`` = none for this role;
    a rule = this role's requests go to that approver role.
    """

    self_only: bool = False
    approval: ApprovalRule | Literal[False] | None = None


class OperationRule(_Strict):
    enabled: bool = True
    confirmation: bool = False
    approval: ApprovalRule | None = None
    roles: dict[Role, Grant] = Field(default_factory=dict)

    @field_validator("roles", mode="before")
    @classmethod
    def _role_list_shorthand(cls, value: object) -> object:
        """``roles: [admin, approver]`` means each may, with no further condition."""
        if isinstance(value, list):
            return {name: {} for name in value}
        if isinstance(value, dict):
            return {name: ({} if grant is None else grant) for name, grant in value.items()}
        return value


_DISABLED = OperationRule(enabled=False)
# actions.<action>.<operation>: a rule; the names are the catalogue's, checked by PolicyDocument.
ActionRules = dict[str, dict[str, OperationRule]]


class ProfileRule(_Strict):
    """Permission profiles a role may request or grant (names, case-insensitive)."""

    allow: Labels | Literal["*"] = "*"
    deny: Labels = Field(default_factory=list)


class RoleLimits(_Strict):
    accounts: Labels | Literal["*"] = Field(
        "*", description="Account names or ids this role may act on; '*' = every account in scope"
    )
    permission_profiles: ProfileRule = Field(default_factory=ProfileRule)
    max_page_size: int = Field(100, ge=1, le=100)


class Constraints(_Strict):
    accounts: Labels | Literal["*"] = Field("*", description="Accounts in scope for everyone")
    approval_required_profiles: Labels = Field(
        default_factory=list,
        description="Granting (or touching a holder of) these profiles always needs approval",
    )
    profile_approval: ApprovalRule | None = None
    admin_profiles: list[Label] = Field(
        default_factory=lambda: ["Account Administrator"],
        description="Administrator profiles by name, used where DocuSign does not say (is_admin)",
    )
    max_writes_per_request: int = Field(
        3, ge=0, le=1000, description="More writes than this in one request ask one confirmation for all")
    max_open_requests: int = Field(
        10, ge=1, le=1000, description="Pending approval requests one requester may have at once")


# Bounds on free text: a policy is read by people and rendered by `policy check`, whose wrapping
# was quadratic in a field's length (200,000 characters: minutes). Nothing real comes near these.
MAX_DESCRIPTION = 2_000


class PolicyDocument(_Strict):
    version: Literal[1]
    description: str | None = Field(None, max_length=MAX_DESCRIPTION)
    constraints: Constraints = Field(default_factory=Constraints)
    roles: dict[Role, RoleLimits] = Field(default_factory=dict)
    actions: ActionRules = Field(
        default_factory=dict,
        description="actions.<action>.<operation>: who may; one left out is disabled (nothing is allowed "
        "by omission)")
    confirm_when: list[Any] = Field(
        default_factory=list, description="Conditions under which a write needs the person's confirmation")

    @field_validator("confirm_when")
    @classmethod
    def _known_conditions(cls, value: list[Any]) -> list[Any]:
        problems = []
        for i, entry in enumerate(value):
            try:
                parse_rule(entry)  # an unknown or malformed condition fails the load, naming it
            except ValueError as exc:
                problems.append(f"[{i}] {exc}")
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("actions", mode="before")
    @classmethod
    def _catalogue_names(cls, value: object) -> object:
        """Every action and operation named must be the catalogue's: a misspelt one would otherwise
        leave the operation it meant disabled, silently. Each line carries its own path."""
        if not isinstance(value, dict):
            return value
        problems = []
        for name, operations in value.items():
            act = catalogue.action(str(name))
            if act is None:
                problems.append(f"actions.{name}: {catalogue.unknown_action(str(name))}")
            elif act.judged_by_rows:
                problems.append(f"actions.{name}: {name} is judged row by row, each row as the "
                                "manage_user or manage_account_membership call it stands for; write the "
                                "rules there")
            elif isinstance(operations, dict):
                problems += [f"actions.{name}.{op}: {catalogue.unknown_operation(act.name, str(op))}"
                             for op in operations if act.operation(str(op)) is None]
        if problems:
            raise ValueError("\n".join(problems))
        return value

    def rule(self, action: str, operation: str) -> OperationRule:
        """The rule for one operation; an operation the file leaves out is disabled."""
        return self.actions.get(action, {}).get(operation) or _DISABLED

    def limits(self, role: str) -> RoleLimits:
        """The role's limits as written, or the defaults for a role the file leaves out."""
        return next((lim for name, lim in self.roles.items() if name == role), None) or RoleLimits()


def semantic_problems(doc: PolicyDocument) -> list[str]:
    """Well-formed but unsafe or meaningless combinations, each as 'path: what to change'."""
    problems: list[str] = []
    purge = doc.rule("manage_user", "purge")
    if purge.enabled and not purge.confirmation:
        problems.append(UNCONFIRMED_PURGE)
    for action, operations in OPERATIONS.items():
        for operation in operations:
            rule = doc.rule(action, operation)
            for role, grant in rule.roles.items():
                if grant.self_only and (action, operation) in TARGETLESS:
                    problems.append(
                        f"actions.{action}.{operation}.roles.{role}.self_only: {action} {operation} "
                        "concerns no user, so 'only for themselves' cannot apply; remove self_only"
                    )
    c = doc.constraints
    if c.approval_required_profiles and c.profile_approval is None:
        problems.append(
            "constraints.profile_approval: approval_required_profiles is set but nobody is named to "
            "approve; add profile_approval: {role: approver, ttl_seconds: 86400}"
        )
    for role, limits in doc.roles.items():
        profiles = limits.permission_profiles
        if profiles.allow != "*":
            clash = {p.lower() for p in profiles.allow} & {p.lower() for p in profiles.deny}
            if clash:
                problems.append(
                    f"roles.{role}.permission_profiles: {sorted(clash)} are both allowed and denied; "
                    "keep each profile in one list"
                )
    return problems
