"""``dsadmin chat``, ``ask``, ``confirm`` and ``approvals``: the conversation's command line.

Identity comes from ``--as`` (else the configuration's ``people.default_actor``), never from what is
typed. Exit codes: 0 when the request was handled whatever its outcome (a denial is an answer),
1 when the system failed (backend, store, DocuSign settings), 2 on usage errors. Only typer is
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
def _runtime():
    """The runtime for the current configuration; setup problems exit 1 with the reason."""
    from agent.config import ConfigError, load_config
    from agent.runtime import SetupError, build_runtime
    from tools.docusign.errors import DocuSignError

    try:
        config = load_config()
        rt = build_runtime(config)
    except (ConfigError, SetupError) as exc:
        raise _fail(str(exc)) from None
    except DocuSignError as exc:  # e.g. a private key that is not RSA, or garbled
        raise _fail(f"docusign: {exc}; `dsadmin config check` shows which setting to fix") from None
    try:
        yield rt
    finally:
        rt.close()


def _check_as(email: str | None) -> None:
    """Usage errors first, before anything is opened."""
    from tools.actions import EMAIL_RE

    if email is not None and not EMAIL_RE.match(email.strip()):
        raise _fail(f"--as {email!r} is not an email address", 2)


def _check_backend(backend: str | None) -> None:
    if backend is not None and backend not in BACKENDS:
        raise _fail(f"--backend {backend!r}: use one of {', '.join(BACKENDS)}", 2)


def _actor(rt: Any, email: str | None) -> Any:
    from agent.channels.identity import IdentityError, cli_email
    from agent.runtime import SetupError

    _check_as(email)
    try:
        return rt.actor(cli_email(rt.config, email))  # --as only on the sandbox; else the signed-in person
    except (SetupError, IdentityError) as exc:
        raise _fail(str(exc), 2) from None


def _conversation(rt: Any, actor: Any, backend: str | None, script: str | None, session: str | None,
                  dry_run: bool = False):
    from agent.backends import BackendError, make_backend
    from agent.conversation import Conversation, SessionError

    _check_backend(backend)
    if script is not None and backend is None:
        backend = "scripted"
    try:
        model = make_backend(rt.config, backend, script=script)
    except BackendError as exc:
        raise _fail(str(exc), 2) from None
    try:
        return Conversation(rt, actor, model, session_id=session, dry_run=dry_run)
    except SessionError as exc:
        raise _fail(str(exc), 2) from None


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
    _check_as(as_)
    _check_backend(backend)
    with _runtime() as rt:
        actor = _actor(rt, as_)
        conv = _conversation(rt, actor, backend, script, session, dry_run)
        with _working(not as_json):
            reply = conv.ask(text)
        refused = _access_refused(reply)
        if refused:
            reply.text = f"{reply.text.rstrip()}\n\n{refused}"
        _print_reply(reply, actor, as_json)
        if _system_failed(reply.failed, reply.results) or refused:
            raise typer.Exit(1)


def _access_refused(reply: Any) -> str | None:
    """The fix to print when DocuSign refused a request for consent or access (HTTP 403): the
    set-up, not the request, is wrong, so ``ask`` exits 1 with the hint ``config check`` gives."""
    from agent.channels.cli.config import PLAN_HINT

    messages = [getattr(r, "message", "") or "" for r in reply.results if getattr(r, "kind", "") == "error"]
    if any("consent_required" in m for m in messages):
        return ("DocuSign has not been granted consent for this integration: run `dsadmin consent-url`, "
                "open it once as the impersonated admin, then `dsadmin config check`.")
    if any("HTTP 403" in m for m in messages):
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
    _check_as(as_)
    _check_backend(backend)
    with _runtime() as rt:
        actor = _actor(rt, as_)
        conv = _conversation(rt, actor, backend, script, session)
        streamer = _Streamer() if hasattr(conv.backend, "on_text") else None
        if streamer is not None:
            conv.backend.on_text = streamer  # the reply's text appears as the model writes it
        where = "the dsadmin sandbox organization" if rt.sandbox is not None else "DocuSign"
        typer.echo(
            f"dsadmin on {where}, as {actor.email} ({', '.join(sorted(actor.roles)) or 'no role'}); "
            f"session {conv.session_id}. Type 'exit' to leave."
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
                reply = conv.ask(text)
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
    with _runtime() as rt:
        actor = _actor(rt, as_)
        pending = rt.confirmations.live(token.strip(), actor)
        if pending is not None and not no and not as_json:
            # the token is the consent; what it runs is shown first, from the stored record
            from agent.render import preview_text

            typer.echo(f"Confirming: {pending.summary}{preview_text(pending.preview)}\n")
        result = rt.gate.confirm(actor, token.strip(), accept=not no)
        _print_result(rt, result, as_json, preview=pending.preview if pending is not None else None)
        if _system_failed(False, [result]):
            raise typer.Exit(1)


def _system_failed(failed: bool, results: list[Any]) -> bool:
    """Exit 1 when the system failed (the backend, the store, DocuSign unreachable), not the request."""
    return failed or any(getattr(r, "system", False) for r in results)


def _print_result(rt: Any, result: Any, as_json: bool, preview: list | None = None) -> None:
    from agent.conversation import DECISIONS
    from agent.render import result_text
    from tools.results import outcome_of

    if as_json:
        view = result.model_dump(mode="json", exclude={"token"})
        shape = {"outcome": outcome_of(result), "decision": DECISIONS.get(result.kind), "result": view}
        if preview is not None:
            shape["preview"] = preview
        typer.echo(json.dumps(shape, default=str))
        return
    text = result_text(result.model_dump(mode="json"))
    if rt.sandbox is not None:
        text += "\n\n(Running against the dsadmin sandbox organization, not a real DocuSign account.)"
    typer.echo(text)


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
    from agent.render import approval_row, tables_text, when

    _check_as(as_)
    status = (status or "all").strip().lower()
    with _runtime() as rt:
        actor = _actor(rt, as_)  # without --as: the signed-in person; only an admin sees every request
        try:
            views = rt.approvals.list(None if status == "all" else status)
        except ValueError as exc:
            raise _fail(f"--status: {exc}", 2) from None
        scope = ""
        if as_ is not None or not actor.has("admin"):
            views, scope = _visible_to(actor, views)
        rows = [approval_row(v) for v in views]
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


def _visible_to(actor: Any, views: list) -> tuple[list, str]:
    """An approver's view is what they may decide (someone else's request for a role they hold);
    anyone else sees the requests they made."""
    actionable = [v for v in views if v.approver_role in actor.roles and v.requester != actor.email]
    if "approver" in actor.roles or actionable:
        return actionable, f" {actor.email} can act on"
    return [v for v in views if v.requester == actor.email], f" made by {actor.email}"


@approvals_app.command("show")
def approvals_show(
    approval_id: str = typer.Argument(..., help="The request id (apr_...)."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One request: who asked, the exact call, and where it stands (for its requester, its approvers
    and admins only)."""
    from agent.channels.service import can_see
    from agent.render import approval_row, when

    _check_as(as_)
    with _runtime() as rt:
        actor = _actor(rt, as_)
        view = rt.approvals.get(approval_id.strip())
        if view is None or not can_see(actor, view):
            raise _fail(f"no approval request {approval_id!r} that {actor.email} may see; "
                        "see `dsadmin approvals list`", 1)
        row = approval_row(view) | {"call": {k: v for k, v in view.call.items() if k != "preview"},
                                     "preview": view.preview}
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
    _check_as(as_)
    with _runtime() as rt:
        approver = _actor(rt, as_)
        result = rt.gate.approve(approver, approval_id.strip(), reason=reason)
        _print_result(rt, result, as_json)
        if _system_failed(False, [result]):
            raise typer.Exit(1)


@approvals_app.command("deny")
def approvals_deny(
    approval_id: str = typer.Argument(..., help="The request id (apr_...)."),
    as_: str | None = typer.Option(None, "--as", help=AS_HELP),
    reason: str | None = typer.Option(None, "--reason", help="Why (shown to the requester, audited)."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Deny a request; nothing is done."""
    _check_as(as_)
    with _runtime() as rt:
        approver = _actor(rt, as_)
        _print_result(rt, rt.gate.deny(approver, approval_id.strip(), reason=reason), as_json)


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

    from tools.results import outcome_of

    with _runtime() as rt:
        recovered = rt.gate.recover(older_than=timedelta(seconds=older_than))
        if as_json:
            typer.echo(json.dumps([{"id": approval_id, "outcome": outcome_of(result),
                                    "result": result.model_dump(mode="json", exclude={"token"})}
                                   for approval_id, result in recovered], default=str))
            return
        if not recovered:
            typer.echo("Nothing to recover: no approved request was left unfinished.")
        for approval_id, result in recovered:
            typer.echo(f"Request {approval_id}:")
            _print_result(rt, result, False)
