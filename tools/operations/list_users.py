"""list_users: search the organization's users, across every linked account by default.

| filter                    | requests (spec operationId)                                             |
|---------------------------|-------------------------------------------------------------------------|
| email (any account)       | GET /v2/organizations/{org}/users/profile?email=  (GetProfileV2): the   |
|                           | user with every membership in one request                               |
| account                   | GET /v2/organizations/{org}/users?account_id=[&email=]                  |
|                           | [&membership_status=]  (OrganizationUsers_GetV2)                        |
| none (every account)      | the same, once per linked account, concurrently; rows merged by user id |
| status active/closed/     | membership_status=active|closed|disabled, sent to DocuSign              |
| disabled                  |                                                                         |
| status pending            | membership_status=activation_required, then =activation_sent: the spec  |
|                           | takes one value, so two filtered listings per account; requests grow    |
|                           | with the pending users, not with the account's size                     |
| name_contains             | filtered here on first, last, user name and email (case-insensitive)    |
| permission_profile, group | names checked on the account (or on each account that has them), then  |
|                           | each listed user's drilldown, GET users/profile?email= (GetProfileV2), |
|                           | one per user left after the filters above: see membership_filters.py   |
| last_modified_since       | last_modified_since= sent to DocuSign, per account (the spec wants an   |
|                           | account with it, so an email alone is also asked per account); spans    |
|                           | ("3d") and today/yesterday are made a UTC moment on the gate's clock    |
| (linked accounts)         | GET /v2/organizations  (via the Directory's cache)                       |

Why the listing is assembled here and paged with our own cursor: DocuSign pages per account, a
person asks across accounts, and the same user appears once per membership. The cursor carries
the offset and a hash of the filters, so a cursor from one query cannot silently page another.
"""

from __future__ import annotations

import base64
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from datetime import UTC, datetime, timedelta
from typing import Any

from tools.actions import ListUsers
from tools.docusign.models import OrganizationUserResponse
from tools.docusign.resolvers import AccountRef
from tools.operations import _common as c
from tools.operations import membership_filters as mf
from tools.operations._common import Env, OperationError, Outcome, Plan, Target

SERVER_STATUS = {"active": "active", "closed": "closed", "disabled": "disabled"}


def resolve(action: ListUsers, env: Env) -> Target:
    if action.account:
        return Target(accounts=(env.directory.account(action.account),))
    return Target()


def plan(action: ListUsers, target: Target, env: Env) -> Plan:
    offset = _read_cursor(action)
    since = since_moment(action.last_modified_since, env.now()) if action.last_modified_since else None
    where = target.accounts[0].name if target.accounts else "all accounts"
    summary = f"list users on {where}" + (f" with status {action.status}" if action.status else "")
    # names checked now, after the policy allowed the listing and before anything is listed
    filt = mf.resolve(action, env, list(target.accounts) or env.directory.accounts())
    if filt is not None:
        summary += filt.describe()
        return Plan.reading(summary, lambda: _run_filtered(action, filt, env, offset, since))
    return Plan.reading(summary, lambda: _run(action, target, env, offset, since))


