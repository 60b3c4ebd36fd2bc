"""Names people say to the ids the Admin API wants, with useful answers when a name is wrong.

Why: people say "EMEA", "DocuSign Sender", "john.doe@acme.com"; the API wants account GUIDs,
int64 profile and group ids and user GUIDs. Matching is case- and space-insensitive; a miss names
the nearest real names ("did you mean 'DocuSign Sender'?"), an ambiguous name lists every
candidate instead of guessing. Lookups are cached for the session; the client tells the Directory
about every successful write, and the users it touched are dropped from the cache.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from tools.docusign import models
from tools.docusign.client import AdminClient, WriteEvent

T = TypeVar("T")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

KIND_LABELS = {
    "organization": "organization",
    "account": "account",
    "permission_profile": "permission profile",
    "group": "group",
    "user": "user",
}


@dataclass(frozen=True)
class AccountRef:
    id: str
    name: str


@dataclass(frozen=True)
class ProfileRef:
    id: int
    name: str


@dataclass(frozen=True)
class GroupRef:
    id: int
    name: str


class ResolutionError(LookupError):
    """A name that matches nothing, or more than one thing; ``message`` says what to use instead."""

    def __init__(self, kind: str, value: object, message: str, suggestions: Sequence[str] = ()) -> None:
        self.kind = kind
        self.value = value
        self.message = message
        self.suggestions = list(suggestions)
        super().__init__(message)


def _norm(name: str) -> str:
    return " ".join(str(name).split()).casefold()


@dataclass
class _Named(Generic[T]):
    name: str
    id: object
    item: T = field(repr=False)


def _quote_list(names: Sequence[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def suggestions_for(value: str, names: Sequence[str], limit: int = 3) -> list[str]:
    """The real names closest to ``value``: ones containing it first, then difflib's nearest."""
    wanted = _norm(value)
    by_norm: dict[str, str] = {}
    for name in names:
        by_norm.setdefault(_norm(name), name)
    picks = [orig for norm, orig in by_norm.items() if wanted and (wanted in norm or norm in wanted)]
    scored = sorted(
        ((difflib.SequenceMatcher(None, wanted, norm).ratio(), norm) for norm in by_norm), reverse=True
    )
    best = scored[0][0] if scored else 0.0
    # Only names about as close as the closest: a near-exact hit should not drag in its siblings.
    for score, norm in scored:
        if score >= max(0.5, best - 0.1) and by_norm[norm] not in picks:
            picks.append(by_norm[norm])
    return picks[:limit]


def _pick(kind: str, value: object, candidates: list[_Named[T]], where: str) -> T:
    """The one candidate whose id or name is ``value``; otherwise a ResolutionError that helps."""
    label = KIND_LABELS[kind]
    text = str(value).strip()
    by_id = [c for c in candidates if str(c.id).casefold() == text.casefold()]
    if by_id:
        return by_id[0].item
    matches = [c for c in candidates if _norm(c.name) == _norm(text)]
    if len(matches) == 1:
        return matches[0].item
    if len(matches) > 1:
        listed = "; ".join(f"'{c.name}' (id {c.id})" for c in matches)
        raise ResolutionError(
            kind,
            value,
            f"{label} '{text}'{where} is ambiguous: {len(matches)} match ({listed}); give the id instead",
            [c.name for c in matches],
        )
    names = [c.name for c in candidates]
    hints = suggestions_for(text, names)
    if hints:
        message = f"no {label} '{text}'{where}; did you mean {_quote_list(hints)}?"
    elif names:
        shown = sorted(set(names), key=str.casefold)
        more = f" and {len(shown) - 12} more" if len(shown) > 12 else ""
        message = f"no {label} '{text}'{where}; known: {', '.join(shown[:12])}{more}"
    else:
        message = f"no {label} '{text}'{where}; there are none"
    raise ResolutionError(kind, value, message, hints)


