"""Results as a person reads them: a sentence, then rich tables for anything with rows.

Works on the JSON form of a ``tools.results`` Result (what the conversation feeds the model), so the
offline planner's reply and the CLI agree on one rendering. Tables are drawn by rich and captured
as plain text, which reads well in a terminal, in ``--json`` output and in a log.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

from policies import catalogue
from policies.decision import DecisionKind

PREFERRED_COLUMNS = (
    "email",
    "name",
    "first_name",
    "last_name",
    "user_status",
    "status",
    "membership_status",
    "account",
    "account_name",
    "permission_profile",
    "groups",
    "job_title",
    "is_default",
    "default",
    "id",
    "user_id",
    "created_on",
    "last_modified_on",
)
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
EMAIL_IN = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
MAX_ROWS = 200
MAX_CELL = 80
COUNTERS = frozenset(
    {
        "total",
        "count",
        "total_set_size",
        "result_set_size",
        "start_position",
        "end_position",
        "page",
        "next_cursor",
    }
)


def result_text(result: dict[str, Any]) -> str:
    """One result as text: its summary (or why not) and its rows as tables."""
    kind = result.get("kind")
    if kind == "ok":
        lines = [str(result.get("summary") or "Done.")]
        lines.extend(tables_text(result.get("data")))
        if result.get("next_cursor"):
            lines.append(f"More rows are available (cursor {result['next_cursor']}); ask for the next page.")
        return "\n".join(lines)
    if kind == "denied":
        reasons = [plain_operation(str(r)) for r in result.get("reasons") or []]
        text = "Not allowed: " + "; ".join(reasons or ["the policy refused this request"])
        if result.get("who_could"):
            text += f"\nWho could do it: {', '.join(result['who_could'])}."
        return text
    if kind == "needs_confirmation":
        summary = str(result.get("summary") or "This needs your confirmation before anything happens.")
        if result.get("why"):
            summary += f" (Asked because {result['why']}.)"  # the policy's reason, or the request's
        expires = when(result.get("expires_at"))
        text = summary + (f" (The confirmation expires at {expires}.)" if expires else "")
        return text + preview_text(result.get("preview"))
    if kind == "pending_approval":
        approval_id = result.get("approval_id")
        role = result.get("approver_role") or "approver"
        summary = str(result.get("summary") or f"Request {approval_id} waits for an {role}'s approval.")
        if approval_id and approval_id not in summary:
            summary += f" (request {approval_id})"
        return (summary + preview_text(result.get("preview"))
                + f"\nTo approve: `dsadmin approvals approve {approval_id} --as APPROVER_EMAIL`")
    if kind == "dry_run":
        decision = DRY_RUN_DECISIONS.get(str(result.get("decision")), str(result.get("decision")))
        return f"{result.get('summary')} It {decision}." + preview_text(result.get("preview"))
    if kind == "error":
        text = f"That did not work: {result.get('message', 'unknown error')}"
        if result.get("fix"):
            text += f"\nTo fix: {for_people(str(result['fix']), str(result.get('message') or ''))}"
        if result.get("suggestions") and "did you mean" not in text.lower():
            text += f"\nDid you mean: {', '.join(map(str, result['suggestions']))}?"
        return text
    return str(result)


DRY_RUN_DECISIONS: dict[str, str] = {  # DecisionKind keys, looked up by the stored word
    DecisionKind.ALLOW: "would run at once",
    DecisionKind.NEEDS_CONFIRMATION: "would need your confirmation",
    DecisionKind.NEEDS_APPROVAL: "would wait for an approver",
}
def preview_text(preview: Any) -> str:
    """A result's preview as lines under a heading ('' when there is none)."""
    from policies.preview import preview_lines, rows_from

    lines = preview_lines(rows_from(preview))
    return ("\nWhat would change (before -> after):\n" + "\n".join(lines)) if lines else ""


def confirmation_prompt(asked: list) -> str:
    """What a confirmation shows: the gate's description of every write it confirms, and its preview."""
    lines = [f"dsadmin asks your confirmation for {len(asked)} write{'s' if len(asked) > 1 else ''}:"]
    for result in asked:
        lines.append(f"* {result.summary.removeprefix('This will ').removesuffix(' Confirm to go ahead.')}"
                     + preview_text(result.preview))
    if asked and asked[0].why:
        lines.append(f"(asked because {asked[0].why})")
    return "\n".join(lines)


def receipt_line(result: dict[str, Any]) -> str:
    """One call as the gate reports it: what ran, what was denied, what waits."""
    kind = str(result.get("kind"))
    key = f"{result.get('action')} {result.get('operation')}" if result.get("operation") else \
        f"{result.get('action')} list"
    label = OPERATIONS.get(key, str(result.get("action") or "request").replace("_", " "))
    summary = _one_line(str(result.get("summary") or ""))
    if kind == "ok":
        writes = result.get("action") in catalogue.WRITE_ACTIONS
        word = "done" if result.get("changed") else ("not changed" if writes else "read")
        return f"- {word}: {summary}"
    if kind == "denied":
        reasons = "; ".join(map(str, result.get("reasons") or []))
        return f"- denied ({label}): {_one_line(plain_operation(reasons))}"
    if kind == "error":
        return f"- failed ({label}): {_one_line(str(result.get('message')))}"
    if kind == "pending_approval":
        return f"- waits for approval: request {result.get('approval_id')} ({label})"
    if kind == "needs_confirmation":
        asked = summary.removeprefix("This will ").removesuffix(" Confirm to go ahead.")
        return f"- waits for your confirmation: {asked}"
    if kind == "dry_run":
        return f"- not run (dry run): {summary}"
    return f"- {kind}: {summary}"


