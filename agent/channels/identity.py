"""Who runs a CLI command: a signed-in person, never a claim typed on the command line (except
against the sandbox, where ``--as`` is how one plays the fixture's people).

In order: ``--as`` (sandbox only; refused otherwise with how to sign in), the token cached by
``dsadmin login`` (OIDC device sign-in, file mode 0600), the operating-system account mapped in
``people.os_users`` (as strong as the machine's own login), and on the sandbox the configured
``people.default_actor``.
"""

from __future__ import annotations

import getpass
import json
import os
import time
from pathlib import Path
from typing import Any

from agent.config import dsadmin_home

SIGN_IN_HELP = (
    "sign in with `dsadmin login` (your organization's identity provider), or have an admin map "
    "your operating-system account in people.os_users"
)


class IdentityError(ValueError):
    """No identity may be used; the message says how to get one."""


def login_cache() -> Path:
    return dsadmin_home() / "login.json"


def save_login(issuer: str, email: str, expires_in: int) -> Path:
    path = login_cache()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"issuer": issuer, "email": email, "expires_at": time.time() + expires_in})
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(data)
    path.chmod(0o600)
    return path


def signed_in_email() -> str | None:
    path = login_cache()
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if path.stat().st_mode & 0o077 or float(data.get("expires_at", 0)) <= time.time():
        return None  # readable by others, or expired: not trusted
    return str(data.get("email") or "") or None


def cli_email(config: Any, as_: str | None) -> str | None:
    """The email this command runs as (None: fall back to the runtime's default actor)."""
    if as_ is not None:
        if not config.uses_sandbox:
            raise IdentityError(f"--as is accepted only against the sandbox; {SIGN_IN_HELP}")
        return as_
    email = signed_in_email()
    if email:
        return email
    mapped = config.people.os_users.get(getpass.getuser())
    if mapped:
        return mapped
    if config.uses_sandbox:
        return None
    raise IdentityError(f"you are not signed in; {SIGN_IN_HELP}")


def identity_notes(config: Any) -> list[str]:
    """What `dsadmin config check` says about how people are identified."""
    oidc = config.auth.oidc
    if oidc is not None:
        notes = [
            f"  identity: OpenID Connect provider {oidc.issuer} (`dsadmin login`, `dsadmin serve` sign-in)"
        ]
    elif config.uses_sandbox:
        notes = ["  identity: the sandbox's own identity provider; --as is accepted (sandbox only)"]
    else:
        notes = ["  identity: no identity provider (auth.oidc): `dsadmin serve` cannot sign anyone in"]
    if config.people.os_users:
        notes.append(
            f"  identity: people.os_users maps {len(config.people.os_users)} operating-system account(s) to "
            "people; that is as strong as this machine's own login, no stronger"
        )
    return notes
