"""The four declared actions as pydantic models: the only things a model may ask for.

The actions, their operations and each operation's fields are declared once, as data, in
``policies.catalogue``; these models are that catalogue as types. Each model is its schema three
times over: the JSON schema the model reads (every description comes from the catalogue), the
validator the gate runs on whatever the model sent (unknown fields, oversized or non-text values
and malformed emails are refused before anything else happens, and each operation's required and
forbidden fields are checked by ``catalogue.operation_problems``), and the typed input the
operations code consumes. The classes are written out, not generated, so that the operations code
is type-checked against them; ``tests/tools/test_actions.py`` proves they agree with the catalogue
field by field. A model's proposal arrives as ``ToolCall`` with raw ``args``; only ``parse_call``
turns it into one of these.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from policies import catalogue
from policies.call import ToolCall as ToolCall  # re-exported: callers above policies import it here
from policies.problems import field_problems
from tools.values import sentence_problem

ACTION_NAMES: tuple[str, ...] = catalogue.ACTION_NAMES
WRITE_ACTIONS = catalogue.WRITE_ACTIONS

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")

# Printable text only: a control character in a name is an injection vector, not a name.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                        pattern=r"^[^\x00-\x1f\x7f]+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50,
                                        pattern=r"^[^\x00-\x1f\x7f]+$")]
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=100,
                                         pattern=EMAIL_RE.pattern)]
Cursor = Annotated[str, StringConstraints(max_length=200)]
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


def _about(action: str, name: str) -> str:
    """The catalogue's description of one field (or of the operation field) of ``action``."""
    act = catalogue.CATALOGUE[action]
    return act.operation_description() if name == "operation" else act.spec(name).description


class _Action(BaseModel):
    """Common behaviour: the catalogue's per-operation rules, checked after the field shapes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    action_name: ClassVar[str] = ""

    def operation_name(self) -> str:
        return getattr(self, "operation", "list")

    def target_email(self) -> str | None:
        return getattr(self, "email", None)

    @model_validator(mode="after")
    def _fields_fit_operation(self) -> _Action:
        problems = catalogue.operation_problems(self.action_name, dict(self))
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ListUsers(_Action):
    """list_users: a read over users (see the catalogue for what the model is told)."""

    action_name: ClassVar[str] = "list_users"

    email: Email | None = Field(None, description=_about(action_name, "email"))
    status: Literal["active", "pending", "closed", "disabled"] | None = Field(
        None, description=_about(action_name, "status"))
    name_contains: Text | None = Field(None, description=_about(action_name, "name_contains"))
    account: Text | None = Field(None, description=_about(action_name, "account"))
    permission_profile: Text | None = Field(None, description=_about(action_name, "permission_profile"))
    group: Text | None = Field(None, description=_about(action_name, "group"))
    last_modified_since: Since | None = Field(
        None, description=_about(action_name, "last_modified_since"))
    page_size: int = Field(50, ge=1, le=100, description=_about(action_name, "page_size"))
    cursor: Cursor | None = Field(None, description=_about(action_name, "cursor"))

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
    """manage_user: create, change, close, reopen or erase a user (a write)."""

    action_name: ClassVar[str] = "manage_user"

    operation: Literal["provision", "update", "close", "reactivate", "purge"] = Field(
        description=_about(action_name, "operation"))
    email: Email = Field(description=_about(action_name, "email"))
    first_name: Name | None = Field(None, description=_about(action_name, "first_name"))
    last_name: Name | None = Field(None, description=_about(action_name, "last_name"))
    job_title: Text | None = Field(None, description=_about(action_name, "job_title"))
    account: Text | None = Field(None, description=_about(action_name, "account"))
    accounts: GroupList | None = Field(None, description=_about(action_name, "accounts"))
    all_accounts: bool = Field(False, description=_about(action_name, "all_accounts"))
    permission_profile: Text | None = Field(None, description=_about(action_name, "permission_profile"))
    groups: GroupList | None = Field(None, description=_about(action_name, "groups"))

    @field_validator("first_name", "last_name", "job_title")
    @classmethod
    def _a_value_not_a_sentence(cls, value: str | None) -> str | None:
        """A name or title carrying the sentence around it is refused, never written."""
        problem = sentence_problem(value)
        if problem:
            raise ValueError(f"{problem}: give the value on its own, e.g. in quotes")
        return value


class ListAccount(_Action):
    """list_account: a read of the organization, an account's vocabulary or a user's memberships."""

    action_name: ClassVar[str] = "list_account"

    operation: Literal["organization", "permission_profiles", "groups", "user_memberships"] = Field(
        description=_about(action_name, "operation"))
    account: Text | None = Field(None, description=_about(action_name, "account"))
    email: Email | None = Field(None, description=_about(action_name, "email"))


class ManageAccountMembership(_Action):
    """manage_account_membership: change one existing membership (a write)."""

    action_name: ClassVar[str] = "manage_account_membership"

    operation: Literal[
        "change_permission_profile", "set_groups", "add_groups", "remove_groups",
        "add_to_account", "remove_from_account",
    ] = Field(description=_about(action_name, "operation"))
    email: Email = Field(description=_about(action_name, "email"))
    account: Text = Field(description=_about(action_name, "account"))
    permission_profile: Text | None = Field(None, description=_about(action_name, "permission_profile"))
    groups: GroupList | None = Field(None, description=_about(action_name, "groups"))


class BulkUsers(_Action):
    """bulk_users: many rows from a CSV file, judged row by row (the catalogue says what the model reads)."""

    action_name: ClassVar[str] = "bulk_users"

    operation: Literal["add", "update", "close"] = Field(description=_about(action_name, "operation"))
    file: FileName = Field(description=_about(action_name, "file"))
    skip_invalid: bool = Field(False, description=_about(action_name, "skip_invalid"))


ACTION_MODELS: dict[str, type[_Action]] = {
    model.action_name: model
    for model in (ListUsers, ManageUser, ListAccount, ManageAccountMembership, BulkUsers)
}
AnyAction = ListUsers | ManageUser | ListAccount | ManageAccountMembership | BulkUsers


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
        # ACTION_MODELS holds exactly AnyAction's members
        return cast(AnyAction, model.model_validate(call.args))
    except ValidationError as exc:
        problems = field_problems(exc, unknown="unknown field; remove it", top="arguments",
                                  reword=_pattern_help)
        raise InvalidCall(call.action, problems) from None


def _pattern_help(err: ErrorDetails, where: str) -> str | None:
    """A value that fails its field's pattern is told what the field wants."""
    if err["type"] != "string_pattern_mismatch":
        return None
    if "email" in where:
        return f"{err.get('input')!r} is not a valid email address"
    if where == "last_modified_since":
        return (f"{err.get('input')!r} is not a date; use an ISO date (2026-11-30), a span back "
                "from now (90m, 24h, 3d, 2w), today or yesterday")
    return "must be printable text without control characters"


def tool_schemas() -> list[dict[str, Any]]:
    """The actions as Anthropic tool definitions (name, description, input_schema), in catalogue
    order: the catalogue's description, and the model's JSON schema (its field descriptions are the
    catalogue's too). The MCP server serves the same list."""
    tools = []
    for act in catalogue.ACTIONS:
        schema = ACTION_MODELS[act.name].model_json_schema()
        schema.pop("description", None)
        schema.pop("title", None)
        tools.append({"name": act.name, "description": act.description, "input_schema": schema})
    return tools
