"""The organization the sandbox holds: plain dataclasses, JSON round-trippable.

Why plain data: the same state is served over HTTP, dumped for evals to score, and saved to a
file between CLI commands. Times are epoch seconds on the sandbox clock; the API layer renders
them as DocuSign timestamps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

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


@dataclass
class State:
    organization: Organization
    accounts: dict[str, Account] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    integrations: dict[str, Integration] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    by_email: dict[str, str] = field(default_factory=dict, repr=False)

    def reindex(self) -> None:
        self.by_email = {u.email.lower(): u.id for u in self.users.values()}

    def user_by_email(self, email: str) -> User | None:
        user_id = self.by_email.get(email.strip().lower())
        return self.users.get(user_id) if user_id else None

    def account_named(self, name: str) -> Account | None:
        return next((a for a in self.accounts.values() if a.name.lower() == name.strip().lower()), None)

    def default_account(self) -> Account:
        return next((a for a in self.accounts.values() if a.is_default), next(iter(self.accounts.values())))

    def add_user(self, user: User) -> None:
        self.users[user.id] = user
        self.by_email[user.email.lower()] = user.id

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("by_email")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        accounts = {
            k: Account(
                **{
                    **a,
                    "profiles": [Profile(**p) for p in a["profiles"]],
                    "groups": [Group(**g) for g in a["groups"]],
                }
            )
            for k, a in data["accounts"].items()
        }
        users = {
            k: User(**{**u, "memberships": {mk: Membership(**m) for mk, m in u["memberships"].items()}})
            for k, u in data["users"].items()
        }
        state = cls(
            organization=Organization(**data["organization"]),
            accounts=accounts,
            users=users,
            integrations={k: Integration(**i) for k, i in data.get("integrations", {}).items()},
            tokens={k: Token(**t) for k, t in data.get("tokens", {}).items()},
        )
        state.reindex()
        return state
