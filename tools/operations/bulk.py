"""Bulk changes from a CSV in DocuSign's import format: read, resolve and judge every row, build the
job's CSV, and read the job's results back into per-row outcomes.

Why here and not in the CLI: the CLI (and a conversation) only show and ask; the rules a row must
pass are the ones a single call passes (the same actions, the same resolution with suggestions,
``Gate.judge_bulk_row`` for the policy), so a CSV cannot do what the same request typed one by one
could not. The job itself is submitted only through ``Gate.submit_bulk``.

Columns (DocuSign's bulk format; names are matched without regard to case):
  add:    AccountID, UserEmail, PermissionSet, and UserName or FirstName/LastName; optional UserTitle,
          Group1..GroupN, AutoActivate
  update: AccountID, UserEmail; PermissionSet and/or Group1..GroupN (the groups become exactly these)
  close:  AccountID, UserEmail
AccountID takes the account's id or its name (the job is sent with ids).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Protocol

from policies.call import Actor
from policies.decision import Decision, DecisionKind, Deny
from policies.preview import PreviewRow
from tools.actions import InvalidCall, ToolCall
from tools.docusign.bulk import RESULT_COLUMN, SUCCESS
from tools.docusign.resolvers import AccountRef, Directory, GroupRef, ProfileRef, ResolutionError
from tools.operations import _common as c
from tools.operations._common import OperationError, Target
from tools.operations.manage_user import new_access

KINDS = ("add", "update", "close")
REQUIRED = {"add": ("AccountID", "UserEmail", "PermissionSet"), "update": ("AccountID", "UserEmail"),
            "close": ("AccountID", "UserEmail")}  # fmt: skip
KNOWN = ("AccountID", "UserEmail", "UserName", "FirstName", "LastName", "PermissionSet", "UserTitle",
         "AutoActivate", "CompanyName")  # fmt: skip
MAX_ROWS = 8000


class BulkFileError(ValueError):
    """The file as a whole cannot be used (missing columns, empty, too long); ``fix`` says how."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message, self.fix = message, fix


