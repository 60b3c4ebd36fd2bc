"""list_users' permission-profile and group filters: names read on each account, applied here.

Why here and not in DocuSign's query: the Admin API's user listing (OrganizationUsers_GetV2)
filters by account, status, membership status, email and last change, never by profile or group,
and its rows carry neither. So the listing keeps its server-side filters (the fewest rows to look
at), then each remaining user's drilldown (GET users/profile?email=, one request per user, run
``max_concurrency`` at a time) says the membership's profile and groups, and only the memberships
that match are kept. A question about one email is answered from that one drilldown.

Why names are checked against the account first: "Account Administrator" means something on one
account only, and a name the account lacks must be refused with the names it has ("EMEA has no
group 'HR'; its groups are ..."). Ignoring a filter would list everyone: a wrong answer that
reads like a right one. Without an account, the filter covers every account that has a profile
(and group) of that name, each membership judged against its own account's spelling: "who are the
admins?" means the administrators wherever they are; an account without such a profile has none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from typing import Any

from tools.actions import ListUsers
from tools.docusign.resolvers import AccountRef
from tools.operations import _common as c
from tools.operations._common import Env, OperationError

# the filter's field, how a person reads it, and how the account's names are read
_KINDS = (("permission_profile", "permission profile", "permission profiles"), ("group", "group", "groups"))


@dataclass(frozen=True)
class AccountNames:
    """One account in scope, with the filter's names as that account spells them."""

    account: AccountRef
    profile: str | None
    group: str | None


@dataclass(frozen=True)
class MembershipFilter:
    """The profile and group asked for, resolved on each account they apply to."""

    profile: str | None
    group: str | None
    on: tuple[AccountNames, ...]

    @property
    def accounts(self) -> list[AccountRef]:
        return [a.account for a in self.on]

    def describe(self) -> str:
        """" with permission profile 'Account Administrator' in group 'Sales'" (the account's spelling)."""
        first = self.on[0]
        parts = [f" with permission profile '{first.profile}'" if self.profile else "",
                 f" in group '{first.group}'" if self.group else ""]
        return "".join(parts)

    def matches(self, membership: c.Membership) -> bool:
        """Whether the membership is on an account in scope and has the profile and group asked."""
        names = next((a for a in self.on if a.account.id.lower() == str(membership.account_id).lower()), None)
        if names is None:
            return False
        if names.profile and _norm(c.profile_name(membership) or "") != _norm(names.profile):
            return False
        groups = {_norm(g.name or "") for g in membership.groups or []}
        return not names.group or _norm(names.group) in groups


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _names(env: Env, field: str, account: AccountRef) -> list[str]:
    refs = (env.directory.permission_profiles(account.id) if field == "permission_profile"
            else env.directory.groups(account.id))
    return [r.name for r in refs]


def _spelled(wanted: str, names: Iterable[str]) -> str | None:
    return next((n for n in names if _norm(n) == _norm(wanted)), None)


def resolve(action: ListUsers, env: Env, accounts: Sequence[AccountRef]) -> MembershipFilter | None:
    """The filter on ``accounts`` (the one named, else every linked account); None without one.

    Refused (OperationError, nothing read beyond the names) when the named account lacks a name,
    or when no account has them all."""
    asked = [(f, one, many, getattr(action, f)) for f, one, many in _KINDS if getattr(action, f)]
    if not asked:
        return None
    on, known = [], {}
    for account in accounts:
        spelled = {}
        for f, _, _, wanted in asked:
            known[(account.name, f)] = names = _names(env, f, account)
            spelled[f] = _spelled(wanted, names)
        if all(spelled.values()):
            on.append(AccountNames(account, spelled.get("permission_profile"), spelled.get("group")))
    if on:
        return MembershipFilter(action.permission_profile, action.group, tuple(on))
    raise _unknown(asked, accounts, known)


def _unknown(asked: list[tuple[str, str, str, str]], accounts: Sequence[AccountRef],
             known: dict[tuple[str, str], list[str]]) -> OperationError:
    """'EMEA has no group 'HR'; its groups are Everyone, Administrators, Sales, Finance'."""
    for f, one, many, wanted in asked:
        missing = [a for a in accounts if _spelled(wanted, known[(a.name, f)]) is None]
        if len(missing) < len(accounts):
            continue  # some account has this one: the combination is what no account has
        if len(accounts) == 1:
            names = known[(accounts[0].name, f)]
            return OperationError(f"{accounts[0].name} has no {one} '{wanted}'; its {many} are "
                                  f"{', '.join(names) or 'none'}",
                                  fix=f"name one of {accounts[0].name}'s {many}", suggestions=names)
        every = sorted({n for a in accounts for n in known[(a.name, f)]}, key=str.casefold)
        return OperationError(f"no account has a {one} '{wanted}'; the accounts' {many} are "
                              f"{', '.join(every)}", fix=f"name one of these {many}", suggestions=every)
    both = " and ".join(f"{one} '{wanted}'" for _, one, _, wanted in asked)
    return OperationError(f"no account has both {both}",
                          fix="name the account, or ask for the profile and the group one at a time")


def drilldowns(env: Env, emails: Sequence[str]) -> list[c.User | None]:
    """Each user's drilldown (profile and groups per membership), ``max_concurrency`` at a time."""
    if len(emails) <= 1:
        return [env.client.user_profile(env.org_id, e) for e in emails]
    workers = max(1, min(env.max_concurrency, len(emails)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="list-users-filter") as pool:
        # each task runs in a copy of this context, so the gate's audit context follows it
        futures = [pool.submit(copy_context().run, env.client.user_profile, env.org_id, e) for e in emails]
        return [f.result() for f in futures]


def answer_for_one(email: str, user: c.User | None, filt: MembershipFilter,
                   matched: list[dict[str, Any]]) -> str:
    """'Yes: ...' or 'No: ...' first, for a question about one person ("is zoe an admin on EMEA?")."""
    first = filt.on[0]
    profile, group = (f"permission profile '{first.profile}'" if filt.profile else "",
                      f"group '{first.group}'" if filt.group else "")
    if user is None:
        return f"No: there is no DocuSign user {email} in this organization."
    if matched:
        held = " and ".join(filter(None, (profile and f"has {profile}", group and f"is in {group}")))
        return f"Yes: {email} {held} on {', '.join(m['account'] for m in matched)}."
    lacks = (f"does not have {profile}" + (f" in {group}" if group else "")) if profile else (
        f"is not in {group}")
    others = [f"{m.account_name}: {c.profile_name(m) or 'no profile'}"
              + (f", groups {', '.join(c.group_names(m))}" if c.group_names(m) else "")
              + ("" if (m.status or "") == "active" else f" ({m.status})")
              for m in c.memberships(user)
              if any(a.id.lower() == str(m.account_id).lower() for a in filt.accounts)]
    has = f" ({'; '.join(others)})" if others else " (no membership there)"
    return f"No: {email} {lacks} on {', '.join(a.name for a in filt.accounts)}{has}."
