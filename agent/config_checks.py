"""What ``dsadmin config check`` verifies besides DocuSign: everything the other commands open.

Why: a check that only walks the JWT grant said "configuration works" for a store URL nobody can
open, a policy path that does not exist, ``scripted`` without a script or ``anthropic`` without a
key; the next command then failed. Each check here opens (or reads) the same thing the runtime
will, without changing anything, and returns one line per section: ok, and what it found or what
to fix. The checks are a table so a new section adds a row, not a branch.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

Check = Callable[[Any], str]  # returns what was found; raises CheckFailed with the fix


class CheckFailed(Exception):
    """The section cannot work as configured; the message names the setting and the fix."""


def _store(config: Any) -> str:
    from sqlalchemy.engine import make_url

    from audit.db import _safe, make_engine

    url = config.store.effective_url()
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy's ArgumentError and friends: the URL itself is wrong
        raise CheckFailed(f"store.url {_safe(url)!r} is not a database URL ({exc}); e.g. "
                          "sqlite:////var/lib/dsadmin/dsadmin.db or postgresql://user@host/db") from None
    if parsed.get_backend_name() == "sqlite":
        found = _sqlite_place(parsed.database, _safe(url))
        made = parsed.database not in (None, "", ":memory:") and Path(parsed.database).expanduser().is_file()
        return found + _schema(url) if made else found
    try:
        engine = make_engine(url)
    except Exception as exc:
        raise CheckFailed(f"store.url {_safe(url)}: {exc}") from None
    try:
        with engine.connect():
            pass
    except Exception as exc:  # driver errors vary; the person needs the URL and the cause
        cause = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckFailed(f"store.url {_safe(url)}: cannot connect ({cause}); is the database running "
                          "and the URL right?") from None
    finally:
        engine.dispose()
    return f"store {_safe(url)} reachable" + _schema(url)


def _schema(url: str) -> str:
    """Where the store's schema stands; a store other commands would refuse fails the check."""
    from audit.db import _safe, make_engine
    from audit.migrate import status

    engine = make_engine(url)
    try:
        state = status(engine)
    except Exception as exc:  # driver errors vary; the person needs the URL and the cause
        raise CheckFailed(f"store.url {_safe(url)}: cannot read its schema ({exc})") from None
    finally:
        engine.dispose()
    if state.advice():
        raise CheckFailed(state.advice(f"store {_safe(url)}"))
    if state.revision is None:
        return ", empty (set up on first use)"
    return f", schema at revision {state.revision} (head)"


def _sqlite_place(database: str | None, shown: str) -> str:
    """An SQLite file: it exists as a file, or its folder can be created and written (not done here)."""
    if not database or database == ":memory:":
        return "store: in-memory SQLite (nothing is kept between commands)"
    path = Path(database).expanduser()
    if path.exists():
        if not path.is_file():
            raise CheckFailed(f"store.url {shown}: {path} is not a file")
        if not os.access(path, os.R_OK | os.W_OK):
            raise CheckFailed(f"store.url {shown}: {path} is not readable and writable by this user")
        return f"store {shown}"
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise CheckFailed(f"store.url {shown}: cannot create {path} ({parent} is not a writable folder)")
    return f"store {shown} (created on first use)"


def _policy(config: Any) -> str:
    from policies import PolicyError, load_policy

    try:
        policy = load_policy(config.policy.path)
    except PolicyError as exc:
        raise CheckFailed(str(exc)) from None
    return f"policy {getattr(policy, 'source', None) or config.policy.path or 'packaged default'} loads"


def _model(config: Any) -> str:
    provider = config.model.effective_provider()
    if provider == "scripted":
        from agent.backends import BackendError, make_backend

        try:
            make_backend(config, "scripted")
        except BackendError as exc:
            raise CheckFailed(f"model.provider scripted: {exc}") from None
        return f"model: scripted turns from {config.model.script}"
    if provider == "anthropic" and not os.environ.get("ANTHROPIC_API_KEY", "").strip():
        raise CheckFailed("model.provider anthropic: ANTHROPIC_API_KEY is not set; export it, or set "
                          "model.provider: offline")
    return f"model: {provider}" + (f" ({config.model.name})" if provider == "anthropic" else "")


def _sandbox(config: Any) -> str:
    if config.docusign is not None:
        return "sandbox: not used (a docusign section is configured)"
    from tools.docusign.sandbox import FixtureError
    from tools.docusign.sandbox._fixture import load_fixture_data

    try:
        load_fixture_data(config.sandbox.fixture)
    except FixtureError as exc:
        raise CheckFailed(f"sandbox.fixture: {exc}") from None
    return f"sandbox fixture {config.sandbox.fixture!r}"


CHECKS: tuple[tuple[str, Check], ...] = (
    ("store", _store),
    ("policy", _policy),
    ("model", _model),
    ("sandbox", _sandbox),
)


def run_local_checks(config: Any, out: Callable[[str], None]) -> bool:
    """Run every check; print ✓/✗ per section; True when all pass."""
    ok = True
    for section, check in CHECKS:
        try:
            found = check(config)
        except CheckFailed as exc:
            out(f"✗ {exc}")
            ok = False
        except Exception as exc:  # a check must report, never crash the command
            out(f"✗ {section}: could not be checked ({type(exc).__name__}: {exc})")
            ok = False
        else:
            out(f"✓ {found}")
    return ok
