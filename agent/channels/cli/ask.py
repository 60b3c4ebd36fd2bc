"""``dsadmin chat``, ``ask``, ``confirm`` and ``approvals``: the conversation's command line.

Identity comes from ``--as`` (else the configuration's ``people.default_actor``), never from what is
typed. Exit codes: 0 when the request was handled whatever its outcome (a denial is an answer),
1 when the system failed (backend, store, DocuSign settings) or when ``confirm`` / ``approvals
approve|deny`` carried nothing out (a token or id unknown, expired, spent or someone else's: bad
input a script must be able to tell from success), 2 on usage errors. Only typer is
imported at module level, so ``dsadmin --help`` stays fast.
"""

import json
from contextlib import contextmanager
from typing import Any

import typer

BACKENDS = ("offline", "anthropic", "scripted")
approvals_app = typer.Typer(
    help="Review, approve or deny requests waiting for an approver.", no_args_is_help=True
)

AS_HELP = "Who you are (an email); default: the configuration's people.default_actor."


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root ``dsadmin`` app."""
    app.command("ask")(ask)
    app.command("chat")(chat)
    app.command("confirm")(confirm)
    app.add_typer(approvals_app, name="approvals")


# -- shared plumbing -----------------------------------------------------------------------------


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def _agent():
    """The public API's agent on the current configuration; setup problems exit 1 with the reason."""
    from agent.api import Agent, SetupFailed

    try:
        dsadmin = Agent.open()
    except SetupFailed as exc:
        raise _fail(exc.message) from None
    with dsadmin:
        yield dsadmin


@contextmanager
def _runtime():
    """The runtime for the current configuration (the commands that work below the public API:
    bulk, reports, the Slack and MCP servers); setup problems exit 1 with the reason."""
    from agent.api import Agent, SetupFailed

    try:
        dsadmin = Agent.open()
    except SetupFailed as exc:
        raise _fail(exc.message) from None
    with dsadmin:
        yield dsadmin.runtime


def _actor(rt: Any, email: str | None) -> Any:
    """The person (policy ``Actor``) a runtime-level command runs as; see ``_person``."""
    from agent.channels.identity import IdentityError, cli_email
    from agent.runtime import SetupError

    _check_as(email)
    try:
        return rt.actor(cli_email(rt.config, email))  # --as only on the sandbox; else the signed-in person
    except (SetupError, IdentityError) as exc:
        raise _fail(str(exc), 2) from None


def _check_as(email: str | None) -> None:
    """Usage errors first, before anything is opened."""
    from tools.actions import EMAIL_RE

    if email is not None and not EMAIL_RE.match(email.strip()):
        raise _fail(f"--as {email!r} is not an email address", 2)


def _check_backend(backend: str | None) -> None:
    if backend is not None and backend not in BACKENDS:
        raise _fail(f"--backend {backend!r}: use one of {', '.join(BACKENDS)}", 2)


def _person(dsadmin: Any, email: str | None) -> Any:
    """The person this command runs as: --as only on the sandbox; else the signed-in person."""
    from agent.api import Refused
    from agent.channels.identity import IdentityError, cli_email

    _check_as(email)
    try:
        return dsadmin.person(cli_email(dsadmin.runtime.config, email))
    except (Refused, IdentityError) as exc:
        raise _fail(str(exc), 2) from None


def _session(dsadmin: Any, person: Any, backend: str | None, script: str | None, session: str | None,
             dry_run: bool = False):
    from agent.api import Refused

    _check_backend(backend)
    try:
        return dsadmin.session(person, backend=backend, script=script, session_id=session, dry_run=dry_run,
                               channel="cli")
    except Refused as exc:
        raise _fail(exc.message, 2) from None


def _asked(conversation: Any, text: str) -> Any:
    """The reply to ``text``; a request refused before it ran (too long) is a usage error, exit 2."""
    from agent.api import Refused

    try:
        return conversation.ask(text)
    except Refused as exc:
        raise _fail(exc.message, 2) from None


