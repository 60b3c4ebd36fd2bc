"""``dsadmin config check`` and ``dsadmin consent-url``: prove the DocuSign set-up works, step by step.

Why a check command: a JWT-grant set-up fails in a handful of well-known ways (a key that is not
the integration's, consent never granted, demo keys against production, a plan without the Admin
API) and each has a precise fix. The check walks the same path the agent takes (sign, exchange,
list organizations) and stops at the first broken step with that fix, never printing a secret.
"""

from collections.abc import Callable
from typing import Any

import typer

PLAN_HINT = (
    "your plan does not include the Admin API, or the impersonated user is not an administrator of a "
    "DocuSign organization; ask DocuSign to enable organization management, or impersonate an org admin"
)


def run_check(config: Any, *, transport: Any = None, out: Callable[[str], None] = typer.echo,
              model_ok: bool = True) -> bool:
    """Walk sign -> exchange -> list organizations for ``config``; report each step; True if all pass."""
    from agent.config import ConfigError
    from tools.docusign import AdminClient, JWTAuth, RetryPolicy, errors

    # A check should answer within seconds, not wait out a long outage.
    patience = RetryPolicy(max_attempts=2, max_total=10, max_rate_limit_wait=10)

    out(f"configuration: {config.source}")
    from agent.channels.identity import identity_notes

    for note in identity_notes(config):
        out(note)

    from agent.config_checks import run_local_checks

    local_ok = run_local_checks(config, out)  # store, policy, model, sandbox: what other commands open
    try:
        target = _target(config, transport)
    except ConfigError as exc:
        out(f"✗ {exc}")
        return False
    out(f"  {target['label']}")
    out(f"  OAuth host {target['oauth_url']}, Admin API {target['admin_url']}")

    try:
        auth = JWTAuth(
            target["oauth_url"],
            target["integration_key"],
            target["user_id"],
            target["pem"],
            transport=target["transport"],
            retry=patience,
            **target["redirect"],
        )
        auth.assertion()
    except errors.AuthError as exc:
        out(f"✗ private key: {exc.message}")
        return False
    except ValueError as exc:
        out(f"✗ docusign settings: {exc}")
        return False
    out(f"✓ JWT assertion signed (RS256, aud {auth.audience}, {len(auth.scopes)} scopes)")

    try:
        auth.access_token()
    except errors.ConsentRequired as exc:
        out("✗ consent_required: the integration has not been granted consent for this user.")
        out("  Open this URL once, signed in as that user (or an org admin), then re-run the check:")
        out(f"  {exc.consent_url}")
        return False
    except errors.OAuthError as exc:
        out(f"✗ token exchange refused: {exc.error}: {exc.message}")
        out(f"  {_oauth_fix(exc.error, target)}")
        return False
    except errors.DocuSignError as exc:
        out(f"✗ token exchange failed: {exc}")
        return False
    out("✓ access token obtained by the JWT grant")

    client = AdminClient(target["admin_url"], auth, transport=target["transport"], retry=patience)
    try:
        organizations = client.organizations()
    except errors.Forbidden as exc:
        out(f"✗ GET /v2/organizations was refused (403: {exc.message})")
        out(f"  {PLAN_HINT}")
        return False
    except errors.DocuSignError as exc:
        out(f"✗ GET /v2/organizations failed: {exc}")
        return False
    finally:
        client.close()
        auth.close()
    if not organizations:
        out("✗ GET /v2/organizations returned no organization")
        out(f"  {PLAN_HINT}")
        return False
    for org in organizations:
        names = ", ".join(a.name or a.id or "?" for a in org.accounts or [])
        out(f"✓ organization {org.name!r} ({org.id}): accounts {names or '(none linked)'}")
    ok = _check_ids(config, organizations, out) and local_ok and model_ok
    out("✓ configuration works" if ok else "✗ the configuration does not work yet: fix the ✗ lines above")
    return ok


