"""What every operation shares: the resolved target, the plan it makes, and the words it uses.

An operation is split in three so the gate can put policy between the halves that matter:
``resolve`` turns names into ids and fetches the target user (fresh, never from a cache: a plan
built on stale state would write the wrong thing); ``plan`` decides, with reads at most, what
would change (or that nothing would, or that the request cannot work and why); ``Plan.run`` makes
the requests. The gate asks the policy after ``resolve``, plans before it issues a confirmation or
an approval (so nobody confirms a no-op or an impossible change), and runs only inside its permit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel

from policies.preview import PreviewRow
from tools.docusign import models

if TYPE_CHECKING:  # annotations only: the client and directory are the gate's, handed in
    from tools.docusign.client import AdminClient
    from tools.docusign.resolvers import AccountRef, Directory, GroupRef, ProfileRef
    from tools.operations._readback import Expect
    from tools.results import ErrorCause

User = models.UserDrilldownResponse
Membership = models.MembershipResponse

T = TypeVar("T")

CLOSED = "closed"
PENDING_STATUSES = frozenset({"activation_required", "activation_sent"})
EVERYONE_GROUP = "everyone_group"


class OperationError(Exception):
    """The request cannot be carried out as asked; nothing was changed. Worded for a person."""

    def __init__(self, message: str, *, fix: str | None = None, suggestions: Iterable[str] = (),
                 cause: ErrorCause | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.suggestions = list(suggestions)
        self.cause = cause  # typed, carried to ``Error.cause``: what acts on it never reads ``message``


@dataclass(frozen=True)
class Env:
    """What operations may use: the client (reads; writes only inside the gate's permit), the
    cached name directory, the organization and the gate's clock."""

    client: AdminClient
    directory: Directory
    org_id: str
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    max_concurrency: int = 8
    # a re-run of a call a person already confirmed or approved: checks that only time could
    # change and that passed when it was asked (time moves one way) need not be repeated
    rerun: bool = False


@dataclass(frozen=True)
class Target:
    """The call's names as ids, plus the target user as DocuSign has it now (None: no such user)."""

    accounts: tuple[AccountRef, ...] = ()
    profile: ProfileRef | None = None
    groups: tuple[GroupRef, ...] = ()
    user: User | None = None
    user_checked: bool = False


@dataclass(frozen=True)
class Outcome:
    summary: str
    changed: bool = False
    data: Any = None
    next_cursor: str | None = None


@dataclass(frozen=True)
class Write:
    """One Admin API write: the ``AdminClient`` method, the ids after the organization id in its
    path (account, user, membership), and the body as the spec's model."""

    method: str
    path: tuple[str, ...]
    body: BaseModel
    # what DocuSign shows once it took effect: read back after a lost answer
    expect: Expect | None = None


@dataclass(frozen=True)
class Plan:
    """What running the call would do, decided before anything is written.

    A plan with ``writes`` changes DocuSign: the gate runs them in order inside its permit and
    reports ``done``. A plan without writes only reads (``read``), or has nothing to change and
    says so (``nothing_to_do``): the gate then asks no confirmation and no approval.
    """

    summary: str
    writes: tuple[Write, ...] = ()
    done: str = ""
    read: Callable[[], Outcome] | None = None
    preview: tuple[PreviewRow, ...] = ()

    @classmethod
    def reading(cls, summary: str, read: Callable[[], Outcome]) -> Plan:
        return cls(summary=summary, read=read)

    @classmethod
    def nothing_to_do(cls, summary: str, data: Any = None) -> Plan:
        outcome = Outcome(summary=summary, changed=False, data=data)
        return cls(summary=summary, read=lambda: outcome)

    @classmethod
    def writing(cls, summary: str, done: str, *writes: Write, preview: Iterable[PreviewRow] = ()) -> Plan:
        return cls(summary=summary, writes=writes, done=done, preview=tuple(preview))

    def run(self, env: Env) -> Outcome:
        if not self.writes:
            assert self.read is not None
            return self.read()
        from tools.operations import _readback  # it builds on this module

        notes = []
        for i, write in enumerate(self.writes):
            try:
                note = _readback.send(env, write, self.summary)
            except Exception as exc:
                if i == 0:
                    raise
                made = ", ".join(w.method for w in self.writes[:i])
                raise OperationError(
                    f"only part of '{self.summary}' was done: {made} succeeded, then {write.method} "
                    f"failed ({exc})", fix="check the user with list_account 'user_memberships' and finish "
                    "the change by hand or ask again") from exc
            if note:
                notes.append(note)
        data: dict[str, Any] = {"requests": [w.method for w in self.writes]}
        if notes:
            data["answer_lost"] = True
        return Outcome(summary=" ".join([self.done, *dict.fromkeys(notes)]), changed=True, data=data)


def write(method: str, *path: str, model: str, body: dict[str, Any], expect: Expect | None = None) -> Write:
    """A write whose body is checked against the spec's definition now, before any request;
    ``expect`` (a ``_readback.Expect``) says how to tell it took effect if its answer is lost."""
    return Write(method, tuple(path), spec_model(model, body), expect)


def fetch_user(env: Env, email: str) -> User | None:
    """The user's drilldown as DocuSign has it right now (the directory's copy is dropped first)."""
    env.directory.invalidate_user(email)
    return env.directory.user(email)


def given(value: T | None, field: str) -> T:
    """A field the action's validator requires for this operation (so never None here); should a
    call reach an operation without it anyway, it is refused rather than run on a blank."""
    if value is None:
        raise OperationError(f"{field} is required for this operation; nothing was changed",
                             fix=f"give the {field}")
    return value


def require_user(target: Target, email: str | None, *, hint: str | None = None) -> User:
    if target.user is None:
        raise OperationError(
            f"no DocuSign user with email {email} in this organization; nothing was changed",
            fix=hint or "check the spelling of the email, or list users with list_users",
            cause="unknown_user",
        )
    return target.user


def memberships(user: User | None) -> list[Membership]:
    return list(getattr(user, "memberships", None) or [])


def membership_on(user: User | None, account_id: str) -> Membership | None:
    """The user's membership on an account; the open one wins over older closed ones."""
    found = [m for m in memberships(user) if str(m.account_id).lower() == str(account_id).lower()]
    found.sort(key=lambda m: (m.status or "") == CLOSED)
    return found[0] if found else None


def is_closed(membership: Membership) -> bool:
    return (membership.status or "").lower() == CLOSED


def profile_name(membership: Membership | None) -> str | None:
    profile = membership.permission_profile if membership is not None else None
    return profile.name if profile is not None else None


def profile_id(membership: Membership | None) -> int | None:
    profile = membership.permission_profile if membership is not None else None
    return int(profile.id) if profile is not None and profile.id is not None else None


def group_names(membership: Membership | None) -> list[str]:
    """The groups a person chose (the account's everyone group, which all members are in, left out)."""
    return [g.name for g in _groups(membership)
            if g.name and (g.type or "").lower() != EVERYONE_GROUP]


def group_ids(membership: Membership | None) -> set[int]:
    return {int(g.id) for g in _groups(membership) if g.id is not None}


def _groups(membership: Membership | None) -> list[models.MemberGroupResponse]:
    return list(membership.groups or []) if membership is not None else []


def membership_view(membership: Membership) -> dict[str, Any]:
    """A membership as a person reads it: account, status, profile, groups."""
    return {
        "account": membership.account_name,
        "account_id": str(membership.account_id),
        "status": membership.status,
        "permission_profile": profile_name(membership),
        "groups": group_names(membership),
    }


def user_view(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "email": user_email(user),
        "name": " ".join(p for p in (user.first_name, user.last_name) if p) or user.user_name,
        "user_status": user.user_status,
        "memberships": [membership_view(m) for m in memberships(user)],
    }


def user_email(user: User | models.OrganizationUserResponse) -> str | None:
    """A drilldown carries the email on its memberships; a listing's row carries it itself."""
    if isinstance(user, models.OrganizationUserResponse):
        return user.email
    for m in memberships(user):
        if m.email:
            return m.email
    return None


def row(account: AccountRef | Membership | None, field: str, before: Any, after: Any) -> PreviewRow:
    """A preview row for an account (an ``AccountRef`` or a membership) or the user (``None``)."""
    if account is None:
        return PreviewRow("", field, before, after)
    name = getattr(account, "account_name", None) or getattr(account, "name", "")
    ident = getattr(account, "account_id", None) or getattr(account, "id", "")
    return PreviewRow(str(name), field, before, after, str(ident))


def group_list(names_: Iterable[str | None]) -> str | None:
    listed = sorted(n for n in names_ if n)
    return ", ".join(listed) if listed else None


class Named(Protocol):
    """Anything listed to a person by its name: a resolved reference or a group as DocuSign has it."""

    @property
    def name(self) -> str | None: ...


def names(items: Iterable[Named]) -> str:
    listed = [f"'{i.name}'" for i in items]
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " and " + listed[-1]


def in_groups(groups: Iterable[GroupRef]) -> str:
    listed = list(groups)
    if not listed:
        return ""
    return f" in group{'s' if len(listed) > 1 else ''} {names(listed)}"


def as_profile_request(profile: ProfileRef | None) -> dict[str, Any] | None:
    return {"id": int(profile.id)} if profile is not None else None


def as_group_requests(groups: Iterable[GroupRef]) -> list[dict[str, Any]]:
    return [{"id": int(g.id)} for g in groups]


def drop_none(body: dict[str, Any]) -> dict[str, Any]:
    """A request body with only the fields this request sets."""
    return {k: v for k, v in body.items() if v is not None}


def parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def spec_model(name: str, body: dict[str, Any]) -> BaseModel:
    """The client's model of the spec definition ``name`` for ``body`` (the body's single source)."""
    model: type[BaseModel] = getattr(models, name)
    return model.model_validate(body)
