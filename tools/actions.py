"""The four declared actions: the only things a model may ask for.

One pydantic model per action is its schema three times over: the JSON schema the model reads
(descriptions are written for a model), the validator the gate runs on whatever the model sent
(unknown fields, oversized or non-text values and malformed emails are refused before anything
else happens), and the typed input the operations code consumes. A model's proposal arrives as
``ToolCall`` with raw ``args``; only ``parse_call`` turns it into one of these.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

ACTION_NAMES: tuple[str, ...] = (
    "list_users", "manage_user", "list_account", "manage_account_membership", "bulk_users",
)

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")

# Printable text only: a control character in a name is an injection vector, not a name.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                        pattern=r"^[^\x00-\x1f\x7f]+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50,
                                        pattern=r"^[^\x00-\x1f\x7f]+$")]
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=100,
                                         pattern=EMAIL_RE.pattern)]
GroupList = Annotated[list[Text], Field(max_length=20)]
# "since when": an ISO 8601 date or date-time, a span back from now (90m, 24h, 3d, 2w), today or yesterday
SINCE_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,5}[mhdwMHDW]|[Tt]oday|[Yy]esterday)$"
)
Since = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=40,
                                         pattern=SINCE_RE.pattern)]
# a CSV named by the person: a relative path inside the folder dsadmin reads bulk files from
FileName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200,
                                            pattern=r"^[^\x00-\x1f\x7f]+$")]


class ToolCall(BaseModel):
    """A proposal exactly as the model made it: untrusted until ``parse_call`` accepts it."""

    model_config = ConfigDict(frozen=True)

    id: str
    action: str
    args: dict[str, Any] = Field(default_factory=dict)


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def operation_name(self) -> str:
        return getattr(self, "operation", "list")

    def target_email(self) -> str | None:
        return getattr(self, "email", None)


class ListUsers(_Action):
    """List and search users across the organization (read-only). Use it for "who is pending",
    "who is on account X", "find Maya" or to check whether an email is a user at all. Without
    `account`, every linked account is covered. 'Pending' means the membership waits for
    activation. For one known user's memberships, list_account user_memberships is more direct."""

    email: Email | None = Field(None, description="Exact email to look up; omit to list many users.")
    status: Literal["active", "pending", "closed", "disabled"] | None = Field(
        None, description="Membership status filter. 'pending' = activation_required or activation_sent "
        "(invited, not yet activated). Omit for every status."
    )
    name_contains: Text | None = Field(
        None, description="Fragment of the person's name or of the email's user part, e.g. 'maya'."
    )
    account: Text | None = Field(None, description="Account name or id; omit for all accounts.")
    last_modified_since: Since | None = Field(
        None, description="Only users changed since then ('what changed since yesterday', 'who was "
        "modified in the last 3 days'): an ISO 8601 date or date-time in UTC (2026-11-30, "
        "2026-11-30T09:00:00Z), a span back from now ('90m' minutes, '24h', '3d', '2w'), or 'today' / "
        "'yesterday' "
        "(from the start of that UTC day)."
    )
    page_size: int = Field(50, ge=1, le=100, description="Rows per page, at most 100.")
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        None, description="The `next_cursor` of a previous page, to continue; omit for the first page."
    )

    @field_validator("last_modified_since")
    @classmethod
    def _since_is_a_date(cls, since: str | None) -> str | None:
        if since and since[0].isdigit() and since[-1] not in "mhdw":
            try:
                datetime.fromisoformat(since.upper().replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"{since!r} is not a real date; use YYYY-MM-DD") from None
        return since


