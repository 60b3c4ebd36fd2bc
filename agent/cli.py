"""The ``dsadmin`` command line: one root that mounts each layer's own commands.

Each mounted module imports only typer at import time and loads its layer inside the command,
so ``dsadmin --help`` starts fast. Exit codes: 0 when a request was handled whatever its outcome,
1 on failure, 2 on usage errors.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

import agent.bulk_cli as bulk_cli
import agent.report_cli as report_cli
import agent.store_cli as store_cli
from agent import catalogue_cli, commands, config_cli
from agent.channels import cli as channels_cli
from agent.channels.mcp import cli as mcp_cli
from agent.channels.slack import cli as slack_cli
from audit import cli as audit_cli
from evals import cli as evals_cli
from policies import cli as policies_cli
from tools.docusign.sandbox import cli as sandbox_cli

app = typer.Typer(
    name="dsadmin",
    help="Administer a DocuSign organization in plain language, behind a policy gate and an audit log.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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


commands.register(app)
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
    app()
