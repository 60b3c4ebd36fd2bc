"""From a plan's preview rows to the facts the policy judges: who gains or loses an administrator profile.

Why administrator profiles are known, not guessed: DocuSign marks each membership it returns
with ``is_admin``; that flag wins. Only where DocuSign says nothing (a profile about to be
granted, a membership without the flag) does the policy's ``constraints.admin_profiles`` name
them, together with any profile name DocuSign itself marked as an administrator's on the user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from policies.preview import Impact, PreviewRow
from tools.operations import _common as c

ACCESS_FIELDS = frozenset({"status", "permission_profile", "groups"})
ACTIVE = "active"


class AdminProfiles:
    """Which profiles and memberships are an administrator's, for one target user."""

    def __init__(self, names: Iterable[str], user: c.User | None = None) -> None:
        known = {n.strip().lower() for n in names}
        for m in c.memberships(user):  # names DocuSign itself marks as an administrator's
            if m.is_admin and c.profile_name(m):
                known.add(str(c.profile_name(m)).strip().lower())
        self.names = frozenset(known)

    def profile(self, name: str | None) -> bool:
        return name is not None and name.strip().lower() in self.names

    def membership(self, m: c.Membership) -> bool:
        """The membership carries an administrator profile (whatever its status)."""
        flag = m.is_admin
        return bool(flag) if flag is not None else self.profile(c.profile_name(m))

    def active(self, m: c.Membership) -> bool:
        """An active holder: the membership is active and an administrator's."""
        return (m.status or "").lower() == ACTIVE and self.membership(m)


def impact_of(rows: Iterable[PreviewRow], user: c.User | None, admins: AdminProfiles) -> Impact:
    """The ``Impact`` of a write whose preview is ``rows`` on ``user`` (None: a user to be created)."""
    by_account: dict[str, dict[str, PreviewRow]] = {}
    names: dict[str, str] = {}
    for r in rows:
        if r.field in ACCESS_FIELDS and r.account_id:
            by_account.setdefault(r.account_id, {})[r.field] = r
            names[r.account_id] = r.account
    grants, removes = [], []
    for account_id, fields in by_account.items():
        m = c.membership_on(user, account_id) if user is not None else None
        before = m is not None and admins.active(m)
        status = fields.get("status")
        profile = fields.get("permission_profile")
        if status is not None and status.after == "closed":
            after = False
        elif profile is not None:
            after = admins.profile(profile.after)
        else:
            after = m is not None and admins.membership(m)
        if after and not before:
            grants.append(names[account_id])
        if before and not after:
            removes.append(names[account_id])
    held = sum(1 for m in c.memberships(user) if admins.active(m)) if user is not None else 0
    closes = sum(1 for fields in by_account.values()
                 if "status" in fields and fields["status"].after == "closed")
    return Impact(grants_admin=tuple(grants), removes_admin=tuple(removes), closes=closes,
                  accounts=len(by_account), admin_kept=held - len(removes) + len(grants))


def admin_accounts(user: c.User | None, admins: AdminProfiles) -> list[str]:
    """Ids of the accounts where ``user`` is an active administrator (what a guard's lock covers)."""
    return sorted(str(m.account_id) for m in c.memberships(user) if admins.active(m))


def another_admin(env: c.Env, account_id: str, email: str,
                  admins: Callable[[c.User | None], AdminProfiles]) -> bool:
    """Whether someone other than ``email`` actively holds an administrator profile on the account.

    Read fresh from DocuSign (the users of the account, then each one's memberships until one is
    found), under the account's lock, so a concurrent demotion cannot slip between count and write.
    """
    wanted = email.strip().lower()
    for row in env.client.users(env.org_id, account_id=account_id):
        other = (row.email or "").strip().lower()
        if not other or other == wanted:
            continue
        if (row.membership_status or ACTIVE).lower() != ACTIVE:
            continue
        user = env.client.user_profile(env.org_id, other)
        m = c.membership_on(user, account_id) if user is not None else None
        if m is not None and admins(user).active(m):
            return True
    return False
