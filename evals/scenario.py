"""The scenario file: one YAML document per scenario, read strictly.

Why strict: a scenario set is a measuring instrument. A misspelt key (``forbiden:``) that were
silently ignored would turn a safety check into a check of nothing, so every unknown key is
refused with the file and the field path named. The names are exactly those of the evals issue,
so scenario sets stay portable between checkouts and backends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from policies import catalogue
from policies.decision import Outcome
from policies.problems import field_problems

# the outcomes a scenario may expect: policies.decision.Outcome's words for a request's ending
OUTCOMES = tuple(o.value for o in (Outcome.DONE, Outcome.DENIED, Outcome.PENDING_APPROVAL,
                                   Outcome.NEEDS_CONFIRMATION, Outcome.CLARIFY, Outcome.ERROR))
# The words people and fixtures use for a membership waiting for activation.
PENDING_STATUSES = frozenset({"pending", "activation_required", "activation_sent"})
# Every membership is in the account's Everyone group; the fixture shape leaves it implicit.
IMPLICIT_GROUPS = frozenset({"everyone"})
REPORTED_TAGS = ("admin", "employee", "approval", "confirm", "deny", "error", "injection")
# The actions that change the organization; any proposal of one fails ``calls.no_writes``.
WRITE_ACTIONS = catalogue.WRITE_ACTIONS
ACTIONS = catalogue.ACTION_NAMES


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and what to fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MembershipExpect(_Strict):
    """What one account's membership must look like; only the fields given are compared.

    ``status: absent`` means the user has no membership on that account at all.
    """

    status: str | None = None
    permission_profile: str | None = None
    groups: list[str] | None = None
    job_title: str | None = None

    @model_validator(mode="after")
    def _absent_stands_alone(self) -> MembershipExpect:
        if self.status == "absent" and (self.permission_profile or self.groups is not None or self.job_title):
            raise ValueError("status 'absent' means no membership; drop permission_profile/groups/job_title")
        return self


class UserExpect(_Strict):
    """A partial description of one user in the sandbox's final state (fixture shape)."""

    email: str
    exists: bool | None = None
    first_name: str | None = None
    last_name: str | None = None
    user_status: str | None = None
    redacted: bool | None = None
    memberships: dict[str, MembershipExpect] = Field(default_factory=dict)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()

    @model_validator(mode="after")
    def _exists_false_stands_alone(self) -> UserExpect:
        if self.exists is False and self.describes_state():
            raise ValueError("exists: false cannot be combined with other fields")
        return self

    def describes_state(self) -> bool:
        """Whether anything beyond ``exists`` is asked of the user."""
        return bool(self.first_name or self.last_name or self.user_status or self.redacted is not None
                    or self.memberships)


class CallsExpect(_Strict):
    """What the agent must (not) have proposed to the gate during the whole scenario.

    Why calls and not only state: a question answered with a write that the gate happened to
    deny, or that waits for a confirmation, leaves the sandbox unchanged, yet the agent
    misunderstood. ``no_writes`` catches every write proposal whatever its outcome.
    """

    no_writes: bool = False
    actions: list[Literal[ACTIONS]] = Field(default_factory=list)  # type: ignore[valid-type]


class Expect(_Strict):
    outcome: Literal[OUTCOMES] | None = None  # type: ignore[valid-type]
    unchanged: bool = False
    only_listed_users_change: bool = False
    users: list[UserExpect] = Field(default_factory=list)
    forbidden: list[UserExpect] = Field(default_factory=list)
    reply_contains: list[str] = Field(default_factory=list)
    reply_excludes: list[str] = Field(default_factory=list)
    calls: CallsExpect | None = None

    @field_validator("reply_contains", "reply_excludes")
    @classmethod
    def _no_empty_needles(cls, needles: list[str]) -> list[str]:
        if any(not n.strip() for n in needles):
            raise ValueError("an empty string matches every reply; remove it")
        return needles

    @field_validator("forbidden")
    @classmethod
    def _forbidden_says_something(cls, entries: list[UserExpect]) -> list[UserExpect]:
        for i, entry in enumerate(entries):
            if entry.exists is None and not entry.describes_state():
                raise ValueError(
                    f"entry {i} ({entry.email}) names no state; give exists: true or the memberships "
                    "that must not be reached"
                )
        return entries


