"""manage_user: create, rename, close, reopen and purge users, mapped onto the Admin API.

| operation  | requests (spec operationId)                                                          |
|------------|--------------------------------------------------------------------------------------|
| (all)      | GET  /v2/organizations/{org}/users/profile?email=  (OrganizationUsers_GetProfileV2)   |
| provision  | new user:        POST /v2/organizations/{org}/users  (Users_AddV2, NewUserRequest)     |
|            | other account:   POST /v2/organizations/{org}/accounts/{acct}/users                   |
|            |                  (OrganizationUsers_PostAccountUsersV2, NewAccountUserRequest)       |
|            | already has it:  no write; a closed membership: refused, pointing to reactivate      |
| update     | POST /v2/organizations/{org}/users/profiles  (Users_UpdateV2, UpdateUsersRequest)     |
| close      | DELETE /v2/organizations/{org}/users/{userId}/accounts  (Users_CloseMembershipsV2,   |
|            | DeleteMembershipsRequest: one, several or all of the user's open memberships)        |
| reactivate | GET  /v2/organizations/{org}/users?email=&account_id=  (the closed membership's id)   |
|            | POST /v2/organizations/{org}/users/{userId}/memberships/{membershipId}               |
|            | (Users_ActivateMembershipV2, ForceActivateMembershipRequest), then, for a new        |
|            | profile or groups, POST .../users/profiles (UpdateUsersRequest)                      |
| purge      | GET  /v2/organizations/{org}/users?email=  (closed_on, for the 24 h rule; asked once: |
|            | a confirmed or approved re-run skips it, DocuSign enforces the rule itself)           |
|            | POST /v2/data_redaction/organizations/{org}/user                                     |
|            | (DataRedaction_RedactIndividualUserData, IndividualUserDataRedactionRequest)         |

Why a provision checks first: DocuSign does not document what a duplicate create does, and a
person asking twice expects "already done", not a second user or an error.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tools.actions import ManageUser
from tools.operations import _common as c
from tools.operations._common import Env, OperationError, Plan, Target
from tools.operations._readback import Expect

PURGE_AFTER = timedelta(hours=24)


def resolve(action: ManageUser, env: Env) -> Target:
    directory = env.directory
    accounts: tuple[Any, ...] = ()
    if action.operation == "provision":
        accounts = (directory.account(action.account) if action.account else directory.default_account(),)
    elif action.accounts:
        # one entry per account, however it was named ("EMEA", "emea", its id)
        accounts = tuple(dict.fromkeys(directory.account(a) for a in action.accounts))
    elif action.account:
        accounts = (directory.account(action.account),)
    account_id = accounts[0].id if accounts else None
    profile = None
    groups: tuple[Any, ...] = ()
    if action.permission_profile or action.groups:
        if account_id is None:
            raise OperationError(f"{action.operation} with a permission profile or groups needs 'account'",
                                 fix="name the account the profile or groups belong to")
        if action.permission_profile:
            profile = directory.permission_profile(account_id, action.permission_profile)
        groups = tuple(dict.fromkeys(directory.group(account_id, g) for g in action.groups or ()))
    user = c.fetch_user(env, action.email)
    return Target(accounts=accounts, profile=profile, groups=groups, user=user, user_checked=True)


def plan(action: ManageUser, target: Target, env: Env) -> Plan:
    return _PLANNERS[action.operation](action, target, env)


# -- provision -----------------------------------------------------------------------------------


def _provision(action: ManageUser, target: Target, env: Env) -> Plan:
    account = target.accounts[0]
    profile = f" as '{target.profile.name}'" if target.profile else ""
    access = f"{account.name}{profile}{c.in_groups(target.groups)}"
    user = target.user
    if user is None:
        body = c.drop_none({
            "email": action.email,
            "user_name": _display_name(action),
            "first_name": action.first_name,
            "last_name": action.last_name,
            "default_account_id": account.id,
            # users on the org's claimed domains become active at once; others get an activation email
            "auto_activate_memberships": True,
            "accounts": [c.drop_none({
                "id": account.id,
                "permission_profile": c.as_profile_request(target.profile),
                "groups": c.as_group_requests(target.groups) or None,
                "job_title": action.job_title,
            })],
        })
        return Plan.writing(f"create user {action.email} on {access}", f"Created {action.email} on {access}.",
                            c.write("create_user", model="NewUserRequest", body=body,
                                    expect=access_granted(action.email, account.id, target)),
                            preview=[c.row(None, "user", None, action.email),
                                     *new_access(account, target)])
    if (user.user_status or "").lower() == c.CLOSED:
        raise OperationError(
            f"{action.email} exists but is closed; provisioning does not reopen a closed user; "
            "nothing was changed",
            fix=f"use manage_user operation 'reactivate' with account '{account.name}'",
        )
    membership = c.membership_on(user, account.id)
    if membership is not None and c.is_closed(membership):
        raise OperationError(
            f"{action.email}'s membership on {account.name} is closed; nothing was changed",
            fix=f"use manage_user operation 'reactivate' with account '{account.name}'",
        )
    if membership is not None:
        current = c.profile_name(membership)
        same_profile = target.profile is None or c.profile_id(membership) == int(target.profile.id)
        missing = [g for g in target.groups if int(g.id) not in c.group_ids(membership)]
        if same_profile and not missing:
            return Plan.nothing_to_do(
                f"{action.email} already has access to {account.name} as '{current}'"
                f"{c.in_groups(target.groups)}; nothing was changed",
                data=c.membership_view(membership),
            )
        held = c.group_names(membership)
        raise OperationError(
            f"{action.email} is already on {account.name} as '{current}'"
            + (f" in groups {held}" if held else "") + "; provisioning does not change an existing "
            "membership, nothing was changed",
            fix="use manage_account_membership (change_permission_profile / add_groups) to change it",
        )
    return add_to_account(action.email, action.first_name, action.last_name, account, target,
                          f"add existing user {action.email} to {access}",
                          f"Added {action.email} to {access}.")


def add_to_account(email: str, first_name: str | None, last_name: str | None, account: Any, target: Target,
                   summary: str, done: str) -> Plan:
    """An existing user's new membership on ``account`` with ``target``'s profile and groups: one
    NewAccountUserRequest, read back as access granted, whichever action (provision, add to account)
    asked for it."""
    body = c.drop_none({
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "permission_profile": c.as_profile_request(target.profile),
        "groups": c.as_group_requests(target.groups) or None,
        "auto_activate_memberships": True,
    })
    return Plan.writing(summary, done,
                        c.write("add_account_user", account.id, model="NewAccountUserRequest", body=body,
                                expect=access_granted(email, account.id, target)),
                        preview=new_access(account, target))


def new_access(account: Any, target: Target) -> list[Any]:
    """Rows of a membership that does not exist yet (no profile named: the account's default)."""
    profile = target.profile.name if target.profile is not None else "(the account's default)"
    rows = [c.row(account, "status", None, "added"), c.row(account, "permission_profile", None, profile)]
    if target.groups:
        rows.append(c.row(account, "groups", None, c.group_list(g.name for g in target.groups)))
    return rows


def access_granted(email: str, account_id: str, target: Target) -> Expect:
    """A membership open on the account, with the profile and groups asked for."""
    return Expect(email, open_on=(account_id,),
                  profile={account_id: int(target.profile.id)} if target.profile is not None else {},
                  groups_include={account_id: frozenset(int(g.id) for g in target.groups)})


def _display_name(action: ManageUser) -> str:
    name = " ".join(p for p in (action.first_name, action.last_name) if p)
    return name or action.email.split("@", 1)[0]


# -- update --------------------------------------------------------------------------------------


def _update(action: ManageUser, target: Target, env: Env) -> Plan:
    user = c.require_user(target, action.email)
    changes: dict[str, str] = {}
    rows = []
    if action.first_name and action.first_name != user.first_name:
        changes["first name"] = action.first_name
        rows.append(c.row(None, "first_name", user.first_name, action.first_name))
    if action.last_name and action.last_name != user.last_name:
        changes["last name"] = action.last_name
        rows.append(c.row(None, "last_name", user.last_name, action.last_name))
    entry: dict[str, Any] = c.drop_none({
        "id": str(user.id), "site_id": user.site_id,
        "first_name": action.first_name if "first name" in changes else None,
        "last_name": action.last_name if "last name" in changes else None,
    })
    if action.job_title:
        account_id = target.accounts[0].id if target.accounts else user.default_account_id
        membership = c.membership_on(user, account_id) if account_id else None
        if membership is None or c.is_closed(membership):
            where = target.accounts[0].name if target.accounts else "the default account"
            raise OperationError(f"{action.email} has no open membership on {where} to hold a job title; "
                                 "nothing was changed", fix="name an account where the user is active")
        entry["memberships"] = [{"account_id": str(membership.account_id), "job_title": action.job_title}]
        changes[f"job title on {membership.account_name}"] = action.job_title
        # the drilldown does not carry job titles: the row says the old one was not read
        rows.append(c.row(membership, "job_title", "(not shown by DocuSign)", action.job_title))
    if not changes:
        return Plan.nothing_to_do(f"{action.email} already has those names; nothing was changed")
    described = ", ".join(f"{k} to '{v}'" for k, v in changes.items())
    return Plan.writing(f"update {action.email}: {described}", _updated(action.email, changes),
                        c.write("update_users", model="UpdateUsersRequest", body={"users": [entry]},
                                expect=Expect(action.email, names={
                                    key: entry[key] for key in ("first_name", "last_name") if key in entry},
                                    unreadable=("job titles",) if action.job_title else ())),
                        preview=rows)


# A job title is written but never read (the Admin API's user drilldown has no job title), so the
# previous one is unknown: the reply says the title was *set*, never that it changed.
TITLE_UNREAD = "DocuSign does not report the previous title, so it may already have been that"


def _updated(email: str, changes: dict[str, str]) -> str:
    """What a done update says: names are compared with DocuSign's before they are written, so a
    changed name is a change; a job title is only known to be set."""
    names = [f"{k} to '{v}'" for k, v in changes.items() if not k.startswith("job title")]
    titles = [f"{k} to '{v}'" for k, v in changes.items() if k.startswith("job title")]
    said = [f"Updated {email}: {', '.join(names)}"] if names else []
    if titles:
        said.append(f"set the {', '.join(titles)}" if names else f"Set {email}'s {', '.join(titles)}")
        said[-1] += f" ({TITLE_UNREAD})"
    return "; ".join(said) + "."


# -- close ---------------------------------------------------------------------------------------


def _close(action: ManageUser, target: Target, env: Env) -> Plan:
    user = c.require_user(target, action.email)
    if action.all_accounts:
        open_ones = [m for m in c.memberships(user) if not c.is_closed(m)]
        if not open_ones:
            return Plan.nothing_to_do(f"{action.email} has no open membership; nothing was changed")
        return close_plan(user, action.email, open_ones)
    open_ones = []
    for account in target.accounts:
        membership = c.membership_on(user, account.id)
        if membership is None:
            raise OperationError(
                f"{action.email} has no membership on {account.name}; nothing was changed",
                fix="list the user's memberships with list_account operation 'user_memberships'",
            )
        if not c.is_closed(membership):
            open_ones.append(membership)
    if not open_ones:
        return Plan.nothing_to_do(f"{action.email}'s membership on {c.names(target.accounts)} is already "
                                  "closed; nothing was changed")
    return close_plan(user, action.email, open_ones)


def close_plan(user: Any, email: str, to_close: list[Any]) -> Plan:
    """DELETE .../users/{userId}/accounts for the given memberships (closing all closes the user)."""
    where = ", ".join(m.account_name for m in to_close)
    plural = "s" if len(to_close) > 1 else ""
    body = {"accounts": [{"id": str(m.account_id)} for m in to_close]}
    close = c.write("close_memberships", str(user.id), model="DeleteMembershipsRequest", body=body,
                    expect=Expect(email, closed_on=tuple(str(m.account_id) for m in to_close)))
    return Plan.writing(f"close {email}'s membership{plural} on {where}",
                        f"Closed {email}'s membership{plural} on {where}.", close,
                        preview=[c.row(m, "status", m.status, "closed") for m in to_close])


# -- reactivate ----------------------------------------------------------------------------------


def _reactivate(action: ManageUser, target: Target, env: Env) -> Plan:
    user = c.require_user(target, action.email)
    account = target.accounts[0]
    membership = c.membership_on(user, account.id)
    if membership is None:
        raise OperationError(
            f"{action.email} never had a membership on {account.name}; there is nothing to reactivate",
            fix="use manage_user 'provision' (or manage_account_membership 'add_to_account')")
    if not c.is_closed(membership):
        raise OperationError(
            f"{action.email}'s membership on {account.name} is {membership.status}, not closed; "
            "nothing was changed",
            fix="to change its profile use manage_account_membership 'change_permission_profile'",
        )
    membership_id = _closed_membership_id(env, action.email, account)
    writes = [c.write("activate_membership", str(user.id), membership_id,
                      model="ForceActivateMembershipRequest", body={"site_id": user.site_id},
                      expect=Expect(action.email, open_on=(account.id,)))]
    if target.profile is not None or target.groups:
        update = c.drop_none({
            "account_id": account.id,
            "permission_profile": c.as_profile_request(target.profile),
            "groups": c.as_group_requests(target.groups) or None,
        })
        writes.append(c.write("update_users", model="UpdateUsersRequest", body={"users": [
            {"id": str(user.id), "site_id": user.site_id, "memberships": [update]}]},
            expect=access_granted(action.email, account.id, target)))
    profile = f" as '{target.profile.name}'" if target.profile else ""
    what = f"{action.email}'s membership on {account.name}{profile}{c.in_groups(target.groups)}"
    rows = [c.row(account, "status", membership.status, "active")]
    if target.profile is not None and c.profile_name(membership) != target.profile.name:
        rows.append(c.row(account, "permission_profile", c.profile_name(membership), target.profile.name))
    if target.groups:
        rows.append(c.row(account, "groups", c.group_list(c.group_names(membership)),
                          c.group_list(g.name for g in target.groups)))
    return Plan.writing(f"reactivate {what}", f"Reactivated {what}.", *writes, preview=rows)


def _closed_membership_id(env: Env, email: str, account: Any) -> str:
    """Reactivation takes the ``membership_id`` of the users list (the drilldown does not name it)."""
    for row in env.client.users(env.org_id, email=email, account_id=account.id):
        if (row.email or "").lower() == email and row.membership_id:
            return str(row.membership_id)
    raise OperationError(f"DocuSign did not return the closed membership of {email} on {account.name}; "
                         "nothing was changed",
                         fix="try again; if it persists, check the user in DocuSign's admin console")


# -- purge ---------------------------------------------------------------------------------------


def _purge(action: ManageUser, target: Target, env: Env) -> Plan:
    user = c.require_user(target, action.email)
    if target.accounts:
        found = [c.membership_on(user, a.id) for a in target.accounts]
        chosen = [m for m in found if m is not None]
        if len(chosen) < len(found):
            raise OperationError(f"{action.email} has no membership on {c.names(target.accounts)}; "
                                 "nothing was changed")
    else:
        chosen = c.memberships(user)
    # DocuSign redacts only a closed user (every membership closed), whichever memberships are named
    still_open = [m for m in c.memberships(user) if not c.is_closed(m)]
    if still_open:
        where = ", ".join(str(m.account_name) for m in still_open)
        raise OperationError(
            f"{action.email} is still active on {where}; only a user closed for at least 24 hours can be "
            "purged; nothing was changed",
            fix="close the user first (manage_user 'close' with all_accounts), then purge after 24 hours",
        )
    closed_on = None if env.rerun else _closed_on(env, action.email)
    if closed_on is not None and env.now() - closed_on < PURGE_AFTER:
        ready = f"{closed_on + PURGE_AFTER:%Y-%m-%d %H:%M} UTC"
        raise OperationError(
            f"{action.email} was closed at {closed_on:%Y-%m-%d %H:%M} UTC; DocuSign purges a user only 24 "
            f"hours after closing, from {ready}; nothing was changed",
            fix=f"ask again after {ready}",
        )
    where = ", ".join(str(m.account_name) for m in chosen)
    what = f"{action.email}'s personal data on {where}"
    body = {"user_id": str(user.id), "memberships": [{"account_id": str(m.account_id)} for m in chosen]}
    return Plan.writing(f"purge {what} (permanent; it cannot be undone)", f"Purged {what}.",
                        c.write("redact_user", model="IndividualUserDataRedactionRequest", body=body,
                                # a redacted user no longer answers to the email
                                expect=Expect(action.email, gone=True)),
                        preview=[c.row(m, "personal_data", "kept", "redacted (permanent)") for m in chosen])


def _closed_on(env: Env, email: str) -> datetime | None:
    """When the user's last membership closed, as DocuSign reports it (None if not reported)."""
    times = [c.parse_time(t) for row in env.client.users(env.org_id, email=email)
             for t in (row.membership_closed_on, row.closed_on)]
    known = [t for t in times if t is not None]
    return max(known) if known else None


_PLANNERS = {
    "provision": _provision,
    "update": _update,
    "close": _close,
    "reactivate": _reactivate,
    "purge": _purge,
}
