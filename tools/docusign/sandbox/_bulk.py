"""DocuSign's bulk jobs: user imports (add, update, close) and the user-list export.

Why a job and not a loop of writes: DocuSign takes a whole CSV in one request and works through it
on its own time; a client submits once, polls the job, then reads a results CSV that repeats every
row with a ``ProcessingResults`` column. The sandbox does the same over its clock: a job waits
``QUEUED_SECONDS`` in ``queued``, then applies ``ROWS_PER_SECOND`` rows while ``processing`` (a
row is applied the first time any request sees that its moment has passed, so progress is real
and a listing made after completion shows every change), then reads ``completed``. Each row is
judged by the same rules as the single-user writes (``_writes``), and a row DocuSign would reject
is reported in its results line with DocuSign's error type, never applied.

Jobs live with the org's state (``_jobs``): a file-backed sandbox keeps them in its SQLite file,
so another process, or ``sandbox serve`` after a restart, answers for a job submitted earlier.
"""

from __future__ import annotations

import csv
import email.parser
import email.policy
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tools.docusign.sandbox import _params as p
from tools.docusign.sandbox import _render as render
from tools.docusign.sandbox._http import ApiError, SandboxRequest, SandboxResponse
from tools.docusign.sandbox._ids import guid, is_guid
from tools.docusign.sandbox._jobs import Job
from tools.docusign.sandbox._state import Account, User, UserQuery
from tools.docusign.sandbox._writes import _add_membership, _close_one, _new_status, _new_user

if TYPE_CHECKING:
    from tools.docusign.sandbox._core import Context

QUEUED_SECONDS = 1.0
ROWS_PER_SECOND = 500.0
EXPORT_SECONDS = 2.0
MAX_ROWS = 8000  # DocuSign: at most 8,000 users per import
IMPORT_TYPES = {"add": "add_users", "update": "update_users", "close": "close_users"}
EXPORT_TYPES = ("organization_memberships_export", "organization_domain_users_export")
RESULT = "ProcessingResults"
EXPORT_COLUMNS = (
    "AccountId", "AccountName", "UserId", "UserName", "UserEmail", "UserStatus", "MembershipStatus",
    "PermissionProfileName", "Groups", "JobTitle", "CompanyName", "LastModified",
)  # fmt: skip


def _jobs(ctx: Context) -> Any:
    return ctx.state.jobs


# -- settling: apply the rows whose moment has come -------------------------------------------------------
def settle(ctx: Context) -> None:
    """Apply every row of every job whose time has passed (called before each Admin request)."""
    for job in _jobs(ctx).unfinished():
        due = int((ctx.now - job.created - QUEUED_SECONDS) * ROWS_PER_SECOND)
        due = min(len(job.rows), max(0, due))
        if due <= len(job.results):
            continue
        requestor = ctx.state.users.get(job.requestor_id)
        for row in job.rows[len(job.results) : due]:
            outcome = _apply_row(ctx, requestor, job.kind, row)
            job.results.append(outcome)
            job.counts[outcome] = job.counts.get(outcome, 0) + 1
        _jobs(ctx).save(job)


def _apply_row(ctx: Context, requestor: User | None, kind: str, row: dict[str, str]) -> str:
    """One CSV row, judged and applied like the single-user write; the result is DocuSign's word."""
    state = ctx.state
    account_id = (row.get("AccountID") or row.get("AccountId") or "").strip().lower()
    account = state.accounts.get(account_id) if is_guid(account_id) else None
    if account is None:
        return "invalid_account_id"
    address = (row.get("UserEmail") or "").strip()
    try:
        address = p.email("UserEmail", address)
    except ApiError:
        return "invalid_useremail_address"
    user = state.user_by_email(address)
    if user is not None and user.redacted_on is not None:
        user = None
    if kind == "add":
        return _add_row(ctx, account, address, user, row)
    if user is None or account.id not in user.memberships:
        return "membership_not_in_account"
    if kind == "close":
        if requestor is None:  # the requestor was erased while the job waited
            return "unspecified_error"
        saved, ctx.actor = ctx.actor, requestor
        try:
            error = _close_one(ctx, user, account.id)
        finally:
            ctx.actor = saved
        if error:
            return error[0]
        user.last_modified_on = ctx.now
        ctx.changed()
        return "user_closed"
    return _update_row(ctx, account, user, row)


