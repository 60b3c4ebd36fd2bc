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

from tools.actions import ListAccount
from tools.docusign.resolvers import AccountRef
from tools.operations import _common as c
from tools.operations._common import Env, OperationError, Outcome, Plan, Target


def resolve(action: ListAccount, env: Env) -> Target:
    if action.operation == "user_memberships":
        return Target(user=c.fetch_user(env, c.given(action.email, "email")), user_checked=True)
    if action.account:
        return Target(accounts=(env.directory.account(action.account),))
    return Target()


def plan(action: ListAccount, target: Target, env: Env) -> Plan:
    if action.operation == "user_memberships":
        email = c.given(action.email, "email")
        user = c.require_user(target, email)
        return Plan.reading(f"show {email}'s memberships", lambda: _memberships(email, user))
    if action.operation == "organization":
        return Plan.reading("show the organization and its accounts", lambda: _organization(env))
    account = target.accounts[0]
    if action.operation == "permission_profiles":
        return Plan.reading(f"list permission profiles on {account.name}", lambda: _profiles(env, account))
    return Plan.reading(f"list groups on {account.name}", lambda: _groups(env, account))


def _memberships(email: str, user: c.User) -> Outcome:
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
    linked = org.accounts or []
    accounts = [{"id": str(a.id), "name": a.name} for a in linked]
    default = next((a.name for a in linked if str(a.id) == str(org.default_account_id)), None)
    data = {"id": str(org.id), "name": org.name, "default_account": default, "accounts": accounts}
    summary = (f"{org.name}: {len(accounts)} linked account(s): " + ", ".join(str(a.name) for a in linked)
               + (f" (default {default})" if default else ""))
    return Outcome(summary=summary, data=data)


def _profiles(env: Env, account: AccountRef) -> Outcome:
    listed = env.client.permission_profiles(env.org_id, account.id)
    profiles = [{"id": p.id, "name": p.name} for p in listed]  # both set in every answer (the spec's)
    summary = f"Permission profiles on {account.name}: " + ", ".join(str(p.name) for p in listed)
    return Outcome(summary=summary, data={"account": account.name, "permission_profiles": profiles})


def _groups(env: Env, account: AccountRef) -> Outcome:
    listed = env.client.groups(env.org_id, account.id)
    groups = [{"id": g.id, "name": g.name} for g in listed]
    summary = f"Groups on {account.name}: " + (", ".join(str(g.name) for g in listed) or "none")
    return Outcome(summary=summary, data={"account": account.name, "groups": groups})