class ManageUser(_Action):
    """Create, change, close, reopen or erase a DocuSign user (a write). Use provision for a new
    seat ("give X a seat", "onboard X", an employee asking for access), update to fix a name or job
    title, close when someone leaves or must lose access, reactivate to reopen a closed
    membership, purge only when asked to permanently erase a user closed 24 hours or more.
    Changing an existing membership's profile or groups is manage_account_membership, not this."""

    operation: Literal["provision", "update", "close", "reactivate", "purge"] = Field(
        description="What to do; each operation's required and forbidden fields: "
        "provision = new user, or a new membership for an existing user: email; optional account "
        "(default: the default account), permission_profile, groups, first_name, last_name, job_title. "
        "update = change names or job title: email and at least one of first_name, last_name, "
        "job_title; optional account (whose job title changes). "
        "close = end memberships: email and exactly one of account, accounts or all_accounts: true; "
        "no names. "
        "reactivate = reopen a closed membership: email and account (required); optional "
        "permission_profile; no names. "
        "purge = irreversibly redact a user closed for 24 hours or more: email only; no names; "
        "always waits for the person's confirmation. "
        "accounts and all_accounts are for close only."
    )
    email: Email = Field(description="The user's email address (for employees: their own).")
    first_name: Name | None = Field(None, description="First name (provision, update only).")
    last_name: Name | None = Field(None, description="Last name (provision, update only).")
    job_title: Text | None = Field(None, description="Job title (provision, update only).")
    account: Text | None = Field(
        None,
        description="Account name or id. provision: account to join (omit for the default account); "
        "update: the account whose job title changes; close/reactivate: the membership's account.",
    )
    accounts: Annotated[list[Text], Field(max_length=20)] | None = Field(
        None, description="close only: several account names or ids at once (instead of account)."
    )
    all_accounts: bool = Field(
        False, description="close only: true closes every membership of the user (instead of account)."
    )
    permission_profile: Text | None = Field(
        None, description="Permission profile name as listed for the account, e.g. 'DocuSign Sender' "
        "(provision, reactivate)."
    )
    groups: GroupList | None = Field(
        None, description="Group names to join on the account (provision), as listed for the account."
    )

    @model_validator(mode="after")
    def _fields_fit_operation(self) -> ManageUser:
        op = self.operation
        if op != "close" and (self.accounts or self.all_accounts):
            raise ValueError("'accounts' and 'all_accounts' are for operation 'close' only")
        if op == "close":
            forms = sum([self.account is not None, bool(self.accounts), self.all_accounts])
            if forms != 1:
                raise ValueError("close needs exactly one of 'account', 'accounts' or 'all_accounts: true'")
        if op == "reactivate" and self.account is None:
            raise ValueError("reactivate needs 'account': the account whose closed membership to reopen")
        if op == "update" and not (self.first_name or self.last_name or self.job_title):
            raise ValueError("update needs at least one of first_name, last_name, job_title")
        if op in ("close", "purge", "reactivate") and (self.first_name or self.last_name):
            raise ValueError(f"{op} does not take names")
        return self


class ListAccount(_Action):
    """Read the organization (read-only): its linked accounts; an account's permission profiles or
    groups; or a user's memberships with permission profile and groups per account (use this for
    'which accounts do I have and what is my profile')."""

    operation: Literal["organization", "permission_profiles", "groups", "user_memberships"] = Field(
        description="What to read; required fields per operation: "
        "organization = the organization and its linked accounts: nothing else. "
        "permission_profiles = an account's permission profiles: account (required). "
        "groups = an account's groups: account (required). "
        "user_memberships = one user's memberships, profile and groups per account: email (required)."
    )
    account: Text | None = Field(
        None, description="Account name or id (required for permission_profiles and groups)."
    )
    email: Email | None = Field(None, description="The user's email (required for user_memberships).")

    @model_validator(mode="after")
    def _fields_fit_operation(self) -> ListAccount:
        if self.operation in ("permission_profiles", "groups") and self.account is None:
            raise ValueError(f"{self.operation} needs 'account'")
        if self.operation == "user_memberships" and self.email is None:
            raise ValueError("user_memberships needs 'email'")
        return self


