"""``dsadmin audit``: read, verify and export the audit log of the configured store.

Only typer is imported at module level (``dsadmin --help`` stays fast); the store is opened
inside each command. Exit codes: 0 done, 1 failure (a broken chain, a missing event, a store or
configuration problem), 2 usage errors.
"""

import re
import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from audit.checkpoints import Checkpointer
    from audit.log import AuditLog, AuditRecord

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _open_log() -> "AuditLog":
    """The audit log of the configured store; a missing SQLite file is an error, not a new store."""
    from agent.config import ConfigError, dsadmin_home, load_config
    from audit.checkpoints import Checkpointer
    from audit.db import StoreError, open_store
    from audit.log import AuditLog

    try:
        url = load_config().store.effective_url()
    except ConfigError as exc:
        raise _fail(str(exc), 2) from None
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not Path(path).is_file():
            raise _fail(f"no store at {path} (store.url); nothing has been logged there yet")
    try:
        return AuditLog(open_store(url), checkpoints=Checkpointer.in_home(dsadmin_home()))
    except StoreError as exc:
        raise _fail(str(exc)) from None


def _checkpointer(log: "AuditLog") -> "Checkpointer":
    """The log's checkpointer: ``_open_log`` always gives it one (the key and file in the home)."""
    if log.checkpoints is None:
        raise _fail("no checkpoint key and file are configured for this audit log")
    return log.checkpoints


def _parse_since(value: str) -> datetime:
    """``15m``/``2h``/``3d``/``1w`` ago, or an ISO date/time (UTC unless it names a zone)."""
    match = _RELATIVE.match(value.strip().lower())
    if match:
        return datetime.now(UTC) - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is neither a duration like 30m, 2h, 7d nor an ISO time like 2026-01-31T09:00"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _line(rec: "AuditRecord") -> str:
    from audit._canonical import canonical_json, iso_ts

    who = rec.actor or "-"
    what = " ".join(x for x in (rec.action, rec.target) if x) or "-"
    payload = canonical_json(rec.payload)
    if len(payload) > 100:
        payload = payload[:97] + "..."
    return f"{rec.id:>6}  {iso_ts(rec.ts)}  {rec.kind:<19} {who:<28} {what}  {payload}"


@app.command()
def tail(
    lines: int = typer.Option(20, "-n", "--lines", min=1, max=1_000_000,
                              help="How many events (newest last)."),
    actor: str | None = typer.Option(None, "--actor", help="Only events by this email."),
    target: str | None = typer.Option(None, "--target", help="Only events about this email or account."),
    kind: str | None = typer.Option(None, "--kind", help="Only events of this kind (e.g. decision)."),
    session: str | None = typer.Option(None, "--session", help="Only events of this session id."),
    since: str | None = typer.Option(None, "--since",
                                     help="Only events since 30m / 2h / 7d ago, or an ISO time."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Show the newest audit events."""
    from audit._canonical import canonical_json
    from audit.db import StoreError
    from audit.log import KINDS

    if kind is not None and kind not in KINDS:
        raise typer.BadParameter(f"unknown kind {kind!r}; use one of {', '.join(sorted(KINDS))}",
                                 param_hint="--kind")
    since_ts = _parse_since(since) if since else None
    log = _open_log()
    try:
        records = log.tail(lines, actor=actor, target=target, kind=kind, since=since_ts, session_id=session)
    except StoreError as exc:
        raise _fail(str(exc)) from None
    for rec in records:
        typer.echo(canonical_json(rec.to_dict()) if as_json else _line(rec))


@app.command()
def show(event_id: int = typer.Argument(..., min=1, max=2**63 - 1,
                                        help="The event id (see `dsadmin audit tail`).")) -> None:
    """Show one event in full."""
    import json

    from audit.db import StoreError

    log = _open_log()
    try:
        rec = log.get(event_id)
    except StoreError as exc:
        raise _fail(str(exc)) from None
    if rec is None:
        raise _fail(f"no audit event {event_id}; `dsadmin audit tail` lists the newest ids")
    typer.echo(json.dumps(rec.to_dict(), indent=2, sort_keys=True, ensure_ascii=False))


@app.command()
def verify(
    incremental: bool = typer.Option(False, "--incremental", help="Read only the events after the point "
                                     "the last verify proved (signed, in the store); the rest are not "
                                     "re-read."),
    against: Path | None = typer.Option(None, "--against", metavar="CHECKPOINT_FILE",
                                        help="Also prove that no event up to each signed checkpoint in "
                                             "this file was removed or changed (a full verify)."),
) -> None:
    """Check the hash chain; exit 1 naming the first edited, removed or reordered event."""
    from audit.checkpoints import CheckpointError
    from audit.db import StoreError

    log = _open_log()
    try:
        if against is not None:
            checkpoints = _checkpointer(log).read(against)
            report = log.verify_against(checkpoints)
        else:
            report = log.verify(incremental=incremental)
    except (StoreError, CheckpointError) as exc:
        raise _fail(str(exc)) from None
    if report.ok:
        scope = f"{report.checked} events" if report.start_id == 0 else (
            f"events {report.start_id + 1}-{report.head_id} ({report.checked}) read; events 1-"
            f"{report.start_id} were proven by an earlier verify and not re-read (without --incremental "
            "they are)")
        typer.echo(f"audit log intact: {scope}, head {report.head_hash}")
        if against is not None:
            newest = max(cp.event_id for cp in checkpoints)
            typer.echo(f"{len(checkpoints)} signed checkpoints from {against} hold: no event up to event "
                       f"{newest} was removed or changed")
        return
    where = f" at event {report.first_bad_id}" if report.first_bad_id is not None else ""
    typer.echo(f"audit log BROKEN{where}: {report.problem} ({report.checked} events verified before it)")
    raise typer.Exit(1)


@app.command()
def checkpoint() -> None:
    """Sign the chain head and append it to the checkpoint file outside the store."""
    from audit.checkpoints import CheckpointError
    from audit.db import StoreError

    log = _open_log()
    try:
        cp = log.checkpoint()
    except (StoreError, CheckpointError) as exc:
        raise _fail(str(exc)) from None
    sink = _checkpointer(log).sink
    typer.echo(f"checkpoint at event {cp.event_id} (hash {cp.hash}) appended to {sink}")
    typer.echo(f"check it later with: dsadmin audit verify --against {sink}")


@app.command()
def export(
    fmt: ExportFormat = typer.Option(ExportFormat.jsonl, "--format", help="jsonl or csv."),
    redact_pii: bool = typer.Option(False, "--redact-pii", help="Replace emails and names with pseudonyms."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
) -> None:
    """Write every event, oldest first, as JSON lines or CSV."""
    from audit.db import StoreError

    log = _open_log()
    try:
        if output is None:
            count = log.export(sys.stdout, fmt.value, redact_pii=redact_pii)
        else:
            with output.open("w", encoding="utf-8", newline="") as stream:
                count = log.export(stream, fmt.value, redact_pii=redact_pii)
    except (StoreError, OSError) as exc:
        raise _fail(str(exc)) from None
    if output is not None:
        typer.echo(f"exported {count} events to {output}", err=True)