def since_moment(since: str, now: datetime) -> datetime:
    """'90m', '24h', '3d', '2w', 'today', 'yesterday' or an ISO date(-time) as a UTC moment (naive = UTC)."""
    if since in ("today", "yesterday"):
        start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return start - timedelta(days=1) if since == "yesterday" else start
    if since[-1] in "mhdw" and since[:-1].isdigit():
        minutes = int(since[:-1]) * {"m": 1, "h": 60, "d": 1440, "w": 10080}[since[-1]]
        return now.astimezone(UTC) - timedelta(minutes=minutes)
    moment = datetime.fromisoformat(since.upper().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _run(action: ListUsers, target: Target, env: Env, offset: int, since: datetime | None = None) -> Outcome:
    if action.email and not target.accounts and since is None:
        users = _by_email(action, env)
    else:
        scopes = [target.accounts[0]] if target.accounts else env.directory.accounts()
        merged: dict[str, dict[str, Any]] = {}
        jobs = [(scope, status) for scope in scopes for status in _server_statuses(action)]
        for (scope, _), rows in zip(jobs, _fetch(action, env, jobs, since), strict=True):
            for row in rows:
                if not _matches(action, row.membership_status, row):
                    continue
                entry = merged.setdefault(str(row.id), {
                    "id": str(row.id), "email": row.email,
                    "name": " ".join(p for p in (row.first_name, row.last_name) if p) or row.user_name,
                    "user_status": row.user_status, "memberships": [],
                })
                entry["memberships"].append({"account": scope.name, "status": row.membership_status,
                                             **_closed_on(row)})
        users = sorted(merged.values(), key=lambda u: ((u["email"] or "").lower(), u["id"]))
    page = users[offset:offset + action.page_size]
    following = offset + len(page)
    next_cursor = _make_cursor(action, following) if following < len(users) else None
    where = target.accounts[0].name if target.accounts else "all accounts"
    shown = f"{offset + 1}-{following} of {len(users)}" if page else f"0 of {len(users)}"
    return Outcome(summary=f"Users on {where}{_said(action, since)}: {shown}",
                   data={"users": page, "total": len(users)}, next_cursor=next_cursor)


def _closed_on(row: OrganizationUserResponse) -> dict[str, str]:
    """When a closed membership was closed (a date), so "who was closed this month?" can be read
    off the listing even though no filter takes the closing date."""
    closed = row.membership_closed_on if (row.membership_status or "").lower() == "closed" else None
    return {"closed_on": closed.astimezone(UTC).strftime("%Y-%m-%d")} if isinstance(closed, datetime) else {}


def _said(action: ListUsers, since: datetime | None) -> str:
    """' with status pending changed since ...': the server-side filters, as the summary says them."""
    said = f" with status {action.status}" if action.status else ""
    return said + (f" changed since {_iso(since)}" if since is not None else "")


def _run_filtered(action: ListUsers, filt: mf.MembershipFilter, env: Env, offset: int,
                  since: datetime | None) -> Outcome:
    """The listing's own filters first (DocuSign's, then status and name here), then each remaining
    user's drilldown for the memberships whose profile and groups match; a question about one
    email is answered yes or no first, from that user's one drilldown."""
    one = bool(action.email) and since is None
    if one:
        emails = [str(action.email)]
    else:
        jobs = [(scope, status) for scope in filt.accounts for status in _server_statuses(action)]
        rows = [row for batch in _fetch(action, env, jobs, since) for row in batch
                if _matches(action, row.membership_status, row)]
        emails = sorted({e.lower() for row in rows if (e := c.user_email(row))})
    users, found = [], []
    for user in mf.drilldowns(env, emails):
        found.append(user)
        kept = [m for m in c.memberships(user) if filt.matches(m) and _matches(action, m.status, user)] \
            if user is not None else []
        if user is not None and kept:
            view = c.user_view(user)
            view["memberships"] = [{k: v for k, v in c.membership_view(m).items() if k != "account_id"}
                                   for m in kept]
            users.append(view)
    page = users[offset:offset + action.page_size]
    following = offset + len(page)
    covered = [a.name for a in filt.accounts]
    where = "all accounts" if len(covered) > 1 and len(covered) == len(env.directory.accounts()) else (
        ", ".join(covered))
    summary = f"Users on {where}{filt.describe()}{_said(action, since)}: {len(users)}"
    if one:  # the answer alone: a count of "users with the profile" under it reads as the org's count
        summary = mf.answer_for_one(str(action.email), found[0], filt,
                                    users[0]["memberships"] if users else [])
    elif len(page) < len(users):
        summary += f" (showing {offset + 1}-{following})" if page else " (none on this page)"
    return Outcome(summary=summary, data={"users": page, "total": len(users)},
                   next_cursor=_make_cursor(action, following) if following < len(users) else None)


def _by_email(action: ListUsers, env: Env) -> list[dict[str, Any]]:
    """One user across every account: the profile drilldown has each membership in one request."""
    user = c.fetch_user(env, c.given(action.email, "email"))
    if user is None:
        return []
    view = c.user_view(user)
    view["memberships"] = [{"account": m["account"], "status": m["status"]} for m in view["memberships"]
                           if _matches(action, m["status"], user)]
    return [view] if view["memberships"] else []


def _server_statuses(action: ListUsers) -> list[str | None]:
    """The ``membership_status`` values to ask DocuSign for (one per request; None: unfiltered)."""
    if action.status == "pending":
        return [*sorted(c.PENDING_STATUSES)]
    return [SERVER_STATUS.get(action.status or "")]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fetch(action: ListUsers, env: Env, jobs: list[tuple[AccountRef, str | None]],
           since: datetime | None = None) -> list[list[OrganizationUserResponse]]:
    """One filtered listing per (account, membership status), concurrently; rows in job order."""

    def one(job: tuple[AccountRef, str | None]) -> list[OrganizationUserResponse]:
        scope, membership_status = job
        query: dict[str, Any] = {"account_id": scope.id}
        if action.email:
            query["email"] = action.email
        if membership_status:
            query["membership_status"] = membership_status
        if since is not None:
            query["last_modified_since"] = _iso(since)
        return list(env.client.users(env.org_id, **query))

    if len(jobs) == 1:
        return [one(jobs[0])]
    workers = max(1, min(env.max_concurrency, len(jobs)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="list-users") as pool:
        # each task runs in a copy of this context, so the gate's audit context follows it
        futures = [pool.submit(copy_context().run, one, job) for job in jobs]
        return [f.result() for f in futures]


def _matches(action: ListUsers, membership_status: str | None,
             user: c.User | OrganizationUserResponse) -> bool:
    status = (membership_status or "").lower()
    if action.status == "pending" and status not in c.PENDING_STATUSES:
        return False
    if action.status in SERVER_STATUS and status != action.status:
        return False
    email = c.user_email(user)
    if action.email and (email or "").lower() != action.email:
        return False
    if action.name_contains:
        fragment = action.name_contains.lower()
        haystack = " ".join(filter(None, (user.first_name, user.last_name, user.user_name, email))).lower()
        if fragment not in haystack:
            return False
    return True


def _query_hash(action: ListUsers) -> str:
    query = action.model_dump(exclude={"cursor", "page_size"})
    return hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:16]


def _make_cursor(action: ListUsers, offset: int) -> str:
    raw = json.dumps({"o": offset, "q": _query_hash(action)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(action: ListUsers) -> int:
    if not action.cursor:
        return 0
    try:
        padded = action.cursor + "=" * (-len(action.cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset, query = int(data["o"]), str(data["q"])
    except (ValueError, KeyError, TypeError) as exc:
        raise OperationError("cursor is not one this tool returned",
                             fix="pass next_cursor from the previous page exactly, or omit it") from exc
    if query != _query_hash(action) or offset < 0:
        raise OperationError("cursor belongs to a different query (the filters changed)",
                             fix="repeat the same filters with the cursor, or omit the cursor to start over")
    return offset
