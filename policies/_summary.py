"""One line saying what a call would do: the text a person confirms or an approver approves.

Written from the resolved call (ids already turned into names), so what is shown is what runs.
"""

from __future__ import annotations

from policies.call import ResolvedCall

_MEMBERSHIP = {
    "change_permission_profile": "change {who}'s permission profile{on} to {wanted}",
    "set_groups": "set {who}'s groups{on} to exactly: {groups}",
    "add_groups": "add {who} to groups {groups}{on}",
    "remove_groups": "remove {who} from groups {groups}{on}",
    "add_to_account": "add {who} to {where}{profile}",
    "remove_from_account": "remove {who} from {where}",
}


def summarize(call: ResolvedCall) -> str:
    """One line saying exactly what the call would change or read, for a person to confirm."""
    who = call.target_email or "(no user)"
    where = ", ".join(call.account_names or call.account_ids)
    on = f" on {where}" if where else ""
    wanted = repr(call.permission_profile)
    profile = f" as {wanted}" if call.permission_profile else ""
    groups = ", ".join(call.groups)
    op = call.operation
    if call.action == "manage_user":
        if op == "provision":
            extra = f" in groups {groups}" if groups else ""
            return f"provision {who}{on or ' on the default account'}{profile}{extra}"
        if op == "update":
            fields = [f"{k}={call.args[k]!r}" for k in ("first_name", "last_name", "job_title")
                      if call.args.get(k)]
            return f"update {who}: {', '.join(fields) or 'no field'}{on}"
        if op == "close":
            scope = on or (" on every account" if call.args.get("all_accounts") else "")
            return f"close {who}'s membership(s){scope}"
        if op == "reactivate":
            return f"reactivate {who}'s closed membership{on}{profile}"
        if op == "purge":
            return f"purge {who}: irreversibly redact their personal data from the organization"
    if call.action == "manage_account_membership" and op in _MEMBERSHIP:
        # only the phrase asked for is built (decide() words every confirmation it asks for)
        return _MEMBERSHIP[op].format(who=who, on=on, wanted=wanted, groups=groups or "(none)",
                                      where=where or "the account", profile=profile)
    if call.action == "list_users":
        return f"list users{on or ' on every account'}" + (f" matching {who}" if call.target_email else "")
    if call.action == "list_account":
        return f"read {op.replace('_', ' ')}" + (f" of {who}" if call.target_email else "") + on
    return f"{call.action} {op} {who}{on}"
