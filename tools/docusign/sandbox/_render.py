"""State rendered in the Admin API's response shapes (field names and types from the spec).

Absent values are left out rather than sent as null: the spec types every field as a plain
string/integer/boolean, and DocuSign omits what it does not have.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tools.docusign.sandbox._clock import iso
from tools.docusign.sandbox._http import SandboxRequest
from tools.docusign.sandbox._state import ADMIN_PROFILE, SITE_ID, Account, Group, Membership, State, User


def ts(value: float | None) -> str | None:
    return None if value is None else iso(datetime.fromtimestamp(value, tz=UTC))


def compact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def profile(account: Account, profile_id: int) -> dict[str, Any]:
    found = account.profile(profile_id)
    return compact({"id": profile_id, "name": found.name if found else None})


def group(g: Group) -> dict[str, Any]:
    return {"id": g.id, "name": g.name, "type": g.type}


def groups(account: Account, m: Membership) -> list[dict[str, Any]]:
    return [group(g) for gid in m.group_ids if (g := account.group(gid)) is not None]


def organization(state: State) -> dict[str, Any]:
    org = state.organization
    default = state.default_account()
    return compact(
        {
            "id": org.id,
            "name": org.name,
            "default_account_id": default.id,
            "default_permission_profile_id": default.default_profile().id,
            "created_on": ts(org.created_on),
            "last_modified_on": ts(org.last_modified_on),
            "accounts": [
                {"id": a.id, "name": a.name, "external_account_id": a.external_account_id, "site_id": SITE_ID}
                for a in state.accounts.values()
            ],
            "reserved_domains": [
                {"id": org.domain_id(host), "status": "active", "host_name": host} for host in org.domains
            ],
        }
    )


def user_row(user: User, m: Membership | None) -> dict[str, Any]:
    """One row of ``GET .../users`` (OrganizationUserResponse)."""
    return compact(
        {
            "id": user.id,
            "user_name": user.user_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "user_status": user.user_status,
            "membership_status": m.status if m else None,
            "email": user.email,
            "created_on": ts(user.created_on),
            "closed_on": ts(user.closed_on),
            "membership_created_on": ts(m.created_on) if m else None,
            "membership_closed_on": ts(m.closed_on) if m else None,
            "membership_id": m.id if m else None,
        }
    )


def membership(state: State, user: User, m: Membership) -> dict[str, Any]:
    account = state.accounts[m.account_id]
    found = account.profile(m.profile_id)
    return compact(
        {
            "id": m.id,
            "email": user.email,
            "account_id": account.id,
            "external_account_id": str(account.external_account_id),
            "account_name": account.name,
            "is_external_account": False,
            "status": m.status,
            "permission_profile": profile(account, m.profile_id),
            "created_on": ts(m.created_on),
            "groups": groups(account, m),
            "is_admin": bool(found and found.name == ADMIN_PROFILE),
        }
    )


def drilldown(state: State, user: User) -> dict[str, Any]:
    """One user of ``GET .../users/profile`` (UserDrilldownResponse)."""
    default = state.accounts.get(user.default_account_id or "")
    return compact(
        {
            "id": user.id,
            "site_id": SITE_ID,
            "user_name": user.user_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "user_status": user.user_status,
            "default_account_id": default.id if default else None,
            "default_account_name": default.name if default else None,
            "language_culture": user.language_culture,
            "is_organization_admin": user.organization_admin,
            "created_on": ts(user.created_on),
            "memberships": [membership(state, user, m) for m in user.memberships.values()],
        }
    )


def new_user(state: State, user: User, account_ids: list[str]) -> dict[str, Any]:
    """``NewUserResponse`` for the memberships a create request touched."""
    accounts = []
    for account_id in account_ids:
        m = user.memberships[account_id]
        account = state.accounts[account_id]
        accounts.append(
            compact(
                {
                    "id": account_id,
                    "site_id": SITE_ID,
                    "permission_profile": profile(account, m.profile_id),
                    "groups": groups(account, m),
                    "company_name": m.company_name,
                    "job_title": m.job_title,
                }
            )
        )
    return compact(
        {
            "id": user.id,
            "site_id": SITE_ID,
            "user_name": user.user_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "language_culture": user.language_culture,
            "accounts": accounts,
        }
    )


def paging(request: SandboxRequest, start: int, take: int, size: int, total: int) -> dict[str, Any]:
    """DocuSign's paging object; ``next``/``previous`` are full URLs with ``start`` moved."""
    return compact(
        {
            "result_set_size": size,
            "result_set_start_position": start,
            "result_set_end_position": start + size - 1 if size else start,
            "total_set_size": total,
            "next": request.url_with(start=start + take, take=take) if start + size < total else None,
            "previous": request.url_with(start=max(0, start - take), take=take) if start > 0 else None,
        }
    )
