"""The one catalogue of actions: every action a model may propose, as plain data.

Why one catalogue, and why here at the bottom of the stack: the actions and their operations used
to be restated in about ten places (schemas, policy validation, the planner, renderers, docs), and
nothing tied the policy's list to the schemas. Everything now derives from this module or is
checked against it by a test: the pydantic models in ``tools.actions`` take their descriptions and
their per-operation rules from here, the policy refuses to load an action or operation this
catalogue lacks, the planner's intents name catalogue operations, the receipt's wording and the
README's table of actions come from it. Standard library only, so that ``policies``, ``tools``
and ``agent`` can all import it without importing each other.

An action's fields are declared once; an operation says which of them it needs (``required``),
which it takes (``optional``), and which sets it needs exactly one or at least one of. Every other
field of the action is forbidden for that operation: a field that would be silently ignored is a
misunderstanding, and a misunderstanding must never become a write.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# What a field holds; ``tools.actions`` maps each kind onto a pydantic type and a test checks it.
KINDS = ("operation", "email", "text", "name", "texts", "choice", "integer", "boolean", "cursor", "since",
         "file")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One argument of an action: its kind, what the model is told about it, and its default."""

    name: str
    kind: str
    description: str
    choices: tuple[str, ...] = ()
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of an action and the fields it takes.

    ``summary`` is the phrase after 'name = ' in the model's description of the operation field;
    ``plain`` is how a person reads the operation ("provision users"); ``targets_user``: the
    operation concerns one user, so "for themselves only" can apply; ``account_free``: naming no
    account does not mean every account (allowed under a limited account scope).
    """

    name: str
    summary: str
    plain: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    exactly_one_of: tuple[str, ...] = ()
    at_least_one_of: tuple[str, ...] = ()
    targets_user: bool = True
    account_free: bool = False

    @property
    def accepted(self) -> frozenset[str]:
        """Every field this operation takes (``operation`` itself aside)."""
        return frozenset(self.required + self.optional + self.exactly_one_of + self.at_least_one_of)


@dataclass(frozen=True, slots=True)
class Action:
    """An action: read or write, what the model reads about it, its fields and operations.

    An action with one operation takes no ``operation`` argument. The model's description of the
    ``operation`` field is ``operation_intro`` + each operation's 'name = summary' +
    ``operation_outro``.
    """

    name: str
    write: bool
    description: str
    fields: tuple[FieldSpec, ...]
    operations: tuple[Operation, ...]
    operation_intro: str = ""
    operation_outro: str = ""
    # True: the policy never judges the action itself; each row it carries is judged as the single-
    # user call it stands for (bulk_users' rows as manage_user / manage_account_membership calls)
    judged_by_rows: bool = False
    _ops: dict[str, Operation] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._ops.update({op.name: op for op in self.operations})

    @property
    def operation_names(self) -> tuple[str, ...]:
        return tuple(op.name for op in self.operations)

    @property
    def takes_operation(self) -> bool:
        return len(self.operations) > 1

    @property
    def field_names(self) -> tuple[str, ...]:
        """The argument names the action accepts, ``operation`` first when it takes one."""
        return (("operation",) if self.takes_operation else ()) + tuple(f.name for f in self.fields)

    def operation(self, name: str) -> Operation | None:
        return self._ops.get(name)

    def spec(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    def always_required(self, name: str) -> bool:
        """Whether every operation requires the field (the schema then marks it required)."""
        return name == "operation" or all(name in op.required for op in self.operations)

    def operation_description(self) -> str:
        parts = [f"{op.name} = {op.summary}" for op in self.operations]
        return (self.operation_intro + " ".join(parts) + (" " + self.operation_outro if
                                                          self.operation_outro else "")).strip()


def _f(name: str, kind: str, description: str, **more: Any) -> FieldSpec:
    return FieldSpec(name, kind, description, **more)


_EMAIL_SELF = "The user's email address (for employees: their own)."
_PROFILE = "Permission profile name as listed for the account"
# A profile or group name means something on one account only: how a listing filter reads one
_ON_ACCOUNT = ("A name as listed for the account (any case); with `account`, on that account; without, "
               "on every account that has one of that name (each membership judged on its own account). "
               "A name no account in scope has is refused with the names there are, never ignored.")

ACTIONS: tuple[Action, ...] = (
    Action(
        "list_users", False,
        "List and search users across the organization (read-only). Use it for \"who is pending\", "
        "\"who is on account X\", \"find Maya\" or to check whether an email is a user at all. Without "
        "`account`, every linked account is covered. 'Pending' means the membership waits for "
        "activation. Filter by permission_profile or group for \"who are the admins\", \"who is in "
        "Finance\", \"is X a sender on EMEA\" (with email). For one known user's memberships, list_account "
        "user_memberships is more direct.",
        (
            _f("email", "email", "Exact email to look up; omit to list many users."),
            _f("status", "choice", "Membership status filter. 'pending' = activation_required or "
               "activation_sent (invited, not yet activated). Omit for every status.",
               choices=("active", "pending", "closed", "disabled")),
            _f("name_contains", "text",
               "Fragment of the person's name or of the email's user part, e.g. 'maya'."),
            _f("account", "text", "Account name or id; omit for all accounts."),
            _f("permission_profile", "text",
               f"Only users whose membership has this permission profile ('who are the admins on EMEA' = "
               f"'Account Administrator'). {_ON_ACCOUNT}"),
            _f("group", "text", f"Only users whose membership is in this group ('who is in Finance on "
               f"EMEA'). {_ON_ACCOUNT}"),
            _f("last_modified_since", "since",
               "Only users changed since then ('what changed since yesterday', 'who was modified in the "
               "last 3 days'): an ISO 8601 date or date-time in UTC (2026-11-30, 2026-11-30T09:00:00Z), a "
               "span back from now ('90m' minutes, '24h', '3d', '2w'), or 'today' / 'yesterday' (from the "
               "start of that UTC day)."),
            _f("page_size", "integer", "Rows per page, at most 100.", default=50, minimum=1, maximum=100),
            _f("cursor", "cursor",
               "The `next_cursor` of a previous page, to continue; omit for the first page."),
        ),
        (
            Operation("list", "list and search users", "list or search users",
                      optional=("email", "status", "name_contains", "account", "permission_profile", "group",
                                "last_modified_since", "page_size", "cursor")),
        ),
    ),
    Action(
        "manage_user", True,
        "Create, change, close, reopen or erase a DocuSign user (a write). Use provision for a new "
        "seat (\"give X a seat\", \"onboard X\", an employee asking for access), update to fix a name "
        "or job title, close when someone leaves or must lose access, reactivate to reopen a closed "
        "membership, purge only when asked to permanently erase a user closed 24 hours or more. "
        "Changing an existing membership's profile or groups is manage_account_membership, not this.",
        (
            _f("email", "email", _EMAIL_SELF),
            _f("first_name", "name", "First name (provision, update only)."),
            _f("last_name", "name", "Last name (provision, update only)."),
            _f("job_title", "text", "Job title (provision, update only)."),
            _f("account", "text", "Account name or id. provision: account to join (omit for the default "
               "account); update: the account whose job title changes; close/reactivate: the "
               "membership's account."),
            _f("accounts", "texts",
               "close only: several account names or ids at once (instead of account)."),
            _f("all_accounts", "boolean",
               "close only: true closes every membership of the user (instead of account).",
               default=False),
            _f("permission_profile", "text",
               f"{_PROFILE}, e.g. 'DocuSign Sender' (provision, reactivate)."),
            _f("groups", "texts",
               "Group names to join on the account (provision), as listed for the account."),
        ),
        (
            Operation("provision", "new user, or a new membership for an existing user: email; optional "
                      "account (default: the default account), permission_profile, groups, first_name, "
                      "last_name, job_title.", "provision users", required=("email",),
                      optional=("account", "permission_profile", "groups", "first_name", "last_name",
                                "job_title")),
            Operation("update", "change names or job title: email and at least one of first_name, "
                      "last_name, job_title; optional account (whose job title changes).",
                      "update users' details", required=("email",), optional=("account",),
                      at_least_one_of=("first_name", "last_name", "job_title")),
            Operation("close", "end memberships: email and exactly one of account, accounts or "
                      "all_accounts: true; no names.", "close users' memberships", required=("email",),
                      exactly_one_of=("account", "accounts", "all_accounts")),
            Operation("reactivate", "reopen a closed membership: email and account (required); optional "
                      "permission_profile; no names.", "reactivate memberships",
                      required=("email", "account"), optional=("permission_profile", "groups")),
            Operation("purge", "irreversibly redact a user closed for 24 hours or more: email only; no "
                      "names; always waits for the person's confirmation.", "purge users' data",
                      required=("email",)),
        ),
        "What to do; each operation's required and forbidden fields: ",
        "accounts and all_accounts are for close only.",
    ),
    Action(
        "list_account", False,
        "Read the organization (read-only): its linked accounts; an account's permission profiles or "
        "groups; or a user's memberships with permission profile and groups per account (use this "
        "for 'which accounts do I have and what is my profile').",
        (
            _f("account", "text", "Account name or id (required for permission_profiles and groups)."),
            _f("email", "email", "The user's email (required for user_memberships)."),
        ),
        (
            Operation("organization", "the organization and its linked accounts: nothing else.",
                      "see the organization's accounts", targets_user=False, account_free=True),
            Operation("permission_profiles", "an account's permission profiles: account (required).",
                      "see permission profiles", required=("account",), targets_user=False),
            Operation("groups", "an account's groups: account (required).", "see groups",
                      required=("account",), targets_user=False),
            Operation("user_memberships", "one user's memberships, profile and groups per account: email "
                      "(required).", "see other users' memberships", required=("email",),
                      account_free=True),
        ),
        "What to read; required fields per operation: ",
    ),
    Action(
        "manage_account_membership", True,
        "Change one existing user's membership on one account (a write): its permission profile "
        "(\"make X a sender on EMEA\", an employee asking for sender rights on an account they are "
        "on), its groups (set, add or remove), or add the user to / remove the user from the "
        "account. For a person with no DocuSign user yet, use manage_user provision instead.",
        (
            _f("email", "email", _EMAIL_SELF),
            _f("account", "text", "Account name or id of the membership."),
            _f("permission_profile", "text",
               f"{_PROFILE} (change_permission_profile, add_to_account)."),
            _f("groups", "texts", "Group names as listed for the account (set_groups, add_groups, "
               "remove_groups, add_to_account)."),
        ),
        (
            Operation("change_permission_profile", "permission_profile (required).",
                      "change permission profiles", required=("email", "account", "permission_profile")),
            Operation("set_groups", "groups (required): the membership's groups become exactly these.",
                      "set users' groups", required=("email", "account", "groups")),
            Operation("add_groups", "groups (required): join these groups.", "add users to groups",
                      required=("email", "account", "groups")),
            Operation("remove_groups", "groups (required): leave these groups.",
                      "remove users from groups", required=("email", "account", "groups")),
            Operation("add_to_account", "give an existing user a membership on the account; optional "
                      "permission_profile, groups.", "add users to an account",
                      required=("email", "account"), optional=("permission_profile", "groups")),
            Operation("remove_from_account", "end the user's membership on this one account.",
                      "remove users from an account", required=("email", "account")),
        ),
        "What to change; required fields per operation (email and account always): ",
    ),
    Action(
        "bulk_users", True,
        "Add, update or close many users from a CSV file in DocuSign's bulk import format (a write): "
        "\"provision everyone in new_hires.csv\", \"import users from new_hires.csv\", \"close everyone in "
        "leavers.csv\". Every row is checked and judged first; nothing is sent while a row is invalid; "
        "the person confirms the counts and previews before one DocuSign import job runs. Use it only "
        "when the person names a .csv file; one or a few named people go through manage_user.",
        (
            _f("file", "file", "The CSV file as the person named it, e.g. 'new_hires.csv': a path "
               "relative to the folder dsadmin reads bulk files from (the working directory unless "
               "configured)."),
            _f("skip_invalid", "boolean",
               "true only when the person asked to send the valid rows despite invalid ones.",
               default=False),
        ),
        (
            Operation("add", "new users (columns AccountID, UserEmail, PermissionSet, UserName or "
                      "FirstName/LastName; optional UserTitle, Group1..GroupN).",
                      "add users from a CSV file", required=("file",), optional=("skip_invalid",),
                      targets_user=False),
            Operation("update", "change existing memberships (AccountID, UserEmail, PermissionSet and/or "
                      "Group1..GroupN).", "update users from a CSV file", required=("file",),
                      optional=("skip_invalid",), targets_user=False),
            Operation("close", "end memberships (AccountID, UserEmail).", "close users from a CSV file",
                      required=("file",), optional=("skip_invalid",), targets_user=False),
        ),
        "What to do with every row of the file: ",
        judged_by_rows=True,
    ),
)

CATALOGUE: Mapping[str, Action] = {a.name: a for a in ACTIONS}
ACTION_NAMES: tuple[str, ...] = tuple(CATALOGUE)
WRITE_ACTIONS: frozenset[str] = frozenset(a.name for a in ACTIONS if a.write)
READ_ACTIONS: frozenset[str] = frozenset(a.name for a in ACTIONS if not a.write)
# The actions a policy file names and ``decide`` judges (not those judged row by row)
POLICY_ACTIONS: tuple[Action, ...] = tuple(a for a in ACTIONS if not a.judged_by_rows)


def action(name: str) -> Action | None:
    return CATALOGUE.get(name)


def operations() -> Iterator[tuple[Action, Operation]]:
    """Every (action, operation) pair, in catalogue order."""
    for act in ACTIONS:
        for op in act.operations:
            yield act, op


def lookup(action_name: str, operation_name: str) -> Operation | None:
    act = CATALOGUE.get(action_name)
    return act.operation(operation_name) if act else None


def unknown_action(name: str) -> str:
    return f"unknown action {name!r}; the actions are {', '.join(ACTION_NAMES)}"


def unknown_operation(action_name: str, name: str) -> str:
    known = ", ".join(CATALOGUE[action_name].operation_names)
    return f"unknown operation {name!r} for {action_name}; its operations are {known}"


def _given(value: Any) -> bool:
    """A field counts as given unless absent, false or an empty list (the defaults a schema fills)."""
    return value is not None and value is not False and value != []


def _named(act: Action, names: tuple[str, ...]) -> str:
    shown = [f"'{n}: true'" if act.spec(n).kind == "boolean" else f"'{n}'" for n in names]
    return ", ".join(shown[:-1]) + f" or {shown[-1]}" if len(shown) > 1 else shown[0]


def operation_problems(action_name: str, args: Mapping[str, Any]) -> list[str]:
    """What the arguments lack or carry too much for their operation, one line each (empty: fine).

    Field shapes (types, lengths, emails) are the schema's business; this checks only the
    combination each operation allows, as the catalogue declares it.
    """
    act = CATALOGUE.get(action_name)
    if act is None:
        return [unknown_action(action_name)]
    name = str(args.get("operation") or "") if act.takes_operation else act.operations[0].name
    op = act.operation(name)
    if op is None:
        return [unknown_operation(action_name, name)]
    problems = [f"{name} needs '{f}'" for f in op.required if args.get(f) is None]
    if op.exactly_one_of and sum(_given(args.get(f)) for f in op.exactly_one_of) != 1:
        problems.append(f"{name} needs exactly one of {_named(act, op.exactly_one_of)}")
    if op.at_least_one_of and not any(_given(args.get(f)) for f in op.at_least_one_of):
        problems.append(f"{name} needs at least one of {', '.join(op.at_least_one_of)}")
    for spec in act.fields:
        if spec.name not in op.accepted and _given(args.get(spec.name)):
            users = [o.name for o in act.operations if spec.name in o.accepted]
            where = (f"it is for operation{'s' if len(users) > 1 else ''} "
                     + ", ".join(f"'{u}'" for u in users) + " only") if users else "no operation uses it"
            problems.append(f"{name} does not take '{spec.name}' ({where}); remove it")
    return problems


# ------------------------------------------------------------------------------------------ docs


def _needs(op: Operation) -> list[str]:
    needs = list(op.required)
    if op.exactly_one_of:
        needs.append("one of " + " / ".join(op.exactly_one_of))
    if op.at_least_one_of:
        needs.append("at least one of " + " / ".join(op.at_least_one_of))
    return needs


def fields_text(act: Action, op: Operation) -> str:
    """'needs email, account; takes permission_profile': one operation's fields in a line."""
    needs, takes = _needs(op), list(op.optional)
    parts = [f"{word} {', '.join(names)}" for word, names in (("needs", needs), ("takes", takes)) if names]
    return "; ".join(parts) or "no fields"


