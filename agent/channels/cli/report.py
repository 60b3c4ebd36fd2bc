"""``dsadmin report changes|access``: change detection and access reviews (read-only).

Why a command and not only a question in chat: both are periodic jobs an administrator runs and
keeps (a CSV for the review, JSON for a script), and both must say how they were built (the
export job or paging) so a figure can be trusted.
"""

import json
import sys
from dataclasses import astuple
from datetime import UTC, datetime
from typing import Any

import typer

AS_HELP = "Who is acting (sandbox); else people.default_actor."
report_app = typer.Typer(help="Change detection and access reviews (read-only).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")


def _now(rt: Any) -> datetime:
    return rt.sandbox.clock.now() if rt.sandbox is not None else datetime.now(UTC)


@report_app.command("changes")
def changes_command(
    since: str = typer.Option("24h", "--since", help="How far back: 24h, 7d, 90m, or an ISO date."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Who changed since then, and whether dsadmin made the change (else: outside dsadmin)."""
    from agent.channels.cli.ask import _actor, _fail, _runtime
    from tools.docusign import errors
    from tools.operations import reviews

    with _runtime() as rt:
        actor = _actor(rt, as_)
        if not actor.has("admin") and not actor.has("approver"):
            raise _fail(f"{actor.email} may not read other people's changes (admins and approvers may)")
        try:
            now = _now(rt)
            moment = reviews.parse_since(since, now)
        except ValueError as exc:
            raise _fail(str(exc), 2) from None
        try:
            found = reviews.changes(rt.gate, rt.audit, moment, datetime.now(UTC) - (now - moment))
        except errors.DocuSignError as exc:
            raise _fail(f"DocuSign could not be read: {exc}") from None
    if as_json:
        typer.echo(json.dumps({"since": moment.isoformat(), "changes": [c.as_dict() for c in found]}))
        return
    typer.echo(f"{len(found)} membership(s) changed since {moment:%Y-%m-%d %H:%M} UTC")
    for ch in found:
        how = "; ".join(ch.by_dsadmin) if ch.by_dsadmin else "OUTSIDE dsadmin (no dsadmin record)"
        typer.echo(f"  {ch.email} on {ch.account}: now {ch.membership_status or '-'} -- {how}")


@report_app.command("access")
def access_command(
    account: str | None = typer.Option(None, "--account", help="One account (name or id); default all."),
    fmt: str = typer.Option("csv", "--format", help="csv or json."),
    via: str = typer.Option("auto", "--via", help="auto (by size), export (one job) or paging."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Every user x account x permission profile x groups x status x last modified."""
    from agent.channels.cli.ask import _actor, _fail, _runtime
    from tools.docusign import bulk, errors
    from tools.docusign.resolvers import ResolutionError
    from tools.operations import OperationError, reviews

    if fmt not in ("csv", "json"):
        raise _fail(f"--format {fmt!r}: use csv or json", 2)
    if via not in ("auto", "export", "paging"):
        raise _fail(f"--via {via!r}: use auto, export or paging", 2)
    with _runtime() as rt:
        actor = _actor(rt, as_)
        if not actor.has("admin") and not actor.has("approver"):
            raise _fail(f"{actor.email} may not read the access review (admins and approvers may)")
        sleep = _sandbox_sleep(rt)
        try:
            rows, used = reviews.access_rows(
                rt.gate, actor, account, via=via, wait=lambda poll: bulk.wait(poll, **sleep)
            )
        except ResolutionError as exc:
            raise _fail(f"{exc.message}", 2) from None
        except (OperationError, errors.DocuSignError) as exc:
            raise _fail(f"the review could not be read: {exc}") from None
    if fmt == "json":
        typer.echo(json.dumps({"via": used, "rows": [r.as_dict() for r in rows]}))
        return
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(reviews.COLUMNS)
    writer.writerows(astuple(r) for r in rows)
    typer.echo(f"# {len(rows)} row(s), read via {used}", err=True)


def _sandbox_sleep(rt: Any) -> dict[str, Any]:
    """Against the sandbox a poll's wait moves its clock (the job finishes in sandbox time)."""
    if rt.sandbox is None:
        return {}
    return {"sleep": lambda seconds: rt.sandbox.advance_clock(seconds=seconds)}