@dataclass
class Row:
    """One CSV line on its way: its values, then what it resolved to and what the policy said."""

    line: int
    values: dict[str, str]
    email: str = ""
    account_id: str = ""
    account_name: str = ""
    call: ToolCall | None = None
    preview: list[dict[str, Any]] = field(default_factory=list)
    # the policy's DecisionKind for the row, or the row's own state: "invalid" | "unchanged"
    decision: str = ""
    problem: str = ""
    fix: str = ""
    fingerprint: str = ""
    outcome: str = ""  # DocuSign's ProcessingResults, once the job ran
    verdict: Decision | None = None  # the policy's decision (approver role and expiry for approvals)

    @property
    def sendable(self) -> bool:
        return self.decision in (DecisionKind.ALLOW, DecisionKind.NEEDS_CONFIRMATION)

    def as_dict(self) -> dict[str, Any]:
        out = {"line": self.line, "email": self.email, "account": self.account_name,
               "decision": self.decision, "preview": self.preview}  # fmt: skip
        for key in ("problem", "fix", "outcome"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


def read_csv(text: str, kind: str) -> list[Row]:
    """The file's rows with their line numbers; a file-level problem raises ``BulkFileError``."""
    if kind not in KINDS:
        raise BulkFileError(f"unknown bulk operation {kind!r}", f"use one of {', '.join(KINDS)}")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    if not header:
        raise BulkFileError("the file is empty", f"its first line must name the columns: {_columns(kind)}")
    canonical = {k.lower(): k for k in KNOWN}
    header = [
        canonical.get(h.lower(), h[0].upper() + h[1:] if h.lower().startswith("group") else h) for h in header
    ]
    missing = [col for col in REQUIRED[kind] if col not in header]
    separator = next((sep for sep in (";", "\t", "|") if len(header) == 1 and sep in header[0]), None)
    if missing and separator is not None:  # a spreadsheet saved with its locale's list separator
        shown = {"\t": "tabs"}.get(separator, f"'{separator}'")
        raise BulkFileError(f"the columns are separated by {shown}, not commas (the header: {header[0]})",
                            "save the file as comma-separated values (in a spreadsheet: CSV UTF-8, "
                            "comma delimited)")  # fmt: skip
    if missing:
        raise BulkFileError(f"the header lacks {', '.join(missing)} (it has: {', '.join(header)})",
                            f"the columns of a bulk {kind} file: {_columns(kind)}")  # fmt: skip
    reader.fieldnames = header
    rows = [Row(reader.line_num, {k: (v or "").strip() for k, v in r.items() if k}) for r in reader]
    rows = [r for r in rows if any(r.values.values())]
    if not rows:
        raise BulkFileError("the file has a header but no rows", "add one line per user under the header")
    if len(rows) > MAX_ROWS:
        raise BulkFileError(f"{len(rows)} rows; DocuSign takes at most {MAX_ROWS} per import",
                            "split the file")  # fmt: skip
    return rows


def _columns(kind: str) -> str:
    extra = {"add": "UserName (or FirstName, LastName), optional UserTitle, Group1..GroupN, AutoActivate",
             "update": "PermissionSet and/or Group1..GroupN", "close": ""}[kind]  # fmt: skip
    return ", ".join(REQUIRED[kind]) + (f", {extra}" if extra else "")


def groups_of(values: dict[str, str]) -> list[str]:
    keys = sorted(
        (k for k in values if k.lower().startswith("group") and k[5:].isdigit()), key=lambda k: int(k[5:])
    )
    return [values[k] for k in keys if values[k]]


# -- resolving and judging -------------------------------------------------------------------------------
class Judge(Protocol):
    """What judging rows needs from the gate (which sits above this module): its cached directory
    and the one-row decision by the same rules as a single call."""

    @property
    def directory(self) -> Directory: ...

    def judge_bulk_row(self, actor: Actor, call: ToolCall, target: Target,
                       rows: tuple[PreviewRow, ...]) -> tuple[Decision, str]: ...


def judge(gate: Judge, actor: Actor, kind: str, rows: list[Row]) -> None:
    """Resolve and judge every row in place (no write); a row that cannot run says why and how to fix."""
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        try:
            _judge_row(gate, actor, kind, row)
        except ResolutionError as exc:
            _invalid(row, exc.message, f"correct the {exc.kind} on line {row.line}")
        except OperationError as exc:
            _invalid(row, exc.message, exc.fix or "correct the line")
        except InvalidCall as exc:
            _invalid(row, "; ".join(exc.problems), f"correct line {row.line}")
        key = (row.email.lower(), row.account_id)
        if row.decision not in ("invalid",) and key in seen:
            _invalid(row, f"{row.email} on {row.account_name} is already on line {seen[key]}",
                     "keep one line per user and account")  # fmt: skip
        seen.setdefault(key, row.line)


def _invalid(row: Row, problem: str, fix: str) -> None:
    row.decision, row.problem, row.fix = "invalid", problem, fix


def _judge_row(gate: Judge, actor: Actor, kind: str, row: Row) -> None:
    values = row.values
    directory = gate.directory
    row.email = values.get("UserEmail", "")
    if not row.email:
        raise OperationError("UserEmail is empty", fix=f"give the user's email on line {row.line}")
    if not values.get("AccountID"):
        raise OperationError("AccountID is empty", fix=f"give the account's id or name on line {row.line}")
    account = directory.account(values["AccountID"])
    row.account_id, row.account_name = account.id, account.name
    profile = (
        directory.permission_profile(account.id, values["PermissionSet"])
        if values.get("PermissionSet")
        else None
    )
    groups = tuple(directory.group(account.id, g) for g in groups_of(values))
    if kind == "add":
        call, target, preview = _add(row, account, profile, groups)
    else:
        user = directory.user(row.email)
        membership = c.membership_on(user, account.id) if user is not None else None
        if membership is None:
            raise OperationError(f"{row.email} has no membership on {account.name}",
                                 fix=f"check the email and account on line {row.line}")  # fmt: skip
        if c.is_closed(membership):
            if kind == "close":
                row.decision = "unchanged"
                row.problem = f"{row.email} is already closed on {account.name}"
                return
            raise OperationError(f"{row.email}'s membership on {account.name} is closed",
                                 fix="reactivate it first, or remove the line")  # fmt: skip
        target = Target(accounts=(account,), profile=profile, groups=groups, user=user, user_checked=True)
        call, preview = (_close if kind == "close" else _update)(row, account, membership, profile, groups)
        if not preview:
            row.decision, row.problem = "unchanged", "nothing to change"
            return
    row.call = call
    decision, row.fingerprint = gate.judge_bulk_row(actor, call, target, tuple(preview))
    row.preview = [p.as_dict() for p in preview]
    row.verdict = decision
    row.decision = decision.kind
    if isinstance(decision, Deny):
        row.problem = "; ".join(decision.reasons)
        row.fix = "ask " + " or ".join(decision.who_could) if decision.who_could else "remove the line"


def _add(row: Row, account: AccountRef, profile: ProfileRef | None,
         groups: tuple[GroupRef, ...]) -> tuple[ToolCall, Target, list[PreviewRow]]:
    v = row.values
    first, last = v.get("FirstName") or None, v.get("LastName") or None
    if not (first or last) and v.get("UserName"):
        first, _, last = v["UserName"].partition(" ")
        last = last or None
    if not (first or last):
        raise OperationError(
            "the user's name is empty", fix=f"fill UserName (or FirstName/LastName) on line {row.line}"
        )
    args = c.drop_none({"operation": "provision", "email": row.email, "account": account.name,
                        "permission_profile": profile.name if profile else None,
                        "groups": [g.name for g in groups] or None, "first_name": first, "last_name": last,
                        "job_title": v.get("UserTitle") or None})  # fmt: skip
    call = ToolCall(id=f"bulk:{row.line}", action="manage_user", args=args)
    # existence is DocuSign's to judge in an add job: an existing user is left unchanged and reported
    target = Target(accounts=(account,), profile=profile, groups=groups, user=None, user_checked=False)
    preview = [c.row(None, "user", None, row.email), *new_access(account, target)]
    return call, target, preview


def _update(row: Row, account: AccountRef, membership: c.Membership, profile: ProfileRef | None,
            groups: tuple[GroupRef, ...]) -> tuple[ToolCall, list[PreviewRow]]:
    preview: list[PreviewRow] = []
    if profile is None and not groups:
        raise OperationError(
            "the line changes nothing", fix="fill PermissionSet or Group1.. for the new values"
        )
    args: dict[str, Any] = {"email": row.email, "account": account.name}
    if profile is not None and c.profile_name(membership) != profile.name:
        preview.append(c.row(account, "permission_profile", c.profile_name(membership), profile.name))
        args.update(operation="change_permission_profile", permission_profile=profile.name)
    if groups:
        before = c.group_list(g.name for g in membership.groups or [] if (g.type or "") != "everyone_group")
        after = c.group_list(g.name for g in groups)
        if before != after:
            preview.append(c.row(account, "groups", before, after))
            if "operation" not in args:
                args.update(operation="set_groups", groups=[g.name for g in groups])
    return ToolCall(id=f"bulk:{row.line}", action="manage_account_membership", args=args), preview


def _close(row: Row, account: AccountRef, membership: c.Membership, profile: ProfileRef | None,
           groups: tuple[GroupRef, ...]) -> tuple[ToolCall, list[PreviewRow]]:
    preview = [c.row(account, "status", membership.status, "closed")]
    args = {"operation": "close", "email": row.email, "account": account.name}
    return ToolCall(id=f"bulk:{row.line}", action="manage_user", args=args), preview


# -- the job's file and its results ----------------------------------------------------------------------
def job_csv(kind: str, rows: list[Row]) -> str:
    """DocuSign's import file for the rows to send, AccountID as the account's id."""
    sendable = [r for r in rows if r.sendable]
    group_count = max((len(groups_of(r.values)) for r in sendable), default=0)
    columns = {"add": ["AccountID", "UserName", "FirstName", "LastName", "UserEmail", "PermissionSet",
                       "UserTitle", "AutoActivate"],
               "update": ["AccountID", "UserEmail", "PermissionSet"],
               "close": ["AccountID", "UserEmail"]}[kind]  # fmt: skip
    if kind != "close":
        columns += [f"Group{i}" for i in range(1, group_count + 1)]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for r in sendable:
        groups = {f"Group{i}": g for i, g in enumerate(groups_of(r.values), 1)}
        writer.writerow({**r.values, **groups, "AccountID": r.account_id})
    return out.getvalue()


def read_outcomes(rows: list[Row], results: list[dict[str, str]]) -> None:
    """Match the results CSV to the rows sent (same order, checked by email and account)."""
    sent = [r for r in rows if r.sendable]
    for row, result in zip(sent, results, strict=False):
        same = (result.get("UserEmail") or "").lower() == row.email.lower() and (
            (result.get("AccountID") or "").lower() == row.account_id.lower()
        )
        row.outcome = result.get(RESULT_COLUMN) or "no result" if same else "result did not match the line"
    for row in sent[len(results) :]:
        row.outcome = "no result from DocuSign"


def succeeded(row: Row) -> bool:
    return row.outcome in SUCCESS


# DocuSign's successes that changed nothing: an add of a user who exists, an update already so
UNCHANGED = frozenset({"no_action_taken_user_exists", "no_action_taken"})


def changed(row: Row) -> bool:
    """The row's change was made (not merely accepted: 'no action taken' changed nothing)."""
    return succeeded(row) and row.outcome not in UNCHANGED


def outcome_tally(sent: list[Row]) -> str:
    """What a job did, counted from its results: only rows that changed something are 'done', so a
    rerun of the same file never reports as done what DocuSign left as it was."""
    done = sum(1 for r in sent if changed(r))
    unchanged = sum(1 for r in sent if succeeded(r) and not changed(r))
    refused = len(sent) - done - unchanged
    return (f"{done} of {len(sent)} row(s) done"
            + (f", {unchanged} left unchanged (DocuSign took no action)" if unchanged else "")
            + (f", {refused} refused by DocuSign" if refused else ""))  # fmt: skip
