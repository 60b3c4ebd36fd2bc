"""``dsadmin bulk add|update|close FILE.csv``: many users in one DocuSign import job.

Why the order of steps: every row is read, resolved and judged before anything is sent, so a typo
on line 812 is found before line 1 changes; rows the policy sends to an approver become ONE
approval request (never part of the job); the person confirms the counts and previews; the gate
submits the job inside its write permit; the job is polled and its results CSV read back into
per-row outcomes, all on the audit record. The import id is kept under $DSADMIN_HOME/bulk, keyed
by the file's content, so a run that was interrupted resumes the same job instead of sending the
file twice.
"""

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import typer

AS_HELP = "Who is acting (sandbox); else people.default_actor."


def register(app: typer.Typer) -> None:
    bulk_app = typer.Typer(
        help="Add, update or close many users from a CSV (DocuSign's import jobs).", no_args_is_help=True
    )
    for kind in ("add", "update", "close"):
        bulk_app.command(kind, help=f"Bulk {kind} from FILE.csv in DocuSign's import format.")(_command(kind))
    app.add_typer(bulk_app, name="bulk")


def _command(kind: str):
    def command(
        file: Path = typer.Argument(..., help="The CSV (DocuSign's bulk import columns)."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Check and show; send nothing."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
        skip_invalid: bool = typer.Option(
            False, "--skip-invalid", help="Send the valid rows even if others fail."
        ),
        yes: bool = typer.Option(
            False, "--yes", help="Confirm without a prompt (the previews are still shown)."
        ),
        as_: str | None = typer.Option(None, "--as", help=AS_HELP),
    ) -> None:
        from agent.channels.cli.ask import _actor, _fail, _runtime
        from policies.textfiles import FileProblem, read_text

        try:  # the shared reader: a folder, a binary, UTF-16 or Latin-1 is named with its fix
            text = read_text(file, "CSV file")
        except FileProblem as exc:
            raise _fail(f"cannot read {exc}", 2) from None
        with _runtime() as rt:
            actor = _actor(rt, as_)
            code = run(
                rt, actor, kind, text, dry_run=dry_run, as_json=as_json, skip_invalid=skip_invalid, yes=yes
            )
        raise typer.Exit(code)

    return command


def run(
    rt: Any,
    actor: Any,
    kind: str,
    text: str,
    *,
    dry_run: bool = False,
    as_json: bool = False,
    skip_invalid: bool = False,
    yes: bool = False,
    sleep: Any = None,
    interval: float = 0.5,
) -> int:
    """The whole run; returns the exit code (0 done, 1 refused or failed)."""
    import hashlib

    from policies.approvals import crash_point
    from policies.call import BatchCall
    from policies.decision import DecisionKind
    from tools.docusign import bulk as jobs
    from tools.docusign import errors
    from tools.operations import bulk

    out = _Out(as_json)
    try:
        rows = bulk.read_csv(text, kind)
    except bulk.BulkFileError as exc:
        return out.fail(f"{exc.message}; nothing was sent", exc.fix)
    try:
        bulk.judge(rt.gate, actor, kind, rows)
    except errors.DocuSignError as exc:
        return out.fail(f"DocuSign could not be read: {exc}; nothing was sent", "try again later")
    counts = Counter(r.decision for r in rows)
    out.plan(kind, rows, counts)
    bad = [r for r in rows if r.decision in ("invalid", DecisionKind.DENY)]
    if bad and not skip_invalid:
        return out.done(
            {"sent": 0, "rows": [r.as_dict() for r in rows]},
            f"{len(bad)} line(s) need fixing; nothing was sent (or rerun with --skip-invalid).",
            1,
        )
    approval = _ask_approval(rt, actor, kind, [r for r in rows if r.decision == DecisionKind.NEEDS_APPROVAL],
                             dry_run)
    sendable = [r for r in rows if r.sendable]
    if dry_run or not sendable:
        verb = "Dry run: nothing was sent." if dry_run else "Nothing to send."
        return out.done({"sent": 0, "approval_id": approval, "rows": [r.as_dict() for r in rows]}, verb, 0)
    csv_text = bulk.job_csv(kind, rows)
    digest = hashlib.sha256(f"{kind}\n{csv_text}".encode()).hexdigest()
    resume = _resume_file(digest)
    import_id = _read_resume(resume)
    if import_id is None:
        if not (yes or out.ask(f"Send {len(sendable)} row(s) to DocuSign as one {kind} import?")):
            return out.done(  # the approver's rows were asked for all the same: said, with their request
                {"sent": 0, "approval_id": approval, "rows": [r.as_dict() for r in rows]},
                "Cancelled; nothing was sent.",
                0,
            )
        items = tuple(
            {"action": r.call.action, "args": r.call.args, "fingerprint": r.fingerprint, "preview": r.preview}
            for r in sendable
            if r.call is not None
        )
        items += (
            {
                "kind": kind,
                "csv_sha256": hashlib.sha256(csv_text.encode()).hexdigest(),
                "fingerprint": digest,
            },
        )
        token, _ = rt.confirmations.issue(
            actor,
            BatchCall(items),
            f"bulk {kind} of {len(sendable)} users",
            preview=[p for r in sendable for p in r.preview],
        )
        try:
            status = rt.gate.submit_bulk(actor, token, kind, csv_text)
        except errors.OutcomeUnknown as exc:
            return out.fail(
                f"DocuSign may or may not have received the file ({exc})",
                "list the imports in DocuSign's admin (or `dsadmin report changes`) before retrying",
            )
        except Exception as exc:  # refused, store down, DocuSign refused: said, never a traceback
            return out.fail(
                f"the job was not submitted: {exc}", getattr(exc, "fix", None) or "see the message"
            )
        import_id = status.id
        resume.parent.mkdir(parents=True, exist_ok=True)
        resume.write_text(json.dumps({"import_id": import_id, "kind": kind}))
        crash_point("after_bulk_submit")  # a test stops the process here; the next one resumes
    else:
        out.note(f"Resuming import {import_id} submitted earlier for this file (not sending it again).")
    org = rt.gate.organization_id
    try:
        final = jobs.wait(
            lambda: jobs.import_status(rt.client, org, import_id),
            interval=interval,
            progress=out.progress,
            **({"sleep": sleep} if sleep else {}),
        )
        results = jobs.import_results(rt.client, org, import_id)
    except KeyboardInterrupt:  # the job is DocuSign's now: say so, or a person believes nothing was sent
        typer.echo(
            f"\ninterrupted: import {import_id} was already sent to DocuSign and carries on there; run the "
            "same command again to follow it to its end (it is not sent twice).",
            err=True,
        )
        raise
    except errors.NotFound:  # DocuSign no longer knows the job: not resumed, and not resent blindly
        resume.unlink(missing_ok=True)
        return out.fail(
            f"import {import_id}, submitted earlier for this file, is unknown to DocuSign",
            "check what changed (dsadmin report changes) before running the command again",
        )
    except errors.DocuSignError as exc:
        return out.fail(
            f"import {import_id} could not be followed: {exc}",
            "run the same command again: it resumes this import without resending",
        )
    bulk.read_outcomes(rows, results)
    rt.gate.record_bulk(
        actor,
        {
            "outcome": final.status,
            "kind": kind,
            "import_id": import_id,
            "rows": [
                {"line": r.line, "email": r.email, "account": r.account_name, "result": r.outcome}
                for r in sendable
            ],
        },
    )
    resume.unlink(missing_ok=True)
    refused = any(not bulk.succeeded(r) for r in sendable)
    summary = f"Import {import_id} {final.status}: {bulk.outcome_tally(sendable)}."
    return out.done(
        {
            "sent": len(sendable),
            "import_id": import_id,
            "status": final.status,
            "approval_id": approval,
            "rows": [r.as_dict() for r in rows],
        },
        summary,
        1 if refused else 0,
    )


def _ask_approval(rt: Any, actor: Any, kind: str, rows: list, dry_run: bool) -> str | None:
    """The rows an approver must see become one request listing every row's change."""
    from policies.call import BatchCall

    if not rows or dry_run:
        return None
    verdict = rows[0].verdict
    items = tuple(
        {"action": r.call.action, "args": r.call.args, "fingerprint": r.fingerprint, "preview": r.preview}
        for r in rows
    )
    batch = BatchCall(items)
    same = rt.approvals.pending_for(actor.email, batch.fingerprint())
    if same:  # the same file run again: the rows already wait in that request, never a second one
        return str(same[0].id)
    request = rt.approvals.request(
        actor,
        batch,
        f"bulk {kind} of {len(rows)} users",
        verdict.approver_role,
        verdict.ttl_seconds,
        preview=[p for r in rows for p in r.preview],
    )
    return request.id


def _resume_file(digest: str) -> Path:
    from audit.home import dsadmin_home

    return dsadmin_home() / "bulk" / f"{digest[:32]}.json"


def _read_resume(path: Path) -> str | None:
    try:
        return str(json.loads(path.read_text())["import_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class _Out:
    """What the person sees: text with a progress bar on a terminal, or one JSON document."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.tty = sys.stderr.isatty() and not as_json

    def plan(self, kind: str, rows: list, counts: Counter) -> None:
        from policies.decision import DecisionKind

        if self.as_json:
            return
        labels = {
            DecisionKind.ALLOW: "ready",
            DecisionKind.NEEDS_CONFIRMATION: "ready",
            DecisionKind.NEEDS_APPROVAL: "need an approver",
            DecisionKind.DENY: "refused by policy",
            "invalid": "invalid",
            "unchanged": "unchanged",
        }
        tally: Counter = Counter()
        for decision, n in counts.items():
            tally[labels.get(decision, decision)] += n
        typer.echo(f"bulk {kind}: {len(rows)} row(s): " + ", ".join(f"{n} {k}" for k, n in tally.items()))
        for r in rows:
            change = "; ".join(
                f"{p['account'] or 'user'} {p['field']}: {p['before'] or '-'} -> {p['after'] or '-'}"
                for p in r.preview
            )
            line = f"  line {r.line}: {r.email or '?'} [{labels.get(r.decision, r.decision)}] {change}"
            if r.problem:
                line += f" -- {r.problem}" + (f" (fix: {r.fix})" if r.fix else "")
            typer.echo(line)

    def ask(self, question: str) -> bool:
        if self.as_json or not sys.stdin.isatty():
            typer.echo("error: confirmation needed; rerun with --yes to send", err=True)
            return False
        return typer.confirm(question, default=False)

    def note(self, text: str) -> None:
        if not self.as_json:
            typer.echo(text)

    def progress(self, status: Any) -> None:
        if self.tty and status.total:
            width = 30
            filled = int(width * status.processed / status.total)
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {status.processed}/{status.total} "
                f"{status.status}   "
            )
            if status.done:
                sys.stderr.write("\n")
            sys.stderr.flush()

    def fail(self, message: str, fix: str | None) -> int:
        if self.as_json:
            typer.echo(json.dumps({"error": message, "fix": fix}))
        else:
            typer.echo(f"error: {message}" + (f"\nfix: {fix}" if fix else ""), err=True)
        return 1

    def done(self, payload: dict, summary: str, code: int) -> int:
        if self.as_json:
            typer.echo(json.dumps({**payload, "summary": summary}, default=str))
        else:
            for row in payload.get("rows", []):
                if row.get("outcome"):
                    typer.echo(f"  line {row['line']}: {row['email']} -> {row['outcome']}")
            if payload.get("approval_id"):
                typer.echo(
                    f"Rows needing an approver wait in request {payload['approval_id']} "
                    f"(dsadmin approvals list)."
                )
            typer.echo(summary)
        return code