class Turn(_Strict):
    """One step: the actor says something, or a person answers a confirmation or an approval.

    ``if_pending: true`` on a confirm/approve/deny turn makes it conditional: with nothing
    pending the turn is skipped (the scenario's outcome stays that of the turn before), for
    requests an agent may rightly carry out at once or rightly ask to confirm first. Without it,
    a turn with nothing pending ends ``error``.
    """

    say: str | None = None
    confirm: bool | None = None
    approve: str | None = None
    deny: str | None = None
    if_pending: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> Turn:
        given = [k for k in ("say", "confirm", "approve", "deny") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "a turn has exactly one of say, confirm, approve, deny" + (f" (got {', '.join(given)})"
                                                                          if given else "")
            )
        if self.say is not None and not self.say.strip():
            raise ValueError("say: is empty")
        if self.if_pending and self.say is not None:
            raise ValueError("if_pending applies to confirm, approve and deny turns, not to say")
        for name in ("approve", "deny"):
            who = getattr(self, name)
            if who is not None and "@" not in who:
                raise ValueError(f"{name}: {who!r} is not an email (the person who answers the request)")
        return self

    @property
    def kind(self) -> str:
        for name in ("say", "confirm", "approve", "deny"):
            if getattr(self, name) is not None:
                return name
        raise AssertionError("unreachable: validated to have one kind")


class Scenario(_Strict):
    id: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    tags: list[str] = Field(default_factory=list)
    description: str = ""
    fixture: str = "acme"
    setup: dict[str, Any] | None = None
    actor: str
    turns: list[Turn] = Field(min_length=1)
    expect: Expect
    # Where the scenario came from; not a YAML key (excluded from validation of the file's keys).
    source: str = Field("", exclude=True)

    @field_validator("setup")
    @classmethod
    def _setup_shape(cls, setup: dict[str, Any] | None) -> dict[str, Any] | None:
        if setup is None:
            return None
        unknown = sorted(set(setup) - {"accounts", "users"})
        if unknown:
            raise ValueError(f"unknown key(s) {', '.join(unknown)}; setup takes accounts and users")
        for key in ("accounts", "users"):
            items = setup.get(key, [])
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise ValueError(f"{key} must be a list of mappings (fixture shape)")
        for i, user in enumerate(setup.get("users", [])):
            if not isinstance(user.get("email"), str):
                raise ValueError(f"users.{i} has no email")
        return setup

    @field_validator("actor")
    @classmethod
    def _actor_email(cls, value: str) -> str:
        value = value.strip().lower()
        if "@" not in value:
            raise ValueError(f"{value!r} is not an email")
        return value

    @field_validator("tags")
    @classmethod
    def _tags_lower(cls, tags: list[str]) -> list[str]:
        return [t.strip().lower() for t in tags]


def _describe(error: ValidationError, source: str) -> str:
    lines = field_problems(
        error, unknown="unknown key; check its spelling against the scenario format (evals/README.md)"
    )
    heading = f"{source}: {error.error_count()} problem(s) in the scenario:"
    return "\n".join([heading, *(f"  {line}" for line in lines)])


def parse_scenario(data: object, source: str = "<scenario>") -> Scenario:
    """Validate one scenario document; raise ``ScenarioError`` naming the file and each bad field."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario is a mapping with id, actor, turns and expect")
    if "source" in data:
        raise ScenarioError(f"{source}: source: unknown key; check its spelling against the scenario format")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_describe(exc, source)) from None
    return scenario.model_copy(update={"source": source})


def load_scenario(path: Path) -> Scenario:
    from policies.textfiles import load_yaml

    return parse_scenario(load_yaml(path, "scenario", error=ScenarioError), str(path))


def _scenario_files(path: Path) -> tuple[list[Path], str | None]:
    """The scenario files ``path`` names, or a problem saying why it names none."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        return files, None if files else f"{path}: no *.yaml scenario files in this folder"
    if path.is_file():
        return [path], None
    return [], f"{path}: no such scenario file or folder"


def load_scenarios(paths: list[Path], tags: list[str] | None = None) -> list[Scenario]:
    """Every scenario under ``paths`` (files or folders, recursively), ids unique, optionally by tag.

    All files are read before anything runs, and every broken file is reported at once.
    """
    scenarios: list[Scenario] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in paths:
        files, problem = _scenario_files(path)
        if problem:
            problems.append(problem)
        for file in files:
            try:
                scenario = load_scenario(file)
            except ScenarioError as exc:
                problems.append(str(exc))
                continue
            if scenario.id in seen:
                problems.append(f"{file}: id {scenario.id!r} is already used by {seen[scenario.id]}")
                continue
            seen[scenario.id] = str(file)
            scenarios.append(scenario)
    if problems:
        raise ScenarioError("\n".join(problems))
    if tags:
        wanted = {t.strip().lower() for t in tags}
        scenarios = [s for s in scenarios if wanted & set(s.tags)]
    return scenarios
