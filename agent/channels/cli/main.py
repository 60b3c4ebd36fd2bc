"""The ``dsadmin`` command line: one root that mounts every command group of this package.

Each mounted module imports only typer at import time and loads the layers below inside the command,
so ``dsadmin --help`` starts fast. Exit codes: 0 when a request was handled whatever its outcome,
1 on failure, 2 on usage errors.
"""

import os
from pathlib import Path

import typer

from agent.channels.cli import ask as ask_cli
from agent.channels.cli import audit as audit_cli
from agent.channels.cli import bulk as bulk_cli
from agent.channels.cli import catalogue as catalogue_cli
from agent.channels.cli import config as config_cli
from agent.channels.cli import eval as evals_cli
from agent.channels.cli import mcp as mcp_cli
from agent.channels.cli import policy as policies_cli
from agent.channels.cli import report as report_cli
from agent.channels.cli import sandbox as sandbox_cli
from agent.channels.cli import serve as channels_cli
from agent.channels.cli import slack as slack_cli
from agent.channels.cli import start
from agent.channels.cli import store as store_cli

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
store_cli.register(app)  # dsadmin store status|upgrade
catalogue_cli.register(app)  # dsadmin catalogue


def main() -> None:
    """The console script (``dsadmin``); ``python -m agent.channels.cli`` runs the same."""
    from agent.channels.cli import failures

    failures.run(lambda: start.command(app)())  # building the command is interruptible too
