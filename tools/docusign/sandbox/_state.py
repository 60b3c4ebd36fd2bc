"""The organization the sandbox holds: plain dataclasses, JSON round-trippable.

Why plain data: the same state is served over HTTP, dumped for evals to score, and saved to a
file between CLI commands. Times are epoch seconds on the sandbox clock; the API layer renders
them as DocuSign timestamps.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from tools.docusign.sandbox._jobs import MemJobs

MEMBERSHIP_STATUSES = ("active", "activation_required", "activation_sent", "closed", "disabled")
PENDING = ("activation_required", "activation_sent")
USER_STATUSES = ("active", "created", "closed")
ADMIN_PROFILE = "Account Administrator"
EVERYONE = "Everyone"
SITE_ID = 1


@dataclass
class Profile:
    id: int
    name: str


@dataclass
class Group:
    id: int
    name: str
    type: str = "custom_group"


@dataclass
class Account:
    id: str
    name: str
    is_default: bool
    external_account_id: int
    created_on: float
    profiles: list[Profile] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)

    def profile(self, profile_id: int) -> Profile | None:
        return next((p for p in self.profiles if p.id == profile_id), None)

    def profile_named(self, name: str) -> Profile | None:
        return next((p for p in self.profiles if p.name.lower() == name.lower()), None)

    def group(self, group_id: int) -> Group | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def group_named(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.name.lower() == name.lower()), None)

    def everyone(self) -> Group | None:
        return next((g for g in self.groups if g.type == "everyone_group"), None)

    def default_profile(self) -> Profile:
        return self.profile_named("DocuSign Sender") or self.profiles[0]


@dataclass
class Membership:
    id: str
    account_id: str
    status: str
    profile_id: int
    group_ids: list[int]
    created_on: float
    job_title: str | None = None
    company_name: str | None = None
    closed_on: float | None = None


@dataclass
class User:
    id: str
    email: str
    first_name: str | None
    last_name: str | None
    user_name: str
    created_on: float
    last_modified_on: float
    memberships: dict[str, Membership] = field(default_factory=dict)
    default_account_id: str | None = None
    organization_admin: bool = False
    language_culture: str = "en"
    redacted_on: float | None = None

    @property
    def user_status(self) -> str:
        """``closed`` once every membership is closed; ``created`` while none is active yet."""
        statuses = [m.status for m in self.memberships.values()]
        if not statuses or all(s == "closed" for s in statuses):
            return "closed"
        if "active" not in statuses and any(s in PENDING for s in statuses):
            return "created"
        return "active"

    @property
    def closed_on(self) -> float | None:
        if self.user_status != "closed":
            return None
        times = [m.closed_on for m in self.memberships.values() if m.closed_on is not None]
        return max(times) if times else None


@dataclass
class Organization:
    id: str
    name: str
    created_on: float
    last_modified_on: float
    domains: list[str] = field(default_factory=list)

    def domain_id(self, host: str) -> str:
        from tools.docusign.sandbox._ids import guid

        return guid("domain", self.name, host)


@dataclass
class Integration:
    """An integration key registered on the OAuth server, with the users who consented."""

    key: str
    name: str
    public_key_pem: str
    consented_user_ids: list[str] = field(default_factory=list)


@dataclass
class Token:
    user_id: str
    integration_key: str
    scopes: list[str]
    issued_at: float
    expires_at: float


@dataclass(frozen=True)
class UserQuery:
    """What a users listing (or a rule such as "the account's other admins") asks for.

    A user table returns a superset of the matches from ``candidates`` (the in-memory one: every
    user; the SQLite one: the rows its indexes narrow to); the exact rules stay in one place, the
    caller's Python filter, so both tables answer alike.
    """

    email: str | None = None
    account_id: str | None = None
    membership_statuses: frozenset[str] = frozenset()
    profile_id: int | None = None
    user_statuses: frozenset[str] = frozenset()
    since: float | None = None
    host: str | None = None


class MemUsers(dict[str, User]):
    """The in-memory user table: a dict by id with an email index kept in step."""

    def __init__(self, users: Iterable[User] = ()) -> None:
        super().__init__((u.id, u) for u in users)
        self._by_email = {u.email.lower(): u.id for u in self.values()}

    def __setitem__(self, user_id: str, user: User) -> None:
        old = self.get(user_id)
        if old is not None:
            self._by_email.pop(old.email.lower(), None)
        super().__setitem__(user_id, user)
        self._by_email[user.email.lower()] = user_id

    def __delitem__(self, user_id: str) -> None:
        self._by_email.pop(self[user_id].email.lower(), None)
        super().__delitem__(user_id)

    def find_email(self, email: str) -> User | None:
        user_id = self._by_email.get(email.strip().lower())
        return self.get(user_id) if user_id else None

    def email_changed(self, user: User, old_email: str) -> None:
        self._by_email.pop(old_email.lower(), None)
        self._by_email[user.email.lower()] = user.id

    def candidates(self, query: UserQuery) -> Iterable[User]:
        if query.email:
            found = self.find_email(query.email)
            return [found] if found else []
        return list(self.values())


class UserTable(Protocol):
    """The user table the Admin API emulation reads and writes: ``MemUsers`` in memory, or the
    file-backed sandbox's ``SqlUsers`` (an identity map over SQLite); a mapping by id plus an email
    index and a pre-filter for listings."""

    def __getitem__(self, user_id: str, /) -> User: ...

    def __setitem__(self, user_id: str, user: User, /) -> None: ...

    def __delitem__(self, user_id: str, /) -> None: ...

    def __contains__(self, user_id: object, /) -> bool: ...

    def __iter__(self) -> Iterator[str]: ...

    def __len__(self) -> int: ...

    def get(self, user_id: str, /) -> User | None: ...

    def values(self) -> Iterable[User]: ...

    def find_email(self, email: str) -> User | None: ...

    def email_changed(self, user: User, old_email: str) -> None: ...

    def candidates(self, query: UserQuery) -> Iterable[User]: ...


@dataclass
class State:
    organization: Organization
    accounts: dict[str, Account] = field(default_factory=dict)
    users: UserTable = field(default_factory=MemUsers)
    integrations: MutableMapping[str, Integration] = field(default_factory=dict)
    tokens: MutableMapping[str, Token] = field(default_factory=dict)
    jobs: Any = field(default_factory=MemJobs)  # bulk imports and exports (see _jobs)

    def user_by_email(self, email: str) -> User | None:
        return self.users.find_email(email)

    def set_email(self, user: User, email: str) -> None:
        """Change a user's email and keep the table's email index in step."""
        old, user.email = user.email, email
        self.users.email_changed(user, old)

    def account_named(self, name: str) -> Account | None:
        return next((a for a in self.accounts.values() if a.name.lower() == name.strip().lower()), None)

    def default_account(self) -> Account:
        return next((a for a in self.accounts.values() if a.is_default), next(iter(self.accounts.values())))

    def add_user(self, user: User) -> None:
        self.users[user.id] = user

    def to_json(self) -> dict[str, Any]:
        return {
            "organization": asdict(self.organization),
            "accounts": {k: asdict(a) for k, a in self.accounts.items()},
            "users": {u.id: asdict(u) for u in self.users.values()},
            "integrations": {k: asdict(i) for k, i in self.integrations.items()},
            "tokens": {k: asdict(t) for k, t in self.tokens.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        return cls(
            organization=Organization(**data["organization"]),
            accounts={k: account_from_json(a) for k, a in data["accounts"].items()},
            users=MemUsers(user_from_json(u) for u in data["users"].values()),
            integrations={k: Integration(**i) for k, i in data.get("integrations", {}).items()},
            tokens={k: Token(**t) for k, t in data.get("tokens", {}).items()},
        )


def account_from_json(data: dict[str, Any]) -> Account:
    return Account(
        **{
            **data,
            "profiles": [Profile(**p) for p in data["profiles"]],
            "groups": [Group(**g) for g in data["groups"]],
        }
    )


def user_from_json(data: dict[str, Any]) -> User:
    memberships = {k: Membership(**m) for k, m in data.get("memberships", {}).items()}
    return User(**{**data, "memberships": memberships})
