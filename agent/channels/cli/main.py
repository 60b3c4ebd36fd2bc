"""The ``dsadmin`` command line: one root that mounts every command group of this package.

Each mounted module imports only typer at import time and loads the layers below inside the command,
so ``dsadmin --help`` starts fast. Exit codes: 0 when a request was handled whatever its outcome,
1 on failure, 2 on usage errors.
"""

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from agent.channels.cli import ask as ask_cli
from agent.channels.cli import audit as audit_cli
from agent.channels.cli import bulk as bulk_cli
from agent.channels.cli import config as config_cli
from agent.channels.cli import eval as evals_cli
from agent.channels.cli import mcp as mcp_cli
from agent.channels.cli import policy as policies_cli
from agent.channels.cli import report as report_cli
from agent.channels.cli import sandbox as sandbox_cli
from agent.channels.cli import serve as channels_cli
from agent.channels.cli import slack as slack_cli

app = typer.Typer(
    name="dsadmin",
    help="Administer a DocuSign organization in plain language, behind a policy gate and an audit log.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: typer's rich help renderer alone costs another typer import
)


@app.callback()
def _root(
    config: Path | None = typer.Option(
        None, "--config",
        help="Configuration file (else $DSADMIN_CONFIG, ./dsadmin.yaml, the embedded default).",
    ),
) -> None:
    if config is not None:
        os.environ["DSADMIN_CONFIG"] = str(config)


ask_cli.register(app)
config_cli.register(app)
channels_cli.register(app)
evals_cli.register(app)
mcp_cli.register(app)
slack_cli.register(app)
app.add_typer(sandbox_cli.app, name="sandbox", help="The embedded DocuSign emulator.")
app.add_typer(audit_cli.app, name="audit", help="Read, verify and export the audit log.")
app.add_typer(policies_cli.app, name="policy", help="Validate a policy and show who may do what.")
bulk_cli.register(app)  # dsadmin bulk add|update|close
report_cli.register(app)  # dsadmin report changes|access


class _AbsentFirst:
    """A root option's coercion that answers an absent value (None) itself, as typer would, and
    builds typer's coercer only for a value that was given.

    Why: typer coerces every parameter through a pydantic TypeAdapter built on first use, even an
    absent one; the root's ``--config`` and ``--help`` are processed before any subcommand, so
    ``dsadmin ask --help`` would import pydantic (about as long as importing typer) to print help.
    """

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build

    def __call__(self) -> "_AbsentFirst":
        return self

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None and not (param.multiple or param.nargs == -1):
            return None
        return self._build().coerce(value, param=param, ctx=ctx)


def main() -> None:
    """The console script (``dsadmin``); ``python -m agent.channels.cli`` runs the same."""
    command = typer.main.get_command(app)
    for param in [*command.params, command.get_help_option(typer.Context(command))]:
        if param is not None and hasattr(param, "get_runtime_param"):  # typer's own parameters
            param.get_runtime_param = _AbsentFirst(param.get_runtime_param)  # type: ignore[method-assign]
    command()
