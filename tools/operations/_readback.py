"""Read-back after a lost answer: send a write at most once more, and only when it did not happen.

Why: when DocuSign's answer to a write is lost (a 5xx, a read timeout, a reset connection) the
client cannot know whether the write was applied (``errors.OutcomeUnknown``). Resending blindly
applies it twice or meets "already closed" and reports a failure that is false; giving up reports
"unreachable" for a change that is in place. Each write therefore declares, as data, what DocuSign
shows once it took effect (``Expect``); after a lost answer the user is read back and:

| read back shows          | then                                                                |
|--------------------------|---------------------------------------------------------------------|
| the effect is there      | done, and the person is told the answer was lost and the read-back  |
| the effect is not there  | sent once more; a second lost answer is read back again: there →    |
|                          | done; not there → "not applied, nothing was changed"                |
| nothing readable / fails | "may or may not have been applied" with what to check; never resent |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tools.docusign import errors
from tools.operations import _common as c
from tools.operations._common import Env, OperationError, Write


@dataclass(frozen=True)
class Expect:
    """What the user's drilldown shows once a write took effect (account ids as DocuSign spells them).

    ``unreadable`` names what the write also sets but the Admin API never shows (a job title): when
    nothing else is checked, the outcome stays unknown rather than guessed.
    """

    email: str
    open_on: tuple[str, ...] = ()
    closed_on: tuple[str, ...] = ()
    profile: Mapping[str, int] = field(default_factory=dict)
    groups_include: Mapping[str, frozenset[int]] = field(default_factory=dict)
    groups_exact: Mapping[str, frozenset[int]] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    gone: bool = False
    unreadable: tuple[str, ...] = ()

    def took_effect(self, user: Any) -> bool | None:
        """True: the write's effect is there; False: it is not; None: nothing readable to tell by."""
        if self.gone:
            return user is None
        if user is None:
            return False
        checks = [
            *(_open(c.membership_on(user, a)) for a in self.open_on),
            *(not _open(c.membership_on(user, a)) for a in self.closed_on),
            *(_profile_is(c.membership_on(user, a), pid) for a, pid in self.profile.items()),
            *(ids <= _group_ids(c.membership_on(user, a)) for a, ids in self.groups_include.items()),
            *(ids == _group_ids(c.membership_on(user, a)) for a, ids in self.groups_exact.items()),
            *(getattr(user, name, None) == value for name, value in self.names.items()),
        ]
        if not checks:
            return None
        return all(checks)


def _open(membership: Any) -> bool:
    return membership is not None and not c.is_closed(membership)


def _profile_is(membership: Any, profile_id: int) -> bool:
    return membership is not None and c.profile_id(membership) == profile_id


def _group_ids(membership: Any) -> set[int]:
    return c.group_ids(membership) if membership is not None else set()


LOST_APPLIED = ("(DocuSign's answer to the request was lost; reading the user back shows the change is in "
                "place, so it was not sent again.)")
LOST_NOT_APPLIED = ("(DocuSign's first answer was lost; reading the user back showed nothing had changed, so "
                    "the request was sent once more.)")


def send(env: Env, write: Write, what: str) -> str | None:
    """Make ``write`` at most once; None when DocuSign answered, else the note the person reads."""
    try:
        _call(env, write)
        return None
    except errors.OutcomeUnknown as lost:
        if _read_back(env, write, what, lost):
            return LOST_APPLIED
    try:
        _call(env, write)
    except errors.OutcomeUnknown as lost_again:
        if _read_back(env, write, what, lost_again):
            return LOST_APPLIED
        raise OperationError(
            f"'{what}' was not applied: DocuSign's answer was lost twice ({lost_again.message}) and reading "
            "the user back shows no change; nothing was changed",
            fix="DocuSign is having trouble; ask again in a few minutes") from lost_again
    return LOST_NOT_APPLIED


def _call(env: Env, write: Write) -> Any:
    return getattr(env.client, write.method)(env.org_id, *write.path, write.body)


def _read_back(env: Env, write: Write, what: str, lost: errors.OutcomeUnknown) -> bool:
    """Whether the write took effect, read from DocuSign now; OperationError when it cannot be told."""
    expect = write.expect
    head = f"DocuSign's answer to '{what}' was lost ({lost.message})"
    unknown = "; it may or may not have been applied and was not sent again"
    if expect is None:
        raise OperationError(head + unknown, fix="check the result in DocuSign before asking again") from lost
    check = f"check {expect.email} with list_account 'user_memberships' before asking again"
    try:
        user = c.fetch_user(env, expect.email)
    except errors.DocuSignError as exc:
        raise OperationError(f"{head} and reading {expect.email} back failed too ({exc}){unknown}",
                             fix=check) from lost
    verdict = expect.took_effect(user)
    if verdict is None:
        hidden = " and ".join(expect.unreadable) or "what it changes"
        raise OperationError(f"{head}, and DocuSign's Admin API does not show {hidden}{unknown}",
                             fix="asking again sets the same value, so it is safe to repeat") from lost
    return verdict
