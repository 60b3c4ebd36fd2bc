"""``dsadmin store status|upgrade``: where the configured store's schema stands, and upgrading it.

Why a command and not an upgrade on every start: a store shared by several instances is upgraded
once, when an operator chose (after a backup); every other command refuses a store that is not at
this dsadmin's revision and names this one (``audit.migrate`` explains the policy). Exit codes:
0 done (status: whatever the state), 1 the store cannot be read or upgraded, 2 configuration errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

store_app = typer.Typer(help="The store's schema: its revision, and upgrading it.", no_args_is_help=True)

_STATES = {
    "empty": "empty (its tables are created on first use)",
    "current": "up to date",
    "behind": "needs `dsadmin store upgrade`",
    "pre-migration": "made before migrations; `dsadmin store upgrade` adopts it (no data changes)",
    "newer": "made by a newer dsadmin; upgrade dsadmin",
}


def register(app: typer.Typer) -> None:
    app.add_typer(store_app, name="store")


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _store_url() -> str:
    from agent.config import ConfigError, load_config

    try:
        return load_config().store.effective_url()
    except ConfigError as exc:
        raise _fail(str(exc), 2) from None


def _absent_sqlite(url: str) -> Path | None:
    """The SQLite file ``url`` names when it does not exist yet (status must not create it)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" and not Path(path).exists() else None


@store_app.command("status")
def status_command(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """The store's current revision, this dsadmin's head revision, and what to do about a difference."""
    from audit.db import _safe, make_engine
    from audit.migrate import SchemaState, status

    url = _store_url()
    if _absent_sqlite(url) is not None:
        state = SchemaState(None, None, frozenset(), True)
    else:
        engine = make_engine(url)
        try:
            state = status(engine)
        except Exception as exc:  # driver errors vary by backend; the person needs the URL and cause
            raise _fail(f"cannot read the store at {_safe(url)}: {_first_line(exc)}") from None
        finally:
            engine.dispose()
    _show({"store": _safe(url), **state.as_dict()}, as_json)


@store_app.command("upgrade")
def upgrade_command(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Bring the store to this dsadmin's revision (adopting a store made before migrations).

    Runs in one transaction under the store's schema lock; on any failure nothing is changed."""
    from audit.db import StoreError, _safe, make_engine
    from audit.migrate import upgrade

    url = _store_url()
    engine = make_engine(url)
    try:
        done = upgrade(engine)
    except StoreError as exc:
        raise _fail(str(exc)) from None
    except Exception as exc:  # driver errors vary by backend; the person needs the URL and cause
        raise _fail(f"cannot upgrade the store at {_safe(url)}: {_first_line(exc)}; nothing was changed") \
            from None
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps({"store": _safe(url), "from": done.before.revision, "to": done.after.revision,
                               "adopted": done.adopted, "applied": [r for r, _ in done.applied]}))
        return
    if done.adopted:
        typer.echo(f"adopted the store made before migrations (schema version "
                   f"{done.before.legacy_version or '?'}): verified and stamped at the baseline")
    for revision, doc in done.applied:
        typer.echo(f"applied {revision}: {doc}")
    if not done.applied and not done.adopted:
        typer.echo(f"{_safe(url)} is already at revision {done.after.revision}; nothing to do")
    else:
        typer.echo(f"{_safe(url)} is now at revision {done.after.revision} (head)")


def _show(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data))
        return
    typer.echo(f"store:    {data['store']}")
    typer.echo(f"revision: {data['revision'] or '-'}")
    typer.echo(f"head:     {data['head']}")
    typer.echo(f"state:    {_STATES[data['state']]}")


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]
