"""Read-only lifecycle reports: who holds what (access review) and who changed (change detection).

Why two ways to read the access table: a large organization is one export job (one request to
start, a few polls, one download) instead of a page of users per hundred plus one drilldown per
user; a small one is cheaper to page (no job to wait for). ``auto`` picks by the size the first
page of each account reports. The change report asks DocuSign who changed (``last_modified_since``
per account) and matches each person against dsadmin's own audit log: a change nobody made
through dsadmin is marked as made outside it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from tools.docusign import bulk as jobs
from tools.operations import _common as c

EXPORT_ABOVE = 500  # memberships: beyond this an export job is cheaper than paging plus drilldowns
COLUMNS = ("email", "user_name", "account", "permission_profile", "groups", "membership_status",
           "user_status", "last_modified")  # fmt: skip
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.I)
_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class AccessRow:
    email: str
    user_name: str
    account: str
    permission_profile: str
    groups: str
    membership_status: str
    user_status: str
    last_modified: str  # empty when read by paging: DocuSign's users listing does not carry it

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def parse_since(text: str, now: datetime) -> datetime:
    """'24h', '7d', '90m', '2w' before ``now``, or an ISO 8601 date/time; ValueError otherwise."""
    found = _DURATION.match(text or "")
    if found:
        return now - timedelta(seconds=float(found.group(1)) * _UNITS[found.group(2).lower()])
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since {text!r}: use a duration such as 24h, 7d, 90m or an ISO date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)


# -- access review --------------------------------------------------------------------------------------
def access_rows(gate: Any, actor: Any, account: str | None = None, *, via: str = "auto",
                wait: Callable[..., Any] = jobs.wait) -> tuple[list[AccessRow], str]:  # fmt: skip
    """Every user x account (or one account's) with profile, groups, statuses; and the way used."""
    directory = gate.directory
    accounts = [directory.account(account)] if account else directory.accounts()
    if via == "auto":
        sizes = [
            gate.client.users_page(gate.organization_id, account_id=a.id, take=1).paging for a in accounts
        ]
        total = sum((p.total_set_size or 0) if p else 0 for p in sizes)
        via = "export" if total > EXPORT_ABOVE else "paging"
    if via == "export":
        return _by_export(gate, actor, [a.id for a in accounts] if account else None, wait), via
    return _by_paging(gate, accounts), via


def _by_export(
    gate: Any, actor: Any, account_ids: list[str] | None, wait: Callable[..., Any]
) -> list[AccessRow]:
    org = gate.organization_id
    started = gate.start_export(actor, account_ids)
    final = wait(lambda: jobs.export_status(gate.client, org, started.id))
    rows = [
        AccessRow(r.get("UserEmail", ""), r.get("UserName", ""), r.get("AccountName", ""),
                  r.get("PermissionProfileName", ""), r.get("Groups", "").replace(";", ", "),
                  r.get("MembershipStatus", ""), r.get("UserStatus", ""), r.get("LastModified", ""))
        for r in jobs.export_rows(gate.client, final)
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (r.email.lower(), r.account))


def _by_paging(gate: Any, accounts: Iterable[Any]) -> list[AccessRow]:
    """Pages of each account's users, then each user's drilldown (profile and groups per account),
    the drilldowns fetched ``max_concurrency`` at a time."""
    org, client = gate.organization_id, gate.client
    wanted = {a.id.lower(): a.name for a in accounts}
    emails = sorted({(u.email or "") for a in wanted for u in client.users(org, account_id=a) if u.email})
    with ThreadPoolExecutor(max_workers=getattr(client, "max_concurrency", 8)) as pool:
        profiles = list(pool.map(lambda email: client.user_profile(org, email), emails))
    rows = []
    for email, user in zip(emails, profiles, strict=True):
        for m in c.memberships(user) if user is not None else []:
            if str(m.account_id).lower() not in wanted:
                continue
            groups = ", ".join(g.name or "" for g in m.groups or [])
            name = m.account_name or wanted[str(m.account_id).lower()]
            status = (m.status or "", user.user_status or "")
            rows.append(
                AccessRow(email, user.user_name or "", name, c.profile_name(m) or "", groups, *status, "")
            )
    return sorted(rows, key=lambda r: (r.email.lower(), r.account))


# -- change detection -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    email: str
    account: str
    membership_status: str
    user_status: str
    by_dsadmin: list[str]  # what dsadmin's audit log says it did to this person since then

    @property
    def outside_dsadmin(self) -> bool:
        return not self.by_dsadmin

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "outside_dsadmin": self.outside_dsadmin}


def changes(gate: Any, audit: Any, since: datetime, audit_since: datetime | None = None) -> list[Change]:
    """Users DocuSign reports modified since ``since`` (per account), each with dsadmin's own record
    since ``audit_since`` (the same moment on the audit log's clock: the sandbox's clock can run ahead)."""
    org, client = gate.organization_id, gate.client
    done = audited_changes(audit, audit_since or since)
    found: dict[tuple[str, str], Change] = {}
    for account in gate.directory.accounts():
        for u in client.users(org, account_id=account.id, last_modified_since=since):
            email = (u.email or "").lower()
            found[(email, account.name)] = Change(u.email or "", account.name, u.membership_status or "",
                                                  u.user_status or "", done.get(email, []))  # fmt: skip
    return sorted(found.values(), key=lambda ch: (ch.email.lower(), ch.account))


def audited_changes(audit: Any, since: datetime) -> dict[str, list[str]]:
    """Email -> what dsadmin changed for that person since ``since`` (its own action results)."""
    out: dict[str, list[str]] = {}
    for event in audit.records():
        if event.kind != "action_result" or _aware(event.ts, since) < since:
            continue
        payload = event.payload or {}
        if payload.get("changed") and event.target:
            out.setdefault(event.target.lower(), []).append(str(payload.get("summary") or event.action))
        for row in payload.get("rows") or []:  # a bulk job: one entry per row that DocuSign applied
            if isinstance(row, dict) and row.get("result") in jobs.SUCCESS - {"no_action_taken_user_exists"}:
                note = f"bulk {payload.get('kind')} ({row['result']}, import {payload.get('import_id')})"
                out.setdefault(str(row.get("email", "")).lower(), []).append(note)
    return out


def _aware(moment: datetime, like: datetime) -> datetime:
    return moment if moment.tzinfo or like.tzinfo is None else moment.replace(tzinfo=like.tzinfo)
