"""Names people say to the ids the Admin API wants, with useful answers when a name is wrong.

Why: people say "EMEA", "DocuSign Sender", "john.doe@acme.com"; the API wants account GUIDs,
int64 profile and group ids and user GUIDs. Matching is case- and space-insensitive; a miss names
the nearest real names ("did you mean 'DocuSign Sender'?"), an ambiguous name lists every
candidate instead of guessing. Lookups are cached for the session; the client tells the Directory
about every successful write, and the users it touched are dropped from the cache.

With a ``DirectoryCache`` (a table in the store) the organization, its accounts and each account's
profiles and groups also outlive the process, for a TTL: a new ``dsadmin`` command then reads only
what it has not seen lately. A cached entry is re-read from DocuSign as soon as an answer shows it
stale: a name that misses in cached data, or a user's memberships naming an account, profile or
group the cached lists lack. Users themselves are never served from it (a write is planned on
what DocuSign holds now); only email -> user id is kept, dropped by dsadmin's own writes.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from tools.docusign import models
from tools.docusign.client import AdminClient, WriteEvent

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
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


def store_cache(engine: Any, admin_base_url: str, organization_id: str | None) -> Any:
    """The directory cache in the store behind ``engine``, scoped to one Admin API endpoint and
    organization (so a store shared by a sandbox and a live org never mixes their names)."""
    import hashlib

    from tools.docusign.cache import DirectoryCache

    scope = hashlib.sha256(f"{admin_base_url.rstrip('/')}|{organization_id or '*'}".lower().encode())
    return DirectoryCache(engine, scope.hexdigest()[:32])


class Directory:
    """Session-scoped lookups in one organization, cached, invalidated by the client's writes."""

    def __init__(self, client: AdminClient, organization_id: str | None = None, *, cache: Any = None) -> None:
        self._client = client
        self._lock = threading.RLock()
        self._organization: models.OrganizationResponse | None = None
        self._wanted_org = organization_id
        self._profiles: dict[str, list[models.PermissionProfileResponse]] = {}
        self._groups: dict[str, list[models.MemberGroupResponse]] = {}
        self._users: dict[str, models.UserDrilldownResponse | None] = {}
        self._cache = cache  # tools.docusign.cache.DirectoryCache, or None: this session only
        self._from_cache: set[str] = set()  # store keys whose in-memory copy came from the cache
        client.subscribe_writes(self._on_write)

    # -- the store's cache ------------------------------------------------------------------------------

    def _read_through(self, key: str, model: type[M], fetch: Callable[[], list[M]]) -> list[M]:
        """The cached list under ``key`` if fresh, else DocuSign's (and cache it)."""
        if self._cache is not None:
            stored = self._cache.get(key)
            if isinstance(stored, list):
                try:
                    items = [model.model_validate(item) for item in stored]
                except ValidationError:
                    items = None
                if items is not None:
                    self._from_cache.add(key)
                    return items
        items = fetch()
        self._from_cache.discard(key)
        if self._cache is not None:
            self._cache.put(key, [i.model_dump(mode="json", by_alias=True, exclude_none=True) for i in items])
        return items

    def _stale(self, key: str) -> bool:
        """Forget ``key`` here and in the store if it came from the cache; True if it did."""
        with self._lock:
            if key not in self._from_cache:
                return False
            self._from_cache.discard(key)
            if key == "organizations":
                self._organization = None
            else:
                kind, _, account_id = key.partition(":")
                (self._profiles if kind == "profiles" else self._groups).pop(account_id, None)
            if self._cache is not None:
                self._cache.drop(key)
            return True

    def _fresh_on_miss(self, key: str, pick: Callable[[], T]) -> T:
        """``pick()``; if it misses in data from the cache, re-read DocuSign and pick again."""
        try:
            return pick()
        except ResolutionError:
            if not self._stale(key):
                raise
            return pick()

    # -- organization and accounts ---------------------------------------------------------------

    @property
    def organization(self) -> models.OrganizationResponse:
        with self._lock:
            if self._organization is None:
                self._organization = self._fresh_on_miss("organizations", self._load_organization)
            return self._organization

    def _load_organization(self) -> models.OrganizationResponse:
        orgs = self._read_through("organizations", models.OrganizationResponse, self._client.organizations)
        return self._find_organization(orgs)

    @property
    def organization_id(self) -> str:
        return self.organization.id or ""

    def _find_organization(self, orgs: list[models.OrganizationResponse]) -> models.OrganizationResponse:
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

        def pick() -> AccountRef:
            refs = self.accounts()
            where = f" in organization '{self.organization.name}'"
            return _pick("account", name_or_id, [_Named(r.name, r.id, r) for r in refs], where)

        return self._fresh_on_miss("organizations", pick)

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
        items = self._cached(self._profiles, "profiles", account_id, models.PermissionProfileResponse,
                             self._client.permission_profiles)
        return [ProfileRef(p.id, p.name or "") for p in items if p.id is not None]

    def permission_profile(self, account_id: str, name_or_id: str | int) -> ProfileRef:
        def pick() -> ProfileRef:
            refs = self.permission_profiles(account_id)
            where = f" on {self.account_name(account_id)}"
            return _pick("permission_profile", name_or_id, [_Named(r.name, r.id, r) for r in refs], where)

        return self._fresh_on_miss(f"profiles:{self.account(account_id).id.lower()}", pick)

    def groups(self, account_id: str) -> list[GroupRef]:
        items = self._cached(
            self._groups, "groups", account_id, models.MemberGroupResponse, self._client.groups
        )
        return [GroupRef(g.id, g.name or "") for g in items if g.id is not None]

    def group(self, account_id: str, name_or_id: str | int) -> GroupRef:
        def pick() -> GroupRef:
            refs = self.groups(account_id)
            where = f" on {self.account_name(account_id)}"
            return _pick("group", name_or_id, [_Named(r.name, r.id, r) for r in refs], where)

        return self._fresh_on_miss(f"groups:{self.account(account_id).id.lower()}", pick)

    def known_names(self, kind: str, account_id: str) -> list[str] | None:
        """The account's ``"profiles"`` or ``"groups"`` names if this session or the store's cache
        already holds them, else None: never a request for them (a prompt lists what is cheap)."""
        key = self.account(account_id).id.lower()
        memory, model = ((self._profiles, models.PermissionProfileResponse) if kind == "profiles"
                         else (self._groups, models.MemberGroupResponse))
        with self._lock:
            if key not in memory and self._cache is not None:
                stored = self._cache.get(f"{kind}:{key}")
                if isinstance(stored, list):
                    try:
                        memory[key] = [model.model_validate(item) for item in stored]
                        self._from_cache.add(f"{kind}:{key}")
                    except ValidationError:
                        return None
            items = memory.get(key)
        return None if items is None else [i.name or "" for i in items if i.id is not None]

    def _cached(
        self,
        cache: dict[str, list[M]],
        kind: str,
        account_id: str,
        model: type[M],
        fetch: Callable[[str, str], list[M]],
    ) -> list[M]:
        key = self.account(account_id).id.lower()  # also refuses an account outside the organization
        with self._lock:
            if key not in cache:
                cache[key] = self._read_through(
                    f"{kind}:{key}", model, lambda: fetch(self.organization_id, key)
                )
            return cache[key]

    # -- users ------------------------------------------------------------------------------------

    def user(self, email: str) -> models.UserDrilldownResponse | None:
        """The user's profile (memberships, profiles, groups per account), or None if not in the org."""
        key = _norm(email)
        with self._lock:
            if key not in self._users:
                found = self._client.user_profile(self.organization_id, email.strip())
                self._users[key] = found
                self._learn_from(key, found)
            return self._users[key]

    def user_id(self, email: str) -> str | None:
        """The user id for ``email`` (from the store's cache when known), None if not in the org."""
        key = _norm(email)
        if self._cache is not None and key not in self._users:
            known = self._cache.get(f"user:{key}")
            if isinstance(known, str):
                return known
        found = self.user(email)
        return found.id if found is not None else None

    def _learn_from(self, key: str, found: models.UserDrilldownResponse | None) -> None:
        """Keep email -> id, and drop cached lists this user's memberships show to be stale."""
        if self._cache is None:
            return
        if found is None or not found.id:
            self._cache.drop(f"user:{key}")
            return
        self._cache.put(f"user:{key}", str(found.id).lower())
        known_accounts = {a.id.lower() for a in self.accounts()}
        for m in found.memberships or []:
            account_id = (m.account_id or "").lower()
            if account_id and account_id not in known_accounts:
                self._stale("organizations")
                continue
            profile = m.permission_profile.id if m.permission_profile else None
            if profile is not None and account_id in self._profiles and all(
                p.id != profile for p in self._profiles[account_id]
            ):
                self._stale(f"profiles:{account_id}")
            group_ids = {g.id for g in m.groups or [] if g.id is not None}
            if account_id in self._groups and group_ids - {g.id for g in self._groups[account_id]}:
                self._stale(f"groups:{account_id}")

    def invalidate_user(self, email: str) -> None:
        with self._lock:
            self._users.pop(_norm(email), None)

    def invalidate(self, kind: str | None = None) -> None:
        """Drop cached lookups: one kind ('organization', 'permission_profile', 'group', 'user') or all
        (in the store's cache too)."""
        with self._lock:
            if kind in (None, "organization", "account"):
                self._organization = None
                if self._cache is not None:
                    self._cache.drop("organizations")
            if kind in (None, "permission_profile"):
                self._profiles.clear()
                if self._cache is not None:
                    self._cache.drop_prefix("profiles:")
            if kind in (None, "group"):
                self._groups.clear()
                if self._cache is not None:
                    self._cache.drop_prefix("groups:")
            if kind in (None, "user"):
                self._users.clear()
            self._from_cache.clear()

    def _on_write(self, event: WriteEvent) -> None:
        with self._lock:
            org = self._organization
            if org is not None and (org.id or "").lower() != event.organization_id.lower():
                return
            for email in event.emails:
                self._users.pop(_norm(email), None)
            if self._cache is not None and (event.emails or event.user_ids):
                self._cache.drop(*(f"user:{_norm(e)}" for e in event.emails))
                self._cache.drop_prefix("user:", values=sorted(event.user_ids))
            if not event.user_ids:
                return
            stale = [k for k, u in self._users.items() if u is None or (u.id or "").lower() in event.user_ids]
            for key in stale:
                del self._users[key]
