"""Results as a person reads them: a sentence, then rich tables for anything with rows.

Works on the JSON form of a ``tools.results`` Result (what the conversation feeds the model), so the
offline planner's reply and the CLI agree on one rendering. Tables are drawn by rich and captured
as plain text, which reads well in a terminal, in ``--json`` output and in a log.
"""

from __future__ import annotations

import io
import re
from typing import Any

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
        text = "Not allowed: " + "; ".join(result.get("reasons") or ["the policy refused this request"])
        if result.get("who_could"):
            text += f"\nWho could do it: {', '.join(result['who_could'])}."
        return text
    if kind == "needs_confirmation":
        return (
            f"This needs your confirmation before anything happens: {result.get('summary', '')}\n"
            f"Answer the y/N prompt, or run `dsadmin confirm TOKEN --as YOUR_EMAIL` before "
            f"{result.get('expires_at', 'it expires')}."
        )
    if kind == "pending_approval":
        return (
            f"Sent for approval: {result.get('summary', '')}\nRequest {result.get('approval_id')} now "
            f"waits for someone with the {result.get('approver_role', 'approver')} role "
            f"(`dsadmin approvals approve {result.get('approval_id')} --as APPROVER`)."
        )
    if kind == "error":
        text = f"That did not work: {result.get('message', 'unknown error')}"
        if result.get("fix"):
            text += f"\nTo fix: {result['fix']}"
        if result.get("suggestions"):
            text += f"\nDid you mean: {', '.join(map(str, result['suggestions']))}?"
        return text
    return str(result)


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
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
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
