"""Read operations of the Admin API: organizations, permission profiles, groups, users, profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from tools.docusign.sandbox import _render as render
from tools.docusign.sandbox._clock import parse_iso
from tools.docusign.sandbox._http import ApiError
from tools.docusign.sandbox._params import account_of, bad, guid_param, window
from tools.docusign.sandbox._state import MEMBERSHIP_STATUSES, USER_STATUSES, Membership, User, UserQuery

if TYPE_CHECKING:
    from tools.docusign.sandbox._core import Context


def organizations(ctx: Context) -> dict[str, Any]:
    mode = ctx.request.params.get("mode", "org_admin")
    if mode not in ("org_admin", "account_membership"):
        raise bad(f"mode {mode!r} is not one of org_admin, account_membership")
    actor = ctx.caller
    member = any(m.status == "active" for m in actor.memberships.values())
    visible = actor.organization_admin if mode == "org_admin" else member
    return {"organizations": [render.organization(ctx.state)] if visible else []}


def permissions(ctx: Context, organizationId: str, accountId: str) -> dict[str, Any]:
    account = account_of(ctx.state, guid_param("accountId", accountId))
    return {"permissions": [{"id": p.id, "name": p.name} for p in account.profiles]}


def groups(ctx: Context, organizationId: str, accountId: str) -> dict[str, Any]:
    account = account_of(ctx.state, guid_param("accountId", accountId))
    start, take = window(ctx.request.params)
    page = account.groups[start : start + take]
    return {
        "groups": [render.group(g) for g in page],
        "paging": render.paging(ctx.request, start, take, len(page), len(account.groups)),
    }


def _statuses(params: dict[str, str], name: str, allowed: tuple[str, ...]) -> set[str] | None:
    """The spec's ``status`` / ``membership_status``: ONE of the values (a list is refused, as a
    client that sends one would find out only against DocuSign)."""
    raw = (params.get(name) or "").strip().lower()
    if not raw:
        return None
    if raw not in allowed:
        several = " (one value per request)" if "," in raw else ""
        raise bad(f"{name} {raw!r} is not one of {', '.join(allowed)}{several}")
    return {raw}


def users(ctx: Context, organizationId: str) -> dict[str, Any]:
    """One row per user (not per membership). With ``account_id`` the row's membership fields are
    that account's; otherwise the default account's membership (or the first matching
    ``membership_status``). ``take`` is capped at 100; ``end`` counts only without ``take``."""
    params = ctx.request.params
    state = ctx.state
    email = params.get("email") or None
    account_id = params.get("account_id") or None
    domain_id = params.get("organization_reserved_domain_id") or None
    if not (email or account_id or domain_id):
        raise bad("one of email, account_id or organization_reserved_domain_id is required")
    account = account_of(state, guid_param("account_id", account_id), "account_id") if account_id else None
    host = None
    if domain_id:
        domain_id = guid_param("organization_reserved_domain_id", domain_id)
        host = next(
            (h for h in state.organization.domains if state.organization.domain_id(h) == domain_id), None
        )
        if host is None:
            raise ApiError(
                404,
                "not_found",
                f"organization_reserved_domain_id {domain_id} is not a reserved domain of this organization",
            )
    since = None
    if params.get("last_modified_since"):
        if not (account_id or domain_id):
            raise bad("last_modified_since needs account_id or organization_reserved_domain_id")
        try:
            since = parse_iso(params["last_modified_since"]).timestamp()
        except ValueError:
            raise bad(
                f"last_modified_since {params['last_modified_since']!r} is not an ISO 8601 date"
            ) from None
    user_statuses = _statuses(params, "status", USER_STATUSES)
    membership_statuses = _statuses(params, "membership_status", MEMBERSHIP_STATUSES)
    like = (params.get("email_user_name_like") or "").strip("%* ").lower()
    start, take = window(params)

    def compute() -> list[tuple[User, Membership | None]]:
        rows: list[tuple[User, Membership | None]] = []
        query = UserQuery(
            email=email,
            account_id=account.id if account else None,
            membership_statuses=frozenset(membership_statuses or ()),
            user_statuses=frozenset(user_statuses or ()),
            since=since,
            host=host,
        )
        for user in state.users.candidates(query):
            if user is None or user.redacted_on is not None:
                continue
            if host and user.email.lower().rsplit("@", 1)[-1] != host:
                continue
            if user_statuses and user.user_status not in user_statuses:
                continue
            if since is not None and user.last_modified_on < since:
                continue
            if like and like not in user.email.lower() and like not in user.user_name.lower():
                continue
            membership = _row_membership(
                user, account.id if account else None, default_id, membership_statuses
            )
            if membership is not False:
                rows.append((user, membership or None))
        return rows

    default_id = state.default_account().id
    key = (
        "users",
        email,
        account_id,
        domain_id,
        since,
        frozenset(user_statuses or ()),
        frozenset(membership_statuses or ()),
        like,
    )
    rows = ctx.core.cached(key, compute)
    page = rows[start : start + take]
    return {
        "users": [render.user_row(u, m) for u, m in page],
        "paging": render.paging(ctx.request, start, take, len(page), len(rows)),
    }


def _row_membership(user: User, account_id: str | None, default_id: str,
                    statuses: set[str] | None) -> Membership | Literal[False]:
    """The membership a users-list row shows: the account's when filtered by account, else the
    user's default account's (or the first matching one). ``False`` drops the user."""
    if account_id is not None:
        m = user.memberships.get(account_id)
        if m is None or (statuses and m.status not in statuses):
            return False
        return m
    ordered = sorted(
        user.memberships.values(), key=lambda m: m.account_id != (user.default_account_id or default_id)
    )
    matching = [m for m in ordered if not statuses or m.status in statuses]
    if not matching:
        return False
    return matching[0]


def profile(ctx: Context, organizationId: str) -> dict[str, Any]:
    email = (ctx.request.params.get("email") or "").strip()
    if not email:
        raise bad("email is required")
    user = ctx.state.user_by_email(email)
    if user is None or user.redacted_on is not None:
        return {"users": []}
    return {"users": [render.drilldown(ctx.state, user)]}