def _profile_and_groups(account: Account, row: dict[str, str]) -> tuple[int | None, list[int] | None, str]:
    """The row's PermissionSet and Group columns as ids, or the error DocuSign reports."""
    profile_id = None
    name = (row.get("PermissionSet") or "").strip()
    if name:
        profile = account.profile_named(name)
        if profile is None:
            return None, None, "invalid_permissionset"
        profile_id = profile.id
    names = group_names(row)
    if not names:
        return profile_id, None, ""
    groups = [account.group_named(n) for n in names]
    if any(g is None for g in groups):
        return profile_id, None, "invalid_group"
    ids = [g.id for g in groups if g is not None]
    everyone = account.everyone()
    if everyone is not None and everyone.id not in ids:
        ids.insert(0, everyone.id)
    return profile_id, ids, ""


def _add_row(ctx: Context, account: Account, address: str, user: User | None, row: dict[str, str]) -> str:
    """A new user with one membership; an existing user is left alone (DocuSign's rule)."""
    if user is not None:  # DocuSign: "Only new users can be imported"; existing ones are left alone
        return "no_action_taken_user_exists"
    name = (row.get("UserName") or "").strip()
    first, last = (row.get("FirstName") or "").strip(), (row.get("LastName") or "").strip()
    if not (name or first or last):
        return "blank_username"
    if not (row.get("PermissionSet") or "").strip():
        return "permissionset_required"
    profile_id, group_ids, error = _profile_and_groups(account, row)
    if error:
        return error
    everyone = account.everyone()
    plan = {
        "profile_id": profile_id,
        "group_ids": group_ids or ([everyone.id] if everyone else []),
        "job_title": (row.get("UserTitle") or "").strip() or None,
        "company_name": (row.get("CompanyName") or "").strip() or None,
    }
    auto = (row.get("AutoActivate") or "").strip().lower() in ("true", "yes", "1")
    names = {"user_name": name or None, "first_name": first or None, "last_name": last or None}
    new = _new_user(ctx, address, {**names, "language_culture": None})
    new.default_account_id = account.id
    _add_membership(ctx, new, account, plan, _new_status(ctx.state, address, auto))
    ctx.state.add_user(new)
    ctx.changed()
    return "user_added"


def _update_row(ctx: Context, account: Account, user: User, row: dict[str, str]) -> str:
    membership = user.memberships[account.id]
    if membership.status == "closed":
        return "membership_closed"
    profile_id, group_ids, error = _profile_and_groups(account, row)
    if error:
        return error
    changes: dict[str, Any] = {
        "profile_id": profile_id,
        "group_ids": group_ids,
        "job_title": (row.get("UserTitle") or "").strip() or None,
        "company_name": (row.get("CompanyName") or "").strip() or None,
    }
    changed = False
    for key, value in changes.items():
        if value is not None and getattr(membership, key) != value:
            setattr(membership, key, value)
            changed = True
    if not changed:
        return "no_action_taken"
    user.last_modified_on = ctx.now
    ctx.changed()
    return "user_updated"


def group_names(row: dict[str, str]) -> list[str]:
    """Group1, Group2, ... (DocuSign's columns), in column order, blanks skipped."""
    keys = sorted(
        (k for k in row if k and k.startswith("Group") and k[5:].isdigit()), key=lambda k: int(k[5:])
    )
    return [row[k].strip() for k in keys if (row[k] or "").strip()]


# -- the CSV upload ---------------------------------------------------------------------------------------
def _uploaded_csv(request: SandboxRequest) -> str:
    """The CSV of a ``multipart/form-data`` upload (field ``file.csv``, as the SDK sends it) or of a
    ``text/csv`` body (as DocuSign's curl examples send it)."""
    content_type = request.headers.get("content-type", "")
    raw = request.body
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
        )
        parts = [
            part for part in message.iter_parts() if part.get_param("name", header="content-disposition")
        ]
        if not parts:
            raise p.bad("the multipart upload has no file part (send the CSV as form field file.csv)")
        payload = parts[0].get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise p.bad("the CSV file is not UTF-8 text", "invalid_csv_data_or_syntax") from None