@contextmanager
def _working(enabled: bool = True):
    """A spinner on stderr while a request runs (long listings), only on a terminal."""
    from rich.console import Console

    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield
        return
    with console.status("Working\u2026"):
        yield


def _print_reply(reply: Any, actor: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(reply.as_json(), default=str))
        return
    typer.echo(reply.text)
    if reply.confirmation_token:
        typer.echo(
            f"\nTo confirm, run: dsadmin confirm {reply.confirmation_token} --as {actor.email}"
            f"\n(or decline with --no)"
        )
    if reply.approval_id and f"approvals approve {reply.approval_id}" not in reply.text:
        typer.echo(f"\nTo approve: dsadmin approvals approve {reply.approval_id} --as APPROVER_EMAIL")


# -- commands ------------------------------------------------------------------------------------


def ask(
    text: str = typer.Argument(..., help="Your request, in plain language."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: outcome, reply, calls."),
    backend: str | None = typer.Option(None, "--backend", help="offline | anthropic | scripted"),
    script: str | None = typer.Option(None, "--script", help="YAML of model turns (scripted backend)."),
    session: str | None = typer.Option(None, "--session", help="Resume (or name) a conversation session."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Plan and decide, show what each write would change; write nothing."),
) -> None:
    """Make one request and print the reply."""
    from dataclasses import replace

    _check_as(as_)
    _check_backend(backend)
    with _agent() as dsadmin:
        person = _person(dsadmin, as_)
        conversation = _session(dsadmin, person, backend, script, session, dry_run)
        with _working(not as_json):
            reply = _asked(conversation, text)
        refused = _access_refused(reply)
        if refused:
            reply = replace(reply, text=f"{reply.text.rstrip()}\n\n{refused}")
        _print_reply(reply, person, as_json)
        if reply.system_failed or refused:
            raise typer.Exit(1)


def _access_refused(reply: Any) -> str | None:
    """The fix to print when DocuSign refused a request for consent or access (HTTP 403): the
    set-up, not the request, is wrong, so ``ask`` exits 1 with the hint ``config check`` gives.
    Read from the gate's typed ``Error.cause``, never from the message's words."""
    from agent.channels.cli.config import PLAN_HINT

    causes = {getattr(r, "cause", None) for r in reply.results}
    if "consent_required" in causes:
        return ("DocuSign has not been granted consent for this integration: run `dsadmin consent-url`, "
                "open it once as the impersonated admin, then `dsadmin config check`.")
    if "forbidden" in causes:
        return f"DocuSign refused access (HTTP 403): {PLAN_HINT}. `dsadmin config check` walks the set-up."
    return None


class _Streamer:
    """Prints a model's reply as it arrives (``on_text``), and what of the final reply it has not."""

    def __init__(self) -> None:
        self.chunks: list[str] = []

    def __call__(self, text: str) -> None:
        self.chunks.append(text)
        typer.echo(text, nl=False)

    def rest(self, reply_text: str) -> str:
        streamed, self.chunks = "".join(self.chunks).strip(), []
        if not streamed:
            return reply_text
        typer.echo("")
        return reply_text.replace(streamed, "", 1).strip()


def chat(
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
    backend: str | None = typer.Option(None, "--backend", help="offline | anthropic | scripted"),
    script: str | None = typer.Option(None, "--script", help="YAML of model turns (scripted backend)."),
    session: str | None = typer.Option(None, "--session", help="Resume a conversation session."),
) -> None:
    """Talk to dsadmin; confirmations are answered here, at the y/N prompt. 'exit' to leave."""
    from agent.api import Refused

    _check_as(as_)
    _check_backend(backend)
    with _agent() as dsadmin:
        person = _person(dsadmin, as_)
        conv = _session(dsadmin, person, backend, script, session)
        streamer: _Streamer | None = _Streamer()
        if not conv.stream_to(streamer):  # else the reply's text appears as the model writes it
            streamer = None
        where = "the dsadmin sandbox organization" if dsadmin.on_sandbox else "DocuSign"
        typer.echo(
            f"dsadmin on {where}, as {person.email} ({', '.join(sorted(person.roles)) or 'no role'}); "
            f"session {conv.id}. Type 'exit' to leave."
        )
        while True:
            try:
                text = input("you> ")
            except (EOFError, KeyboardInterrupt):
                typer.echo("")
                break
            if text.strip().lower() in ("exit", "quit", ":q"):
                break
            if not text.strip():
                continue
            with _working(streamer is None):
                try:
                    reply = conv.ask(text)
                except Refused as exc:  # too long: say so and take the next line
                    typer.echo(f"error: {exc.message}")
                    continue
            typer.echo(streamer.rest(reply.text) if streamer is not None else reply.text)
            if reply.approval_id and reply.approval_id not in reply.text:
                typer.echo(f"(request {reply.approval_id} waits for an approver)")
            if reply.confirmation_token:
                # the gate's own description of each write and its preview, never only the model's text
                from agent.render import confirmation_prompt

                typer.echo("\n" + confirmation_prompt(reply.confirmations))
                accepted = typer.confirm("Go ahead?", default=False)
                typer.echo(conv.confirm(accept=accepted).text)


def confirm(
    token: str = typer.Argument(..., help="The token printed with the request."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
    no: bool = typer.Option(False, "--no", help="Decline instead: nothing is done."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Answer a pending confirmation (only the person who made the request can)."""
    _check_as(as_)
    with _agent() as dsadmin:
        person = _person(dsadmin, as_)
        pending = dsadmin.pending_confirmation(person, token)
        if pending is not None and not no and not as_json:
            # the token is the consent; what it runs is shown first, from the stored record
            from agent.render import preview_text

            rows = [c.as_dict() for c in pending.previews]
            typer.echo(f"Confirming: {pending.summary}{preview_text(rows)}\n")
        reply = dsadmin.confirm(person, token, accept=not no)
        _print_decided(reply, as_json, pending.previews if pending is not None else None)
        if _carried_nothing_out(reply):
            raise typer.Exit(1)


def _carried_nothing_out(reply: Any) -> bool:
    """A consent answer that ran nothing: the system failed, or the token or id was no good."""
    from agent.api import Outcome

    return bool(reply.system_failed) or reply.outcome is Outcome.ERROR


def _print_decided(reply: Any, as_json: bool, previews: Any = None) -> None:
    """A confirmation's or an approval's reply: its text, or ``{outcome, decision, result[, preview]}``."""
    if as_json:
        typer.echo(json.dumps(decided_json(reply, previews), default=str))
        return
    typer.echo(reply.text)


def decided_json(reply: Any, previews: Any = None) -> dict[str, Any]:
    """The object ``confirm --json`` and ``approvals approve|deny --json`` print (never the token)."""
    shape = reply.decision_json()
    if previews is not None:
        shape["preview"] = [c.as_dict() for c in previews]
    return shape


# -- approvals -----------------------------------------------------------------------------------


@approvals_app.command("list")
def approvals_list(
    as_: str | None = typer.Option(
        None, "--as", help="An approver sees what they can act on; anyone else sees their own requests."
    ),
    status: str | None = typer.Option(
        "pending", "--status", help="pending, approved, denied, expired, executed, failed, or 'all'."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Requests waiting for (or past) an approver's decision, newest first."""
    from agent.api import Refused
    from agent.render import tables_text, when

    _check_as(as_)
    status = (status or "all").strip().lower()
    with _agent() as dsadmin:
        person = _person(dsadmin, as_)  # without --as: the signed-in person; only an admin sees every request
        mine = as_ is not None or not person.has("admin")
        try:
            requests = dsadmin.approvals(person, None if status == "all" else status, mine=mine)
        except Refused as exc:
            raise _fail(f"--{exc.message}", 2) from None
        scope = ""
        if mine:
            acting = person.has("approver") or any(r.requester != person.email for r in requests)
            scope = f" {person.email} can act on" if acting else f" made by {person.email}"
        rows = [r.as_dict() for r in requests]
        if as_json:
            typer.echo(json.dumps(rows, default=str))
            return
        if not rows:
            typer.echo(f"No {'' if status == 'all' else status + ' '}approval requests{scope}.")
            return
        short = [
            {k: (when(r[k]) if k.endswith("_at") else r[k]) for k in ("id", "status", "requester", "summary")}
            | {"changes": _changes(r["preview"]), "expires": when(r["expires_at"])}
            for r in rows
        ]
        if scope:
            typer.echo(f"Approval requests{scope}:")
        typer.echo("\n".join(tables_text(short)))


def _changes(preview: list) -> str:
    """A preview in one table cell: 'EMEA permission profile: A -> B; ...'."""
    from policies.preview import preview_lines, rows_from

    return "; ".join(line.strip() for line in preview_lines(rows_from(preview))) or "-"


@approvals_app.command("show")
def approvals_show(
    approval_id: str = typer.Argument(..., help="The request id (apr_...)."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One request: who asked, the exact call, and where it stands (for its requester, its approvers
    and admins only)."""
    from agent.api import Refused
    from agent.render import when

    _check_as(as_)
    with _agent() as dsadmin:
        person = _person(dsadmin, as_)
        try:
            request = dsadmin.approval(person, approval_id)
        except Refused as exc:
            raise _fail(f"{exc.message}; see `dsadmin approvals list`", 1) from None
        shown_row = request.as_dict()
        preview = shown_row.pop("preview")
        row = shown_row | {"call": request.call, "preview": preview}
        if as_json:
            typer.echo(json.dumps(row, default=str))
            return
        width = max(len(key) for key in row)
        for key, value in row.items():
            if key == "preview":
                from agent.render import preview_text

                typer.echo(preview_text(value).lstrip("\n") or f"{key:>{width}}: (none recorded)")
                continue
            if value is not None:
                shown = json.dumps(value, default=str) if key == "call" else value
                typer.echo(f"{key:>{width}}: {when(value) if key.endswith('_at') else shown}")


@approvals_app.command("approve")
def approvals_approve(
    approval_id: str = typer.Argument(..., help="The request id (apr_...)."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
    reason: str | None = typer.Option(None, "--reason", help="Why (kept in the audit log)."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Approve a request; it then runs once, through the gate, as the requester's call."""
    _decide(approval_id, as_, reason, as_json, approve=True)


@approvals_app.command("deny")
def approvals_deny(
    approval_id: str = typer.Argument(..., help="The request id (apr_...)."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
    reason: str | None = typer.Option(None, "--reason", help="Why (shown to the requester, audited)."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Deny a request; nothing is done."""
    _decide(approval_id, as_, reason, as_json, approve=False)


def _decide(approval_id: str, as_: str | None, reason: str | None, as_json: bool, *, approve: bool) -> None:
    """One approver's decision, printed; exit 1 when it carried nothing out (see the module doc)."""
    _check_as(as_)
    with _agent() as dsadmin:
        reply = dsadmin.decide(_person(dsadmin, as_), approval_id, approve=approve, reason=reason)
        _print_decided(reply, as_json)
        if _carried_nothing_out(reply):
            raise typer.Exit(1)


@approvals_app.command("recover")
def approvals_recover(
    older_than: int = typer.Option(
        300, "--older-than", min=0, max=86_400, metavar="SECONDS",
        help="Only requests approved or claimed at least this long ago (default: the 5-minute lease).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Finish approved requests a crash interrupted: each is finished, marked done, or run, once."""
    from datetime import timedelta

    with _agent() as dsadmin:
        recovered = dsadmin.recover(older_than=timedelta(seconds=older_than))
        if as_json:
            typer.echo(json.dumps([{"id": approval_id, "outcome": reply.outcome,
                                    "result": reply.results[0].model_dump(mode="json", exclude={"token"})}
                                   for approval_id, reply in recovered], default=str))
            return
        if not recovered:
            typer.echo("Nothing to recover: no approved request was left unfinished.")
        for approval_id, reply in recovered:
            typer.echo(f"Request {approval_id}:")
            typer.echo(reply.text)