def receipt_text(results: list[dict[str, Any]]) -> str:
    """The receipt every reply ends with, from the gate's results (never from the model's words)."""
    if not results:
        return "Receipt (dsadmin's own record): no call was made; nothing was changed."
    return "Receipt (dsadmin's own record):\n" + "\n".join(receipt_line(r) for r in results)


def _one_line(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


# The gate's fixes name tools, as the model needs; a person is told what to ask for instead.
TOOL_WORDING = [
    (r"list the user's memberships with list_account operation 'user_memberships'",
     "ask to see the user's memberships (\u201cshow EMAIL's memberships\u201d)"),
    (r"add the user with operation 'add_to_account'", "add them to that account first"),
    (r"check the user with list_account 'user_memberships'", "check the user's memberships"),
    (r"(?:reopen it with|use) manage_user operation 'reactivate' (?:and|with) account '([^']+)'",
     "reactivate that membership (\u201creactivate EMAIL on \\1\u201d)"),
    (r"use manage_account_membership \(change_permission_profile / add_groups\) to change it",
     "to change it, ask to change the user's permission profile or groups"),
    (r"use manage_user 'provision' \(or manage_account_membership 'add_to_account'\)",
     "provision the user, or add them to the account"),
    (r"to change its profile use manage_account_membership 'change_permission_profile'",
     "to change its profile, ask to change the user's permission profile"),
    (r"close the user first \(manage_user 'close' with all_accounts\)",
     "close all of the user's memberships first"),
    (r"list users with list_users", "search for the user by name"),
]


# 'manage_user provision' -> 'provision users': each operation as a person reads it, from the catalogue
OPERATIONS = {f"{act.name} {op.name}": op.plain for act, op in catalogue.operations()}
_OPERATION_NAMES = re.compile("|".join(re.escape(k) for k in sorted(OPERATIONS, key=len, reverse=True)))


def plain_operation(text: str) -> str:
    """'the employee role may not list_users list' -> '... may not list or search users'."""
    return _OPERATION_NAMES.sub(lambda m: OPERATIONS[m.group(0)], text)


def for_people(fix: str, message: str = "") -> str:
    """A fix written for the model, reworded as what a person would ask dsadmin (with the email the
    error names, when it names one)."""
    found = EMAIL_IN.search(message)
    email = found.group(0).rstrip(".'") if found else "EMAIL"
    for pattern, wording in TOOL_WORDING:
        fix = re.sub(pattern, wording.replace("EMAIL", email), fix)
    return fix


def when(value: Any) -> str:
    """A timestamp as a person reads it: '2026-11-26 10:03 UTC' (no seconds, no offset)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return "" if value is None else str(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def tables_text(data: Any) -> list[str]:
    return [_to_text(table) for table in tables(data)]


def tables(data: Any, title: str | None = None) -> list:
    """rich Tables for every list of records in ``data`` (nested ones included)."""
    out: list = []
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        out.append(_table(data, title))
    elif isinstance(data, dict):
        scalars = {k: v for k, v in data.items() if not isinstance(v, list | dict)}
        nested = {k: v for k, v in data.items() if isinstance(v, list | dict)}
        # counters and a lone label repeat the summary line; a table of them is noise
        telling = {k: v for k, v in scalars.items() if k not in COUNTERS}
        if telling and (len(telling) > 1 or not nested):
            out.append(_table([telling], title))
        for key, value in nested.items():
            out.extend(tables(value, key.replace("_", " ")))
    return out


def _table(rows: list[dict[str, Any]], title: str | None):
    from rich import box
    from rich.table import Table

    keys: list[str] = []
    for row in rows:
        for key, value in row.items():
            if key not in keys and not isinstance(value, dict):
                keys.append(key)
    # GUIDs and numeric ids mean nothing to a person; shown only when there is nothing else
    keys = [k for k in keys if not (_is_id(k) and all(_opaque(r.get(k)) for r in rows))] or keys
    keys.sort(
        key=lambda k: (PREFERRED_COLUMNS.index(k) if k in PREFERRED_COLUMNS else len(PREFERRED_COLUMNS),)
    )
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for key in keys:
        table.add_column(key.replace("_", " "), overflow="fold")
    for row in rows[:MAX_ROWS]:
        table.add_row(*(_cell(row.get(key)) for key in keys))
    if len(rows) > MAX_ROWS:
        table.caption = f"{len(rows) - MAX_ROWS} more rows not shown"
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime) or (isinstance(value, str) and ISO_TIME.match(value)):
        text = when(value)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        text = "; ".join(_record(v) for v in value)
    elif isinstance(value, list):
        text = ", ".join(_cell(v) for v in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    else:
        text = str(value)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "\u2026"


def _is_id(key: str) -> bool:
    return key == "id" or key.endswith("_id") or key.endswith("_ids")


def _opaque(value: Any) -> bool:
    return value is None or isinstance(value, int) or bool(GUID.match(str(value)))


def _record(item: dict[str, Any]) -> str:
    """A nested record in one cell: 'EMEA: activation_sent, DocuSign Sender'."""
    values = [_cell(v) for k, v in item.items() if not (_is_id(k) and _opaque(v)) and v not in (None, "", [])]
    if not values:
        return ""
    return values[0] + (": " + ", ".join(values[1:]) if len(values) > 1 else "")


def _to_text(table) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    Console(
        file=buffer, width=140, color_system=None, force_terminal=False, legacy_windows=False, soft_wrap=False
    ).print(table)
    return buffer.getvalue().rstrip()