class Directory:
    """Session-scoped lookups in one organization, cached, invalidated by the client's writes."""

    def __init__(self, client: AdminClient, organization_id: str | None = None) -> None:
        self._client = client
        self._lock = threading.RLock()
        self._organization: models.OrganizationResponse | None = None
        self._wanted_org = organization_id
        self._profiles: dict[str, list[models.PermissionProfileResponse]] = {}
        self._groups: dict[str, list[models.MemberGroupResponse]] = {}
        self._users: dict[str, models.UserDrilldownResponse | None] = {}
        client.subscribe_writes(self._on_write)

    # -- organization and accounts ---------------------------------------------------------------

    @property
    def organization(self) -> models.OrganizationResponse:
        with self._lock:
            if self._organization is None:
                self._organization = self._find_organization()
            return self._organization

    @property
    def organization_id(self) -> str:
        return self.organization.id or ""

    def _find_organization(self) -> models.OrganizationResponse:
        orgs = self._client.organizations()
        if self._wanted_org is None:
            if len(orgs) == 1:
                return orgs[0]
            if not orgs:
                raise ResolutionError(
                    "organization",
                    None,
                    "this identity administers no organization; is the Admin API part of the plan, "
                    "and is the impersonated user an organization admin?",
                )
            listed = "; ".join(f"'{o.name}' ({o.id})" for o in orgs)
            raise ResolutionError(
                "organization",
                None,
                f"this identity administers {len(orgs)} organizations ({listed}); "
                "set docusign.organization_id",
                [o.name or "" for o in orgs],
            )
        named = [_Named(o.name or "", o.id, o) for o in orgs]
        return _pick("organization", self._wanted_org, named, " for this identity")

    def accounts(self) -> list[AccountRef]:
        return [AccountRef(a.id or "", a.name or "") for a in self.organization.accounts or []]

    def account(self, name_or_id: str) -> AccountRef:
        """An account of the organization by name (any case) or GUID."""
        refs = self.accounts()
        where = f" in organization '{self.organization.name}'"
        return _pick("account", name_or_id, [_Named(r.name, r.id, r) for r in refs], where)

    def default_account(self) -> AccountRef:
        default = self.organization.default_account_id
        for ref in self.accounts():
            if default and ref.id.lower() == default.lower():
                return ref
        raise ResolutionError(
            "account", None, f"organization '{self.organization.name}' names no default account; name one"
        )

    def account_name(self, account_id: str) -> str:
        for ref in self.accounts():
            if ref.id.lower() == account_id.lower():
                return ref.name
        return account_id

    # -- permission profiles and groups -------------------------------------------------------------

    def permission_profiles(self, account_id: str) -> list[ProfileRef]:
        items = self._cached(self._profiles, account_id, self._client.permission_profiles)
        return [ProfileRef(p.id, p.name or "") for p in items if p.id is not None]

    def permission_profile(self, account_id: str, name_or_id: str | int) -> ProfileRef:
        refs = self.permission_profiles(account_id)
        where = f" on {self.account_name(account_id)}"
        return _pick("permission_profile", name_or_id, [_Named(r.name, r.id, r) for r in refs], where)

    def groups(self, account_id: str) -> list[GroupRef]:
        items = self._cached(self._groups, account_id, self._client.groups)
        return [GroupRef(g.id, g.name or "") for g in items if g.id is not None]

    def group(self, account_id: str, name_or_id: str | int) -> GroupRef:
        refs = self.groups(account_id)
        where = f" on {self.account_name(account_id)}"
        return _pick("group", name_or_id, [_Named(r.name, r.id, r) for r in refs], where)

    def _cached(
        self, cache: dict[str, list[T]], account_id: str, fetch: Callable[[str, str], list[T]]
    ) -> list[T]:
        key = self.account(account_id).id.lower()  # also refuses an account outside the organization
        with self._lock:
            if key not in cache:
                cache[key] = fetch(self.organization_id, key)
            return cache[key]

    # -- users ------------------------------------------------------------------------------------

    def user(self, email: str) -> models.UserDrilldownResponse | None:
        """The user's profile (memberships, profiles, groups per account), or None if not in the org."""
        key = _norm(email)
        with self._lock:
            if key not in self._users:
                self._users[key] = self._client.user_profile(self.organization_id, email.strip())
            return self._users[key]

    def invalidate_user(self, email: str) -> None:
        with self._lock:
            self._users.pop(_norm(email), None)

    def invalidate(self, kind: str | None = None) -> None:
        """Drop cached lookups: one kind ('organization', 'permission_profile', 'group', 'user') or all."""
        with self._lock:
            if kind in (None, "organization", "account"):
                self._organization = None
            if kind in (None, "permission_profile"):
                self._profiles.clear()
            if kind in (None, "group"):
                self._groups.clear()
            if kind in (None, "user"):
                self._users.clear()

    def _on_write(self, event: WriteEvent) -> None:
        with self._lock:
            org = self._organization
            if org is not None and (org.id or "").lower() != event.organization_id.lower():
                return
            for email in event.emails:
                self._users.pop(_norm(email), None)
            if not event.user_ids:
                return
            stale = [k for k, u in self._users.items() if u is None or (u.id or "").lower() in event.user_ids]
            for key in stale:
                del self._users[key]
