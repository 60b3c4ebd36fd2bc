"""Fixtures: the YAML shape people and evals write, turned into sandbox state and back.

Why one shape both ways: an eval's ``setup:`` merges into the org in this shape and its score
reads ``dump()`` in the same shape, so nobody has to learn the API's ids to describe an org.
Every mistake names its place (``users[3] (x@acme.com).memberships.EMEA.permission_profile``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

from tools.docusign.sandbox._clock import iso, parse_iso
from tools.docusign.sandbox._ids import guid, int64
from tools.docusign.sandbox._state import (
    EVERYONE,
    MEMBERSHIP_STATUSES,
    Account,
    Group,
    Membership,
    Organization,
    Profile,
    State,
    User,
)

FIXTURE_DIR = Path(__file__).parent / "fixtures"
DAY = 86_400.0
_ORG_KEYS = {"name", "domains"}
_ACCOUNT_KEYS = {"name", "default", "permission_profiles", "groups"}
_USER_KEYS = {
    "email",
    "first_name",
    "last_name",
    "user_name",
    "organization_admin",
    "language_culture",
    "default_account",
    "memberships",
    "created_days_ago",
    "modified_days_ago",
    "absent",
    "redacted",
    "user_status",
}
_MEMBERSHIP_KEYS = {
    "status",
    "permission_profile",
    "groups",
    "job_title",
    "company_name",
    "created_days_ago",
    "closed_days_ago",
    "closed_on",
}


class FixtureError(ValueError):
    """A fixture (or an eval's setup) that cannot describe an org; the message names the field."""


def load_fixture_data(source: str | Path | dict[str, Any]) -> dict[str, Any]:
    """A fixture by name (``acme``), by path to a YAML/JSON file, or already as a dict."""
    if isinstance(source, dict):
        return source
    text = str(source)
    path = Path(text)
    if not path.suffix and not path.exists():
        path = FIXTURE_DIR / f"{text}.yaml"
        if not path.is_file():
            known = sorted(p.stem for p in FIXTURE_DIR.glob("*.yaml"))
            raise FixtureError(
                f"no fixture named {text!r}; known fixtures: {', '.join(known)} (or give a path)"
            )
    if not path.is_file():
        raise FixtureError(f"{path}: no such fixture file")
    from policies.textfiles import load_yaml

    data = load_yaml(path, "fixture", error=FixtureError)
    if not isinstance(data, dict):
        raise FixtureError(f"{path}: expected a mapping with organization, accounts and users")
    return data


def _unknown(where: str, data: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise FixtureError(
            f"{where}: unknown field(s) {', '.join(extra)}; allowed: {', '.join(sorted(allowed))}"
        )


def _mapping(where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FixtureError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _names(where: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise FixtureError(f"{where}: expected a list of names")
    return [v.strip() for v in value]


def build_state(data: dict[str, Any], now: float) -> State:
    """A fresh org from a fixture dict."""
    org_data = _mapping("organization", data.get("organization"))
    _unknown("organization", org_data, _ORG_KEYS)
    name = org_data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise FixtureError("organization.name: required (e.g. 'Acme Corp')")
    domains = _names("organization.domains", org_data.get("domains"))
    org = Organization(
        id=guid("org", name),
        name=name,
        created_on=now - 900 * DAY,
        last_modified_on=now,
        domains=[d.lower() for d in domains],
    )
    state = State(organization=org)
    if not data.get("accounts"):
        raise FixtureError("accounts: at least one account is required")
    merge_into(state, {k: v for k, v in data.items() if k != "organization"}, now)
    if not any(a.is_default for a in state.accounts.values()):
        next(iter(state.accounts.values())).is_default = True
    return state


def merge_into(state: State, data: dict[str, Any], now: float) -> None:
    """Merge accounts and users given in fixture shape; validates everything before changing anything."""
    _unknown("setup", data, {"accounts", "users", "organization"})
    if "organization" in data:
        raise FixtureError("organization: cannot be changed by a merge; give accounts and users only")
    accounts = data.get("accounts") or []
    users = data.get("users") or []
    if not isinstance(accounts, list):
        raise FixtureError("accounts: expected a list")
    if not isinstance(users, list):
        raise FixtureError("users: expected a list")
    # Work on a copy so a mistake halfway leaves the org untouched.
    draft = State.from_json(state.to_json())
    for i, raw in enumerate(accounts):
        _merge_account(draft, f"accounts[{i}]", _mapping(f"accounts[{i}]", raw), now)
    seen: set[str] = set()
    for i, raw in enumerate(users):
        raw = _mapping(f"users[{i}]", raw)
        email = raw.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise FixtureError(f"users[{i}].email: required, an email address")
        where = f"users[{i}] ({email})"
        if email.lower() in seen:
            raise FixtureError(f"{where}: the email appears twice; emails are unique in an organization")
        seen.add(email.lower())
        _merge_user(draft, where, raw, now)
    state.accounts, state.users = draft.accounts, draft.users
    state.organization.last_modified_on = now


def _merge_account(state: State, where: str, raw: dict[str, Any], now: float) -> None:
    _unknown(where, raw, _ACCOUNT_KEYS)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise FixtureError(f"{where}.name: required")
    name = name.strip()
    account = state.account_named(name)
    if account is None:
        account = Account(
            id=guid("account", state.organization.name, name),
            name=name,
            is_default=False,
            external_account_id=int64("external", state.organization.name, name),
            created_on=now - 800 * DAY,
        )
        state.accounts[account.id] = account
    if raw.get("default"):
        for other in state.accounts.values():
            other.is_default = other is account
    for profile in _names(f"{where}.permission_profiles", raw.get("permission_profiles")):
        if account.profile_named(profile) is None:
            account.profiles.append(Profile(int64("profile", account.id, profile), profile))
    for group in _names(f"{where}.groups", raw.get("groups")):
        if account.group_named(group) is None:
            kind = (
                "everyone_group"
                if group == EVERYONE
                else ("admin_group" if group.lower() == "administrators" else "custom_group")
            )
            account.groups.append(Group(int64("group", account.id, group), group, kind))
    if not account.profiles:
        raise FixtureError(f"{where}.permission_profiles: an account needs at least one permission profile")


def _merge_user(state: State, where: str, raw: dict[str, Any], now: float) -> None:
    _unknown(where, raw, _USER_KEYS)
    email = raw["email"].strip()
    user = state.user_by_email(email)
    if raw.get("absent"):
        if user is not None:
            del state.users[user.id]
        return
    created = now - float(raw.get("created_days_ago", 30)) * DAY
    if user is None:
        user_id = guid("user", email)
        n = 1
        while user_id in state.users:
            n += 1
            user_id = guid("user", email, str(n))
        user = User(
            id=user_id,
            email=email,
            first_name=None,
            last_name=None,
            user_name=email.split("@")[0],
            created_on=created,
            last_modified_on=now,
        )
        state.add_user(user)
    for key in ("first_name", "last_name", "language_culture"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise FixtureError(f"{where}.{key}: expected text")
            setattr(user, key, raw[key])
    if "organization_admin" in raw:
        user.organization_admin = bool(raw["organization_admin"])
    given_name = raw.get("user_name")
    user.user_name = (
        given_name or " ".join(p for p in (user.first_name, user.last_name) if p) or user.user_name
    )
    memberships = _mapping(f"{where}.memberships", raw.get("memberships") or {})
    if not memberships and not user.memberships:
        raise FixtureError(f"{where}.memberships: a user needs at least one account membership")
    for account_name, spec in memberships.items():
        _merge_membership(
            state, user, f"{where}.memberships.{account_name}", str(account_name), spec or {}, created, now
        )
    if "default_account" in raw:
        account = state.account_named(str(raw["default_account"]))
        if account is None or account.id not in user.memberships:
            raise FixtureError(f"{where}.default_account: must name one of the user's accounts")
        user.default_account_id = account.id
    if user.default_account_id not in user.memberships:
        default = state.default_account().id
        user.default_account_id = default if default in user.memberships else next(iter(user.memberships))
    if raw.get("redacted"):
        user.redacted_on = now
    # an org that exists already: its users last changed a while ago (a fixture may say when), so
    # "who changed since yesterday" names what changed since, not everyone the fixture holds
    user.last_modified_on = max(created, now - float(raw.get("modified_days_ago", 7)) * DAY)


def _merge_membership(
    state: State, user: User, where: str, account_name: str, raw: Any, created: float, now: float
) -> None:
    raw = _mapping(where, raw)
    _unknown(where, raw, _MEMBERSHIP_KEYS)
    account = state.account_named(account_name)
    if account is None:
        known = ", ".join(a.name for a in state.accounts.values())
        raise FixtureError(f"{where}: no account named {account_name!r}; known accounts: {known}")
    existing = user.memberships.get(account.id)
    status = raw.get("status", existing.status if existing else "active")
    if status not in MEMBERSHIP_STATUSES:
        raise FixtureError(f"{where}.status: {status!r} is not one of {', '.join(MEMBERSHIP_STATUSES)}")
    profile_name = raw.get("permission_profile")
    if profile_name is not None:
        profile = account.profile_named(str(profile_name))
        if profile is None:
            known = ", ".join(p.name for p in account.profiles)
            raise FixtureError(
                f"{where}.permission_profile: no profile {profile_name!r} on {account.name}; known: {known}"
            )
        profile_id = profile.id
    else:
        profile_id = existing.profile_id if existing else account.default_profile().id
    group_ids = list(existing.group_ids) if existing else []
    if "groups" in raw or existing is None:
        group_ids = []
        everyone = account.everyone()
        if everyone is not None:
            group_ids.append(everyone.id)
        for name in _names(f"{where}.groups", raw.get("groups")):
            group = account.group_named(name)
            if group is None:
                known = ", ".join(g.name for g in account.groups)
                raise FixtureError(f"{where}.groups: no group {name!r} on {account.name}; known: {known}")
            if group.id not in group_ids:
                group_ids.append(group.id)
    closed_on = existing.closed_on if existing else None
    if status == "closed":
        if "closed_on" in raw:
            try:
                closed_on = parse_iso(str(raw["closed_on"])).timestamp()
            except ValueError:
                raise FixtureError(f"{where}.closed_on: not an ISO timestamp") from None
        elif "closed_days_ago" in raw:
            closed_on = now - float(raw["closed_days_ago"]) * DAY
        elif closed_on is None:
            closed_on = now
    else:
        closed_on = None
    membership_created = (
        now - float(raw["created_days_ago"]) * DAY
        if "created_days_ago" in raw
        else (existing.created_on if existing else created)
    )
    user.memberships[account.id] = Membership(
        id=existing.id if existing else guid("membership", user.id, account.id),
        account_id=account.id,
        status=status,
        profile_id=profile_id,
        group_ids=group_ids,
        created_on=membership_created,
        job_title=raw.get("job_title", existing.job_title if existing else None),
        company_name=raw.get("company_name", existing.company_name if existing else None),
        closed_on=closed_on,
    )


def dump_state(state: State) -> dict[str, Any]:
    """The org in fixture shape (Everyone, implicit on every membership, left out)."""
    org = state.organization
    accounts = []
    for a in state.accounts.values():
        entry: dict[str, Any] = {"name": a.name}
        if a.is_default:
            entry["default"] = True
        entry["permission_profiles"] = [p.name for p in a.profiles]
        entry["groups"] = [g.name for g in a.groups]
        accounts.append(entry)
    users = []
    for u in state.users.values():
        entry = {"email": u.email}
        for key in ("first_name", "last_name"):
            if getattr(u, key) is not None:
                entry[key] = getattr(u, key)
        if u.user_name != " ".join(p for p in (u.first_name, u.last_name) if p):
            entry["user_name"] = u.user_name
        if u.organization_admin:
            entry["organization_admin"] = True
        if u.redacted_on is not None:
            entry["redacted"] = True
        entry["user_status"] = u.user_status
        memberships = {}
        for m in u.memberships.values():
            account = state.accounts[m.account_id]
            profile = account.profile(m.profile_id)
            item: dict[str, Any] = {
                "status": m.status,
                "permission_profile": profile.name if profile else None,
            }
            groups = [
                g.name for gid in m.group_ids if (g := account.group(gid)) and g.type != "everyone_group"
            ]
            item["groups"] = groups
            if m.job_title:
                item["job_title"] = m.job_title
            if m.company_name:
                item["company_name"] = m.company_name
            if m.closed_on is not None:
                item["closed_on"] = iso(_dt(m.closed_on))
            memberships[account.name] = item
        entry["memberships"] = memberships
        users.append(entry)
    return {
        "organization": {"name": org.name, "domains": list(org.domains)},
        "accounts": accounts,
        "users": users,
    }


def _dt(ts: float) -> datetime:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, tz=UTC)