def _parse(text: str, kind: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise p.bad(
            "the CSV file is empty; its first line must be the column headers", "column_headers_missing"
        )
    reader.fieldnames = header
    required = {"add": ("AccountID", "UserEmail"), "update": ("AccountID", "UserEmail"),
                "close": ("AccountID", "UserEmail")}[kind]  # fmt: skip
    lower = {h.lower() for h in header}
    missing = [c for c in required if c.lower() not in lower]
    if missing:
        error = "useremail_column_header_missing" if "UserEmail" in missing else "invalid_column_header"
        raise p.bad(f"the CSV header lacks {', '.join(missing)} (it has: {', '.join(header)})", error)
    canonical = {c.lower(): c for c in ("AccountID", "UserEmail", "UserName", "PermissionSet")}
    header = [canonical.get(h.lower(), h) for h in header]
    reader.fieldnames = header
    rows = [{k: (v or "") for k, v in r.items() if k is not None} for r in reader]
    if not rows:
        raise p.bad("the CSV file has a header but no user rows", "insufficient_row_data_found")
    if len(rows) > MAX_ROWS:
        raise p.bad(
            f"an import takes at most {MAX_ROWS} users; this file has {len(rows)}", "maximum_users_exceeded"
        )
    return header, rows


def status_of(job: Job, now: float) -> str:
    if len(job.results) >= len(job.rows) and now >= job.created + QUEUED_SECONDS:
        return "completed"
    return "queued" if now < job.created + QUEUED_SECONDS else "processing"


def _import_body(ctx: Context, job: Job) -> dict[str, Any]:
    settle(ctx)
    status = status_of(job, ctx.now)
    counts = job.counts
    errors = {k: v for k, v in counts.items() if k not in _SUCCESS}
    org = f"/v2/organizations/{ctx.state.organization.id}/imports/bulk_users/{job.id}"
    return render.compact(
        {
            "id": job.id,
            "type": IMPORT_TYPES[job.kind],
            "requestor": _requestor_of(ctx, job),
            "created": render.ts(job.created),
            "last_modified": render.ts(
                min(ctx.now, job.created + QUEUED_SECONDS + len(job.rows) / ROWS_PER_SECOND)
            ),
            "status": status,
            "user_count": len(job.rows),
            "processed_user_count": len(job.results),
            "added_user_count": counts.get("user_added", 0),
            "updated_user_count": counts.get("user_updated", 0),
            "closed_user_count": counts.get("user_closed", 0),
            "no_action_required_user_count": counts.get("no_action_taken_user_exists", 0)
            + counts.get("no_action_taken", 0),
            "error_count": sum(errors.values()),
            "warning_count": 0,
            "user_level_error_rollups": [{"error_type": k, "count": v} for k, v in sorted(errors.items())],
            "has_csv_results": status == "completed",
            "results_uri": f"{ctx.request.base_url}/Management{org}/results_csv"
            if status == "completed"
            else None,
        }
    )


_SUCCESS = ("user_added", "user_updated", "user_closed", "no_action_taken_user_exists", "no_action_taken")


def _requestor_of(ctx: Context, job: Job) -> dict[str, Any]:
    user = ctx.state.users.get(job.requestor_id)
    if user is None:
        return {"id": job.requestor_id, "type": "user"}
    return {"name": user.user_name, "id": user.id, "type": "user", "email": user.email}


def _job(ctx: Context, job_id: str, kinds: tuple[str, ...]) -> Job:
    param = "importId" if "export" not in kinds else "exportId"
    job: Job | None = _jobs(ctx).get(p.guid_param(param, job_id))
    if job is None or job.kind not in kinds:
        raise ApiError(404, "not_found", f"no job {job_id} in this organization")
    return job


def _submit(ctx: Context, kind: str) -> dict[str, Any]:
    header, rows = _parse(_uploaded_csv(ctx.request), kind)
    job_id = guid("import", ctx.state.organization.id, str(ctx.now), str(_jobs(ctx).count()))
    job = Job(job_id, kind, ctx.caller.id, ctx.now, header, rows)
    _jobs(ctx).add(job)
    return _import_body(ctx, job)


def import_add(ctx: Context, organizationId: str) -> dict[str, Any]:
    """POST .../imports/bulk_users/add (multipart file.csv)."""
    return _submit(ctx, "add")


def import_update(ctx: Context, organizationId: str) -> dict[str, Any]:
    """POST .../imports/bulk_users/update."""
    return _submit(ctx, "update")


def import_close(ctx: Context, organizationId: str) -> dict[str, Any]:
    """POST .../imports/bulk_users/close."""
    return _submit(ctx, "close")


def imports(ctx: Context, organizationId: str) -> dict[str, Any]:
    """GET .../imports/bulk_users: every import of this process's sandbox, newest first."""
    found = _jobs(ctx).of_kind(export=False)
    return {"imports": [_import_body(ctx, j) for j in sorted(found, key=lambda j: -j.created)]}


def import_get(ctx: Context, organizationId: str, importId: str) -> dict[str, Any]:
    """GET .../imports/bulk_users/{importId}."""
    return _import_body(ctx, _job(ctx, importId, ("add", "update", "close")))


def import_results(ctx: Context, organizationId: str, importId: str) -> SandboxResponse:
    """GET .../imports/bulk_users/{importId}/results_csv: every row again, plus ProcessingResults."""
    job = _job(ctx, importId, ("add", "update", "close"))
    if status_of(job, ctx.now) != "completed":
        raise ApiError(
            400, "import_not_complete", f"import {job.id} is still {status_of(job, ctx.now)}; poll it first"
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, [*job.header, RESULT], extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row, outcome in zip(job.rows, job.results, strict=True):
        writer.writerow({**row, RESULT: outcome})
    return csv_response(out.getvalue())


def csv_response(text: str) -> SandboxResponse:
    return SandboxResponse(200, text.encode(), {"Content-Type": "text/csv; charset=utf-8"})


# -- the user-list export ---------------------------------------------------------------------------------
def export_create(ctx: Context, organizationId: str) -> dict[str, Any]:
    """POST .../exports/user_list (OrganizationExportRequest): every membership, one CSV."""
    body = p.obj("request body", ctx.request.json())
    kind = body.get("type") or "organization_memberships_export"
    if kind not in EXPORT_TYPES:
        raise p.bad(f"type {kind!r} is not a user-list export; use one of {', '.join(EXPORT_TYPES)}")
    account_ids = []
    for i, raw in enumerate(p.array("accounts", body.get("accounts"), required=False)):
        account_id = p.guid_field(f"accounts[{i}].account_id", p.obj(f"accounts[{i}]", raw).get("account_id"))
        account_ids.append(p.account_of(ctx.state, account_id or "", f"accounts[{i}].account_id").id)
    job_id = guid("export", ctx.state.organization.id, str(ctx.now), str(_jobs(ctx).count()))
    job = Job(job_id, "export", ctx.caller.id, ctx.now, list(EXPORT_COLUMNS), [], export_type=kind,
              account_ids=account_ids)  # fmt: skip
    text = _export_csv(ctx, account_ids)  # a snapshot at request time, as DocuSign takes it
    job.export_rows, job.export_bytes = max(0, text.count("\r\n") - 1), len(text.encode())
    _jobs(ctx).add(job, text)
    return _export_body(ctx, job)


def _export_csv(ctx: Context, account_ids: list[str]) -> str:
    state = ctx.state
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    wanted = set(account_ids)
    for user in state.users.candidates(UserQuery()):
        if user is None or user.redacted_on is not None:
            continue
        for m in user.memberships.values():
            account = state.accounts.get(m.account_id)
            if account is None or (wanted and account.id not in wanted):
                continue
            profile = account.profile(m.profile_id)
            groups = [g.name for g in (account.group(i) for i in m.group_ids) if g is not None]
            writer.writerow(
                (account.id, account.name, user.id, user.user_name, user.email, user.user_status, m.status,
                 profile.name if profile else "", ";".join(groups), m.job_title or "", m.company_name or "",
                 render.ts(user.last_modified_on))
            )  # fmt: skip
    return out.getvalue()


def _export_body(ctx: Context, job: Job) -> dict[str, Any]:
    done = ctx.now >= job.created + EXPORT_SECONDS
    org = ctx.state.organization.id
    base = f"{ctx.request.base_url}/Management/v2/organizations/{org}/exports/user_list/{job.id}"
    waiting = "queued" if ctx.now < job.created + QUEUED_SECONDS else "in_progress"
    percent = min(99, int(100 * (ctx.now - job.created) / EXPORT_SECONDS))
    rows, size = job.export_rows, job.export_bytes
    return render.compact(
        {
            "id": job.id,
            "type": job.export_type,
            "requestor": _requestor_of(ctx, job),
            "created": render.ts(job.created),
            "last_modified": render.ts(job.created),
            "completed": render.ts(job.created + EXPORT_SECONDS) if done else None,
            "expires": render.ts(job.created + 7 * 24 * 3600),
            "status": "completed" if done else waiting,
            "selected_accounts": [{"account_id": a} for a in job.account_ids] or None,
            "metadata_url": base,
            "percent_completed": 100 if done else percent,
            "number_rows": rows if done else None,
            "size_bytes": size if done else None,
            "results": [{"id": job.id, "site_id": 1, "url": f"{base}/results", "number_rows": rows,
                         "size_bytes": size}] if done else None,
            "success": True if done else None,
        }
    )  # fmt: skip


def exports(ctx: Context, organizationId: str) -> dict[str, Any]:
    """GET .../exports/user_list."""
    found = _jobs(ctx).of_kind(export=True)
    return {"exports": [_export_body(ctx, j) for j in sorted(found, key=lambda j: -j.created)]}


def export_get(ctx: Context, organizationId: str, exportId: str) -> dict[str, Any]:
    """GET .../exports/user_list/{exportId}."""
    return _export_body(ctx, _job(ctx, exportId, ("export",)))


def export_delete(ctx: Context, organizationId: str, exportId: str) -> dict[str, Any]:
    """DELETE .../exports/user_list/{exportId}."""
    job = _job(ctx, exportId, ("export",))
    _jobs(ctx).delete(job.id)
    return {}


def export_results(ctx: Context, organizationId: str, exportId: str) -> SandboxResponse:
    """The ``results[].url`` of a completed export: its CSV (a sandbox path; DocuSign's is a download)."""
    job = _job(ctx, exportId, ("export",))
    if ctx.now < job.created + EXPORT_SECONDS:
        raise ApiError(400, "export_not_complete", f"export {job.id} is still in progress; poll it first")
    return csv_response(_jobs(ctx).export_csv(job))


def routes(route: Callable[..., Any], prefix: str) -> list[Any]:
    """The bulk routes, built by ``_core``'s ``Route`` (passed in: this module sits below ``_core``)."""
    imp, exp = prefix + "/imports/bulk_users", prefix + "/exports/user_list"
    return [
        route("POST", imp + "/add", import_add, "user_write"),
        route("POST", imp + "/update", import_update, "user_write"),
        route("POST", imp + "/close", import_close, "user_write"),
        route("GET", imp, imports, "user_read"),
        route("GET", imp + "/{importId}", import_get, "user_read"),
        route("GET", imp + "/{importId}/results_csv", import_results, "user_read"),
        route("POST", exp, export_create, "user_read"),
        route("GET", exp, exports, "user_read"),
        route("GET", exp + "/{exportId}", export_get, "user_read"),
        route("DELETE", exp + "/{exportId}", export_delete, "user_read"),
        route("GET", exp + "/{exportId}/results", export_results, "user_read"),
    ]
