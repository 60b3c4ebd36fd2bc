"""``dsadmin serve``, ``tokens``, ``login`` and ``notify``: the service's command line.

Only typer is imported at module level (``dsadmin --help`` stays fast). Exit codes as elsewhere:
0 done, 1 failure, 2 usage.
"""

import json
import time

import typer

tokens_app = typer.Typer(
    help="Personal API tokens for the HTTP API (admins mint and revoke them).", no_args_is_help=True
)
notify_app = typer.Typer(help="Deliver queued notifications (email, webhooks).", no_args_is_help=True)
AS_HELP = "Who you are (sandbox only); otherwise your `dsadmin login` identity."


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("login")(login)
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(notify_app, name="notify")


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _runtime():
    from agent.config import ConfigError, load_config
    from agent.runtime import SetupError, build_runtime

    try:
        return build_runtime(load_config())
    except (ConfigError, SetupError) as exc:
        raise _fail(str(exc)) from None


def _person(rt, as_: str | None):
    from agent.channels.identity import IdentityError, cli_email
    from agent.runtime import SetupError

    try:
        return rt.actor(cli_email(rt.config, as_))
    except (IdentityError, SetupError) as exc:
        raise _fail(str(exc), 2) from None


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port."),
    no_worker: bool = typer.Option(False, "--no-worker", help="Do not deliver notifications here."),
) -> None:
    """Run dsadmin as a service: the HTTP API (/api/v1), the web pages, sign-in, notifications."""
    import uvicorn

    from agent.channels.web.app import create_app

    rt = _runtime()
    if rt.config.auth.oidc is None and rt.sandbox is None:
        rt.close()
        raise _fail(
            "a real organization needs its identity provider: set auth.oidc (issuer, client_id) "
            "in the configuration; see README 'Run it as a service'"
        )
    where = (
        "the sandbox organization (sign in with the sandbox's identity provider)"
        if rt.sandbox is not None
        else "DocuSign"
    )
    typer.echo(
        f"dsadmin serving {where} on http://{host}:{port}/ (API: /api/v1, OpenAPI: /api/v1/openapi.json)"
    )
    try:
        uvicorn.run(
            create_app(rt, worker=not no_worker),
            host=host,
            port=port,
            log_level="warning",
            proxy_headers=True,
        )
    finally:
        rt.close()


def login(
    issuer: str = typer.Option(
        None,
        "--issuer",
        help="The sandbox provider's URL (default http://127.0.0.1:8000/idp, i.e. "
        "`dsadmin serve`); ignored when auth.oidc is configured.",
    ),
) -> None:
    """Sign in with your identity provider's device sign-in (RFC 8628); the token is cached (0600)."""
    from agent.channel_settings import secret_from_env
    from agent.channels.identity import save_login
    from agent.channels.oidc import AuthError, OIDCClient
    from agent.config import ConfigError, load_config

    try:
        config = load_config()
        oidc = config.auth.oidc
        if oidc is not None:
            client = OIDCClient(
                oidc.issuer,
                oidc.client_id,
                audience=oidc.audience,
                scopes=oidc.scopes,
                client_secret=secret_from_env(oidc.client_secret_env, "auth.oidc.client_secret_env"),
            )
        else:
            from tools.docusign.sandbox._oidc import CLIENT_ID

            client = OIDCClient(issuer or "http://127.0.0.1:8000/idp", CLIENT_ID)
        grant = client.start_device()
    except (ConfigError, ValueError, AuthError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Open {grant.get('verification_uri_complete') or grant['verification_uri']}")
    typer.echo(f"and confirm the code {grant['user_code']}. Waiting…")
    deadline = time.monotonic() + float(grant.get("expires_in", 600))
    interval = max(float(grant.get("interval", 5)), 0.2)
    while time.monotonic() < deadline:
        time.sleep(interval)
        try:
            tokens = client.poll_device(grant["device_code"])
            if tokens is None:
                continue
            email = client.validate(str(tokens.get("id_token") or tokens.get("access_token") or ""))
        except AuthError as exc:
            raise _fail(f"sign-in failed: {exc}") from None
        path = save_login(client.issuer, email, int(tokens.get("expires_in", 3600)))
        typer.echo(f"Signed in as {email} (cached in {path}).")
        return
    raise _fail("the sign-in code expired; run `dsadmin login` again")


def _admin(rt, as_: str | None):
    actor = _person(rt, as_)
    if not actor.has("admin"):
        raise _fail(f"{actor.email} is not an admin; only admins manage API tokens", 1)
    return actor


@tokens_app.command("create")
def tokens_create(
    for_: str = typer.Option(..., "--for", help="The person the token acts as (an email)."),
    name: str = typer.Option("api", "--name", help="A label (which script uses it)."),
    days: int = typer.Option(None, "--days", min=1, help="Expire after N days (default: never)."),
    as_: str = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Mint a personal API token; it is printed once and stored only as a hash."""
    from agent.channels.credentials import create_token
    from tools.actions import EMAIL_RE

    if not EMAIL_RE.match(for_.strip()):
        raise _fail(f"--for {for_!r} is not an email address", 2)
    rt = _runtime()
    try:
        admin = _admin(rt, as_)
        secret, info = create_token(rt.engine, for_.strip().lower(), name, admin.email, days)
        rt.audit.append(
            "action_result",
            actor=admin.email,
            target=info.email,
            payload={"outcome": "done", "summary": f"API token {info.id} ({name}) created"},
        )
    finally:
        rt.close()
    typer.echo(f"{info.id} for {info.email}: {secret}")
    typer.echo(f"Keep it secret; it is shown only now. Revoke it with `dsadmin tokens revoke {info.id}`.")


@tokens_app.command("list")
def tokens_list(
    as_: str = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every API token: id, person, label, state (never the secret)."""
    from agent.channels.credentials import list_tokens

    rt = _runtime()
    try:
        _admin(rt, as_)
        rows = [
            {
                "id": t.id,
                "email": t.email,
                "name": t.name,
                "state": t.state,
                "created_by": t.created_by,
                "created_at": t.created_at.isoformat(),
                "last_used_at": t.last_used_at and t.last_used_at.isoformat(),
            }
            for t in list_tokens(rt.engine)
        ]
    finally:
        rt.close()
    if as_json:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        typer.echo("No API tokens.")
    for r in rows:
        typer.echo(f"{r['id']}  {r['email']}  {r['name']}  {r['state']}  (by {r['created_by']})")


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: str = typer.Argument(..., help="The token's id (tok_...)."),
    as_: str = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Revoke a token; requests with it are refused from now on, on every instance."""
    from agent.channels.credentials import revoke_token

    rt = _runtime()
    try:
        admin = _admin(rt, as_)
        if not revoke_token(rt.engine, token_id.strip()):
            raise _fail(f"no active token {token_id!r}; see `dsadmin tokens list`")
        rt.audit.append(
            "action_result",
            actor=admin.email,
            payload={"outcome": "done", "summary": f"API token {token_id} revoked"},
        )
    finally:
        rt.close()
    typer.echo(f"Revoked {token_id}.")


@notify_app.command("run")
def notify_run() -> None:
    """Deliver every notification due now, once (for cron); `serve` does this continuously."""
    from agent.channels.notify.worker import run_once

    rt = _runtime()
    try:
        counts = run_once(rt)
    finally:
        rt.close()
    typer.echo(f"sent {counts.sent}, to retry {counts.retried}, given up {counts.failed}")
    if counts.failed:
        raise typer.Exit(1)
