"""What a write would change, before it runs: preview rows and the facts the policy reads from them.

Why here, below the gate: the policy's conditions (an administrator profile granted, access closed
on several accounts) and its guards (the last administrator of an account) are judged on what the
plan changes, not on what the model said. ``tools.operations`` build the rows from the state their
resolve step read; the gate turns them into an ``Impact`` and hands both to ``decide``; every
channel shows the rows through ``preview_lines``, so a person confirms the gate's words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# field -> how a person reads it; the order rows are shown in
FIELDS = {
    "user": "user",
    "status": "status",
    "permission_profile": "permission profile",
    "groups": "groups",
    "first_name": "first name",
    "last_name": "last name",
    "job_title": "job title",
    "personal_data": "personal data",
}
NONE = "(none)"


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One field of one account's membership (or of the user, ``account`` empty), before -> after."""

    account: str
    field: str
    before: str | None
    after: str | None
    account_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"account": self.account, "field": self.field, "before": self.before, "after": self.after}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PreviewRow:
        return cls(str(data.get("account") or ""), str(data.get("field") or ""),
                   _opt(data.get("before")), _opt(data.get("after")))


@dataclass(frozen=True, slots=True)
class Impact:
    """The facts conditions and guards read, gathered by the gate (``decide`` does no I/O).

    ``grants_admin``: accounts where the target gains an administrator profile.
    ``removes_admin``: accounts where the target holds an active administrator profile and the
    write closes, removes or demotes it. ``closes``: memberships the write closes or removes.
    ``accounts``: accounts whose membership the write changes. ``admin_kept``: the target's active
    administrator memberships left after the write. ``last_admin``: accounts of ``removes_admin``
    where nobody else holds an active administrator profile (counted under the account's lock).
    """

    grants_admin: tuple[str, ...] = ()
    removes_admin: tuple[str, ...] = ()
    closes: int = 0
    accounts: int = 0
    admin_kept: int = 0
    last_admin: tuple[str, ...] = ()


def preview_lines(rows: Iterable[PreviewRow], indent: str = "  ") -> list[str]:
    """The rows as a person reads them: 'EMEA: permission profile: DocuSign Sender -> DocuSign Viewer'."""
    out = []
    for row in rows:
        where = f"{row.account}: " if row.account else ""
        label = FIELDS.get(row.field, row.field.replace("_", " "))
        out.append(f"{indent}{where}{label}: {row.before or NONE} -> {row.after or NONE}")
    return out


def preview_dicts(rows: Sequence[PreviewRow]) -> list[dict[str, Any]]:
    return [r.as_dict() for r in rows]


def rows_from(data: object) -> tuple[PreviewRow, ...]:
    """Rows back from their stored or JSON form (anything else: none)."""
    if not isinstance(data, list):
        return ()
    return tuple(PreviewRow.from_dict(d) for d in data if isinstance(d, dict))


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
