"""list_account: the organization, an account's profiles and groups, or a user's memberships.

| operation           | requests (spec operationId)                                                 |
|---------------------|-----------------------------------------------------------------------------|
| organization        | GET /v2/organizations  (Organization_GetListV2)                              |
| permission_profiles | GET /v2/organizations/{org}/accounts/{acct}/permissions                      |
|                     | (Accounts_GetPermissionProfilesV2)                                          |
| groups              | GET /v2/organizations/{org}/accounts/{acct}/groups  (Accounts_GetGroupsV2)    |
| user_memberships    | GET /v2/organizations/{org}/users/profile?email=  (GetProfileV2): memberships |
|                     | per account with permission profile and groups                              |

Account names resolve through the Directory (cached); the listings themselves are read fresh,
because a person asking "what profiles are there" expects what DocuSign has now.
"""

from __future__ import annotations

from typing import Any

from tools.actions import ListAccount
from tools.operations import _common as c
from tools.operations._common import Env, OperationError, Outcome, Plan, Target


def resolve(action: ListAccount, env: Env) -> Target:
    if action.operation == "user_memberships":
        return Target(user=c.fetch_user(env, action.email), user_checked=True)
    if action.account:
        return Target(accounts=(env.directory.account(action.account),))
    return Target()


def plan(action: ListAccount, target: Target, env: Env) -> Plan:
    if action.operation == "user_memberships":
        user = c.require_user(target, action.email)
        return Plan.reading(f"show {action.email}'s memberships", lambda: _memberships(action.email, user))
    if action.operation == "organization":
        return Plan.reading("show the organization and its accounts", lambda: _organization(env))
    account = target.accounts[0]
    if action.operation == "permission_profiles":
        return Plan.reading(f"list permission profiles on {account.name}", lambda: _profiles(env, account))
    return Plan.reading(f"list groups on {account.name}", lambda: _groups(env, account))


def _memberships(email: str, user: Any) -> Outcome:
    view = c.user_view(user)
    lines = [f"{m['account']}: {m['status']}, '{m['permission_profile']}'"
             + (f", groups {', '.join(m['groups'])}" if m["groups"] else "") for m in view["memberships"]]
    summary = f"{email} has {len(lines)} membership(s)" + (": " + "; ".join(lines) if lines else "")
    return Outcome(summary=summary, data=view)


def _organization(env: Env) -> Outcome:
    orgs = env.client.organizations()
    org = next((o for o in orgs if str(o.id).lower() == env.org_id.lower()), None)
    if org is None:
        raise OperationError("the organization is not visible to this integration",
                             fix="check the organization id in the configuration")
    accounts = [{"id": str(a.id), "name": a.name} for a in org.accounts or []]
    default = next((a["name"] for a in accounts if a["id"] == str(org.default_account_id)), None)
    data = {"id": str(org.id), "name": org.name, "default_account": default, "accounts": accounts}
    summary = (f"{org.name}: {len(accounts)} linked account(s): " + ", ".join(a["name"] for a in accounts)
               + (f" (default {default})" if default else ""))
    return Outcome(summary=summary, data=data)


def _profiles(env: Env, account: Any) -> Outcome:
    listed = env.client.permission_profiles(env.org_id, account.id)
    profiles = [{"id": int(p.id), "name": p.name} for p in listed]
    summary = f"Permission profiles on {account.name}: " + ", ".join(p["name"] for p in profiles)
    return Outcome(summary=summary, data={"account": account.name, "permission_profiles": profiles})


def _groups(env: Env, account: Any) -> Outcome:
    groups = [{"id": int(g.id), "name": g.name} for g in env.client.groups(env.org_id, account.id)]
    summary = f"Groups on {account.name}: " + (", ".join(g["name"] for g in groups) or "none")
    return Outcome(summary=summary, data={"account": account.name, "groups": groups})