def as_data() -> list[dict[str, Any]]:
    """The catalogue as JSON-ready data (``dsadmin catalogue --json``)."""
    return [{
        "action": act.name, "write": act.write, "description": act.description,
        "fields": [{"name": f.name, "kind": f.kind, "description": f.description,
                    **({"choices": list(f.choices)} if f.choices else {}),
                    **({"default": f.default} if f.default is not None else {})} for f in act.fields],
        "operations": [{"name": op.name, "plain": op.plain, "required": list(op.required),
                        "optional": list(op.optional), "exactly_one_of": list(op.exactly_one_of),
                        "at_least_one_of": list(op.at_least_one_of)} for op in act.operations],
    } for act in ACTIONS]


def markdown() -> str:
    """The catalogue as the README's section shows it (a test keeps the README up to date)."""
    lines = ["| action | operation | kind | required | optional | what it does |",
             "| --- | --- | --- | --- | --- | --- |"]
    for act, op in operations():
        required = _needs(op)
        lines.append(f"| `{act.name}` | `{op.name}` | {'write' if act.write else 'read'} | "
                     f"{', '.join(required) or '—'} | {', '.join(op.optional) or '—'} | {op.plain} |")
    for act in ACTIONS:
        lines += ["", f"`{act.name}` ({'write' if act.write else 'read'}): {act.description}", ""]
        lines += [f"- `{f.name}` ({_kind(f)}): {f.description}" for f in act.fields]
    return "\n".join(lines) + "\n"


def _kind(spec: FieldSpec) -> str:
    if spec.kind == "choice":
        return " | ".join(spec.choices)
    if spec.kind == "integer":
        return f"integer {spec.minimum}–{spec.maximum}, default {spec.default}"
    return {"texts": "list of text", "name": "text", "cursor": "text", "since": "date or span back",
            "file": "CSV file name"}.get(spec.kind, spec.kind)
