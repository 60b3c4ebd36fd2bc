"""``dsadmin sandbox ...``: serve the emulator, reset it, dump its state, print a token.

Only typer is imported at module level (``dsadmin --help`` stays fast); the sandbox loads inside
each command. State lives in ``--state-dir`` (default ``$DSADMIN_HOME/sandbox``).
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from tools.docusign.sandbox import Sandbox

app = typer.Typer(no_args_is_help=True, help="The embedded DocuSign emulator (Admin API + OAuth).")

_STATE_DIR = typer.Option(
    None, "--state-dir", help="Where the sandbox keeps its state (default $DSADMIN_HOME/sandbox)."
)
_FIXTURE = typer.Option(None, "--fixture", help="Fixture name (acme) or path to a fixture YAML.")


def _state_dir(state_dir: Path | None) -> Path:
    if state_dir is not None:
        return state_dir
    from agent.config import ConfigError, dsadmin_home, load_config

    try:
        configured = load_config().sandbox.state_dir
    except ConfigError:
        configured = None
    return configured.expanduser() if configured else dsadmin_home() / "sandbox"


def _open(state_dir: Path | None, fixture: str | dict[str, Any] | None = None, *, reset: bool = False,
          **kwargs: Any) -> "Sandbox":
    from tools.docusign.sandbox import FixtureError, Sandbox

    try:
        return Sandbox.open(_state_dir(state_dir), fixture or "acme", reset=reset, **kwargs)
    except (FixtureError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:  # --state-dir names a file, or a folder this user cannot write
        typer.echo(f"error: cannot use {exc.filename or state_dir} as the sandbox's state folder "
                   f"({exc.strerror or exc}); fix --state-dir or sandbox.state_dir", err=True)
        raise typer.Exit(1) from None


def _check_fixture(fixture: str) -> None:
    from tools.docusign.sandbox import FixtureError
    from tools.docusign.sandbox._fixture import load_fixture_data

    try:
        load_fixture_data(fixture)
    except FixtureError as exc:
        typer.echo(f"error: --fixture: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8484, "--port", min=0, max=65535, help="Port (0 = any free port)."),
    fixture: str = _FIXTURE,
    state_dir: Path = _STATE_DIR,
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1,
                             help="Seed for injected faults and trace tokens."),
    faults: str = typer.Option(None, "--faults", help='Fault settings as JSON, e.g. {"rate_limit": 50}.'),
) -> None:
    """Serve the Admin API (/Management) and OAuth (/oauth) over HTTP until interrupted."""
    import json

    from tools.docusign.sandbox import _demo
    from tools.docusign.sandbox.serve import bind, serve_forever

    fault_settings = None
    if faults:
        try:
            fault_settings = json.loads(faults)
        except ValueError as exc:
            typer.echo(f"error: --faults is not JSON ({exc})", err=True)
            raise typer.Exit(2) from None
        if not isinstance(fault_settings, dict):
            typer.echo('error: --faults must be a JSON object, e.g. {"rate_limit": 50}', err=True)
            raise typer.Exit(2)
    directory = _state_dir(state_dir)
    fresh = not (directory / "state.db").is_file()
    if fixture and not fresh:
        _check_fixture(fixture)  # not applied to existing state, but a broken one is still named now
    sb = _open(directory, fixture, seed=seed, faults=fault_settings)
    if fixture and not fresh:
        typer.echo(f"note: {directory} already holds a sandbox; --fixture applies on `dsadmin sandbox reset`")
    try:
        sock = bind(host, port)
    except OSError as exc:
        typer.echo(f"error: cannot listen on {host}:{port} ({exc}); pick another --port", err=True)
        raise typer.Exit(1) from None
    base = f"http://{host}:{sock.getsockname()[1]}"
    demo = sb.demo_integration
    from audit.home import dsadmin_home

    typer.echo(f"DocuSign sandbox: {sb.state.organization.name} (organization {sb.organization_id})")
    typer.echo(f"  Admin API base URL: {base}/Management")
    typer.echo(f"  OAuth base URL:     {base}")
    typer.echo(f"  integration key:    {demo.integration_key}")
    typer.echo(f"  impersonated user:  {demo.user_id} (admin@acme.com)")
    typer.echo(f"  private key file:   {_demo.key_path(dsadmin_home())}")
    typer.echo(f"  state:              {directory}")
    typer.echo("Ctrl-C to stop.")
    serve_forever(sb, sock)


@app.command()
def reset(
    fixture: str = _FIXTURE,
    state_dir: Path = _STATE_DIR,
    users: int = typer.Option(None, "--users", min=3, max=1_000_000,
                              help="Instead of a fixture, generate an org of N users."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1, help="Seed for --users."),
) -> None:
    """Throw away the sandbox's state and start again from the fixture (default acme)."""
    source: object = fixture
    if users is not None:
        from tools.docusign.sandbox.generate import generate_org

        if fixture:
            typer.echo("error: give --fixture or --users, not both", err=True)
            raise typer.Exit(2)
        try:
            source = generate_org(users, seed=seed)
        except ValueError as exc:
            typer.echo(f"error: --users: {exc}", err=True)
            raise typer.Exit(2) from None
    sb = _open(state_dir, source, reset=True)
    typer.echo(
        f"sandbox reset from {'a generated org' if users is not None else fixture or 'acme'}: "
        f"{len(sb.state.users)} users, {len(sb.state.accounts)} accounts ({_state_dir(state_dir)})"
    )


@app.command()
def dump(
    as_json: bool = typer.Option(False, "--json", help="JSON instead of YAML."), state_dir: Path = _STATE_DIR
) -> None:
    """Print the sandbox's state in fixture shape (for scripts to diff)."""
    import json

    import yaml

    data = _open(state_dir).dump()
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200), nl=False)


@app.command()
def token(email: str = typer.Option("admin@acme.com", "--email", help="The user the token is for.")) -> None:
    """Print a fresh access token (valid one hour) that the served sandbox accepts."""
    sb = _open(None)
    try:
        typer.echo(sb.issue_token(email))
    except KeyError as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(1) from None


@app.command("idp-token")
def idp_token(
    as_: str = typer.Option(..., "--as", help="The person to sign in as (one of the fixture's people)."),
    issuer: str = typer.Option(
        "http://127.0.0.1:8000/idp", "--issuer", help="The provider's URL: `dsadmin serve`'s base URL + /idp."
    ),
) -> None:
    """Print a bearer token from the sandbox's identity provider, for scripts calling the HTTP API."""
    from audit.home import dsadmin_home
    from tools.docusign.sandbox._oidc import IdentityProvider, OIDCError, sandbox_people

    idp = IdentityProvider(dsadmin_home(), sandbox_people(_open(None)))
    try:
        typer.echo(idp.tokens_for(issuer.rstrip("/"), as_)["access_token"])
    except OIDCError as exc:
        typer.echo(f"error: {exc.description}", err=True)
        raise typer.Exit(1) from None