class ManageAccountMembership(_Action):
    """Change one existing user's membership on one account (a write): its permission profile
    ("make X a sender on EMEA", an employee asking for sender rights on an account they are on),
    its groups (set, add or remove), or add the user to / remove the user from the account. For a
    person with no DocuSign user yet, use manage_user provision instead."""

    operation: Literal[
        "change_permission_profile", "set_groups", "add_groups", "remove_groups",
        "add_to_account", "remove_from_account",
    ] = Field(
        description="What to change; required fields per operation (email and account always): "
        "change_permission_profile = permission_profile (required). "
        "set_groups = groups (required): the membership's groups become exactly these. "
        "add_groups = groups (required): join these groups. "
        "remove_groups = groups (required): leave these groups. "
        "add_to_account = give an existing user a membership on the account; optional "
        "permission_profile, groups. "
        "remove_from_account = end the user's membership on this one account."
    )
    email: Email = Field(description="The user's email address (for employees: their own).")
    account: Text = Field(description="Account name or id of the membership.")
    permission_profile: Text | None = Field(
        None, description="Permission profile name as listed for the account (change_permission_profile, "
        "add_to_account)."
    )
    groups: GroupList | None = Field(
        None, description="Group names as listed for the account (set_groups, add_groups, remove_groups, "
        "add_to_account)."
    )

    @model_validator(mode="after")
    def _fields_fit_operation(self) -> ManageAccountMembership:
        op = self.operation
        if op == "change_permission_profile" and not self.permission_profile:
            raise ValueError("change_permission_profile needs 'permission_profile'")
        if op in ("set_groups", "add_groups", "remove_groups") and self.groups is None:
            raise ValueError(f"{op} needs 'groups'")
        return self


class BulkUsers(_Action):
    """Add, update or close many users from a CSV file in DocuSign's bulk import format (a write):
    "provision everyone in new_hires.csv", "import users from new_hires.csv", "close everyone in
    leavers.csv". Every row is checked and judged first; nothing is sent while a row is invalid;
    the person confirms the counts and previews before one DocuSign import job runs. Use it only
    when the person names a .csv file; one or a few named people go through manage_user."""

    operation: Literal["add", "update", "close"] = Field(
        description="add = new users (columns AccountID, UserEmail, PermissionSet, UserName or "
        "FirstName/LastName; optional UserTitle, Group1..GroupN). update = change existing "
        "memberships (AccountID, UserEmail, PermissionSet and/or Group1..GroupN). close = end "
        "memberships (AccountID, UserEmail)."
    )
    file: FileName = Field(
        description="The CSV file as the person named it, e.g. 'new_hires.csv': a path relative to "
        "the folder dsadmin reads bulk files from (the working directory unless configured)."
    )
    skip_invalid: bool = Field(
        False, description="true only when the person asked to send the valid rows despite invalid ones."
    )


ACTION_MODELS: dict[str, type[_Action]] = {
    "list_users": ListUsers,
    "manage_user": ManageUser,
    "list_account": ListAccount,
    "manage_account_membership": ManageAccountMembership,
    "bulk_users": BulkUsers,
}
AnyAction = ListUsers | ManageUser | ListAccount | ManageAccountMembership | BulkUsers
WRITE_ACTIONS = frozenset({"manage_user", "manage_account_membership", "bulk_users"})


class InvalidCall(ValueError):
    """The proposal does not parse: each problem names its field and what to change."""

    def __init__(self, action: str, problems: list[str]):
        self.action = action
        self.problems = problems
        super().__init__(f"{action}: " + "; ".join(problems))


def parse_call(call: ToolCall) -> AnyAction:
    """Validate a proposal; raise ``InvalidCall`` naming every bad field. Never partially accepts."""
    model = ACTION_MODELS.get(call.action)
    if model is None:
        raise InvalidCall(call.action, [f"unknown action; use one of {', '.join(ACTION_NAMES)}"])
    try:
        return model.model_validate(call.args)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "arguments"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field; remove it"
            elif err["type"] == "string_pattern_mismatch" and "email" in where:
                msg = f"{err.get('input')!r} is not a valid email address"
            elif err["type"] == "string_pattern_mismatch" and where == "last_modified_since":
                msg = (f"{err.get('input')!r} is not a date; use an ISO date (2026-11-30), a span back "
                       "from now (90m, 24h, 3d, 2w), today or yesterday")
            elif err["type"] == "string_pattern_mismatch":
                msg = "must be printable text without control characters"
            problems.append(f"{where}: {msg}")
        raise InvalidCall(call.action, problems) from None


def tool_schemas() -> list[dict[str, Any]]:
    """The actions as Anthropic tool definitions (name, description, input_schema)."""
    tools = []
    for name, model in ACTION_MODELS.items():
        schema = model.model_json_schema()
        description = " ".join((schema.pop("description", "") or "").split())
        schema.pop("title", None)
        tools.append({"name": name, "description": description, "input_schema": schema})
    return tools
