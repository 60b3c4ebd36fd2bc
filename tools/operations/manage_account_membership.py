"""manage_account_membership: one user's membership on one account, mapped onto the Admin API.

| operation                 | requests (spec operationId)                                           |
|---------------------------|-----------------------------------------------------------------------|
| (all)                     | GET /v2/organizations/{org}/users/profile?email=  (GetProfileV2)       |
| change_permission_profile | POST /v2/organizations/{org}/users/profiles  (Users_UpdateV2,          |
|                           | UpdateUsersRequest.users[].memberships[].permission_profile)          |
| set_groups / add_groups / | POST /v2/organizations/{org}/users/profiles                            |
| remove_groups             | (UpdateMembershipRequest.groups = the membership's whole new group set)|
| add_to_account            | POST /v2/organizations/{org}/accounts/{acct}/users                     |
|                           | (OrganizationUsers_PostAccountUsersV2, NewAccountUserRequest)         |
| remove_from_account       | DELETE /v2/organizations/{org}/users/{userId}/accounts                 |
|                           | (Users_CloseMembershipsV2, DeleteMembershipsRequest)                  |

Why groups are always sent as the whole set: add and remove become the same idempotent request
(the set the membership should end with), so a retried or repeated call cannot drift.
Nothing is written when the membership already is as asked; asking to change a membership the
user does not have is an error that names the account.
"""

from __future__ import annotations

from typing import Any

from tools.actions import ManageAccountMembership
from tools.operations import _common as c
from tools.operations._common import Env, OperationError, Plan, Target
from tools.operations._readback import Expect
from tools.operations.manage_user import add_to_account, close_plan


def resolve(action: ManageAccountMembership, env: Env) -> Target:
    directory = env.directory
    account = directory.account(action.account)
    profile = (directory.permission_profile(account.id, action.permission_profile)
               if action.permission_profile else None)
    groups = tuple(dict.fromkeys(directory.group(account.id, g) for g in action.groups or ()))
    user = c.fetch_user(env, action.email)
    return Target(accounts=(account,), profile=profile, groups=groups, user=user, user_checked=True)


def plan(action: ManageAccountMembership, target: Target, env: Env) -> Plan:
    user = c.require_user(target, action.email, hint=(
        "to give a new person access use manage_user operation 'provision'"
        if action.operation == "add_to_account" else None))
    account = target.accounts[0]
    membership = c.membership_on(user, account.id)
    if action.operation == "add_to_account":
        return _add_to_account(action, target, user, membership)
    if membership is None:
        raise OperationError(
            f"{action.email} has no membership on {account.name}; nothing was changed",
            fix="list the user's memberships with list_account operation 'user_memberships'"
            + ("" if action.operation == "remove_from_account"
               else ", or add the user with operation 'add_to_account'"),
        )
    if action.operation == "remove_from_account":
        if c.is_closed(membership):
            return Plan.nothing_to_do(
                f"{action.email}'s membership on {account.name} is already closed; nothing was changed")
        return close_plan(user, action.email, [membership])
    if c.is_closed(membership):
        raise OperationError(
            f"{action.email}'s membership on {account.name} is closed; nothing was changed",
            fix=f"reopen it with manage_user operation 'reactivate' and account '{account.name}'",
        )
    if action.operation == "change_permission_profile":
        return _change_profile(action, target, user, membership)
    return _change_groups(action, target, user, membership)


def _add_to_account(action: ManageAccountMembership, target: Target, user: c.User,
                    membership: c.Membership | None) -> Plan:
    account = target.accounts[0]
    if membership is not None and c.is_closed(membership):
        raise OperationError(
            f"{action.email}'s membership on {account.name} is closed; nothing was changed",
            fix=f"reopen it with manage_user operation 'reactivate' and account '{account.name}'",
        )
    if membership is not None:
        return Plan.nothing_to_do(
            f"{action.email} is already on {account.name} as '{c.profile_name(membership)}'; "
            "nothing was changed", data=c.membership_view(membership))
    profile = f" as '{target.profile.name}'" if target.profile else ""
    what = f"{action.email} to {account.name}{profile}{c.in_groups(target.groups)}"
    return add_to_account(action.email, user.first_name, user.last_name, account, target, f"add {what}",
                          f"Added {what}.")


def _membership_update(user: c.User, account_id: str, expect: Expect, **fields: Any) -> c.Write:
    body = {"users": [{"id": str(user.id), "site_id": user.site_id,
                       "memberships": [{"account_id": account_id, **fields}]}]}
    return c.write("update_users", model="UpdateUsersRequest", body=body, expect=expect)


def _change_profile(action: ManageAccountMembership, target: Target, user: c.User,
                    membership: c.Membership) -> Plan:
    account, profile = target.accounts[0], c.given(target.profile, "permission_profile")
    if c.profile_id(membership) == int(profile.id):
        return Plan.nothing_to_do(
            f"{action.email} already is '{profile.name}' on {account.name}; nothing was changed")
    what = (f"{action.email}'s permission profile on {account.name} from '{c.profile_name(membership)}' "
            f"to '{profile.name}'")
    update = _membership_update(user, account.id, Expect(action.email, profile={account.id: int(profile.id)}),
                                permission_profile=c.as_profile_request(profile))
    return Plan.writing(f"change {what}", f"Changed {what}.", update, preview=[
        c.row(membership, "permission_profile", c.profile_name(membership), profile.name)])


def _change_groups(action: ManageAccountMembership, target: Target, user: c.User,
                   membership: c.Membership) -> Plan:
    account = target.accounts[0]
    current = {int(g.id): g for g in (membership.groups or []) if g.id is not None}
    # every member is in the account's everyone group; DocuSign does not let it be left
    automatic = {gid: g for gid, g in current.items() if (g.type or "").lower() == c.EVERYONE_GROUP}
    named = {int(g.id): g for g in target.groups}
    if action.operation == "remove_groups" and automatic.keys() & named.keys():
        raise OperationError(f"every member of {account.name} is in {c.names(automatic.values())}; it "
                             "cannot be removed; nothing was changed")
    wanted: dict[int, c.Named]
    if action.operation == "set_groups":
        wanted = {**automatic, **named}
    elif action.operation == "add_groups":
        wanted = {**current, **named}
    else:
        absent = [g for gid, g in named.items() if gid not in current]
        if absent:
            raise OperationError(
                f"{action.email} is not in {c.names(absent)} on {account.name}; nothing was changed",
                fix=f"the user's groups there are {sorted(c.group_names(membership)) or 'none'}",
            )
        wanted = {gid: g for gid, g in current.items() if gid not in named}
    if set(wanted) == set(current):
        listed = sorted(str(g.name) for g in wanted.values()) or "none"
        return Plan.nothing_to_do(
            f"{action.email}'s groups on {account.name} already are {listed}; nothing was changed")
    added = [g for gid, g in wanted.items() if gid not in current]
    removed = [g for gid, g in current.items() if gid not in wanted]
    parts = [f"added to {c.names(added)}"] if added else []
    parts += [f"removed from {c.names(removed)}"] if removed else []
    what = f"{action.email} on {account.name}: {' and '.join(parts)}"
    chosen = (g.name for g in wanted.values() if (getattr(g, "type", None) or "").lower() != c.EVERYONE_GROUP)
    return Plan.writing(f"change groups of {what}", f"Changed groups of {what}.",
                        _membership_update(user, account.id, Expect(action.email, groups_exact={
                            account.id: frozenset(wanted)}), groups=[{"id": gid} for gid in sorted(wanted)]),
                        preview=[c.row(membership, "groups", c.group_list(c.group_names(membership)),
                                       c.group_list(chosen))])