def _target(config: Any, transport: Any) -> dict[str, Any]:
    """Where and as whom to check: the configured DocuSign org, or the embedded sandbox's demo integration."""
    if config.docusign is not None:
        ds = config.docusign
        return {
            "label": f"DocuSign {ds.environment}: integration key {ds.integration_key}, user {ds.user_id}",
            "oauth_url": ds.oauth_url,
            "admin_url": ds.admin_url,
            "integration_key": ds.integration_key,
            "user_id": ds.user_id,
            "pem": ds.private_key_pem(),
            "transport": transport,
            "redirect": {"redirect_uri": ds.redirect_uri} if ds.redirect_uri else {},
        }
    from audit.home import dsadmin_home
    from tools.docusign.sandbox import SANDBOX_ADMIN_URL, SANDBOX_OAUTH_URL, Sandbox

    state_dir = config.sandbox.state_dir or (dsadmin_home() / "sandbox")
    sandbox = Sandbox.open(state_dir, fixture=config.sandbox.fixture)
    integration_key, user_id, pem, _account_id = sandbox.demo_integration
    return {
        "label": f"no docusign section: the embedded sandbox "
        f"(fixture {config.sandbox.fixture!r}, {state_dir})",
        "oauth_url": SANDBOX_OAUTH_URL,
        "admin_url": SANDBOX_ADMIN_URL,
        "integration_key": integration_key,
        "user_id": user_id,
        "pem": pem,
        "transport": transport or sandbox.transport(),
        "redirect": {},
    }


def _oauth_fix(error: str, target: dict[str, Any]) -> str:
    if error == "invalid_grant":
        return (
            "check that docusign.user_id is the GUID of the impersonated user, that the private key is "
            "the one registered for the integration key, and that this machine's clock is right"
        )
    if error == "invalid_client":
        return (
            f"integration key {target['integration_key']} is unknown at {target['oauth_url']}; "
            "demo keys work only with environment: demo, production keys only with production"
        )
    if error == "invalid_scope":
        return "enable the Admin API scopes for the integration in DocuSign's Apps and Keys page"
    return "see DocuSign's error above; the integration's settings are on the Apps and Keys page"


def _check_ids(config: Any, organizations: list, out: Callable[[str], None]) -> bool:
    ds = config.docusign
    if ds is None:
        return True
    ok = True
    chosen = organizations[0] if len(organizations) == 1 else None
    if ds.organization_id:
        chosen = next((o for o in organizations if (o.id or "").lower() == ds.organization_id.lower()), None)
        if chosen is None:
            out(
                f"✗ docusign.organization_id {ds.organization_id} is not among the organizations above; "
                "fix it"
            )
            ok = False
    elif chosen is None:
        out("✗ several organizations: set docusign.organization_id to the one dsadmin should administer")
        ok = False
    if chosen is not None and ds.account_id:
        accounts = {(a.id or "").lower() for a in chosen.accounts or []}
        if ds.account_id.lower() not in accounts:
            out(f"✗ docusign.account_id {ds.account_id} is not an account of {chosen.name!r}; fix it")
            ok = False
    return ok


def register(app: typer.Typer) -> None:
    """Add ``config check`` and ``consent-url`` to the root ``dsadmin`` app."""
    config_app = typer.Typer(
        help="Check the configuration against DocuSign (or the sandbox).", no_args_is_help=True
    )

    @config_app.command("check")
    def check() -> None:
        """Sign the JWT, exchange it, list organizations; explain the first step that fails."""
        from agent.config import ConfigError, load_config

        try:
            config = load_config()
        except ConfigError as exc:
            typer.echo(f"✗ {exc}", err=True)
            raise typer.Exit(1) from None
        from agent.model_check import run_model_check

        model_ok = run_model_check(config)  # first, so the last line is the whole verdict
        if not run_check(config, model_ok=model_ok):
            raise typer.Exit(1)

    app.add_typer(config_app, name="config")

    @app.command("consent-url")
    def consent_url_command(
        redirect_uri: str = typer.Option(
            None, help="A redirect URI registered for the integration (default: DocuSign's consent page)."
        ),
    ) -> None:
        """Print the URL an administrator opens once to grant the integration consent."""
        from agent.config import ConfigError, load_config
        from tools.docusign.auth import DEFAULT_REDIRECT_URI, consent_url

        try:
            config = load_config()
        except ConfigError as exc:
            typer.echo(f"✗ {exc}", err=True)
            raise typer.Exit(1) from None
        if config.docusign is None:
            typer.echo(
                "no docusign section in the configuration: the embedded sandbox needs no consent "
                "(its demo integration is pre-approved). Add a docusign section to get a real consent URL.",
                err=True,
            )
            raise typer.Exit(1)
        ds = config.docusign
        url = consent_url(ds.oauth_url, ds.integration_key,
                          redirect_uri=redirect_uri or ds.redirect_uri or DEFAULT_REDIRECT_URI)
        typer.echo(url)
