"""``dsadmin catalogue``: the actions a model may propose, their operations and fields.

Why a command: an administrator writing a policy, or a developer reading a receipt, needs the
exact action and operation names the policy file and the gate accept; this prints them from the
catalogue itself (``--markdown`` is the README's section, ``--json`` for scripts), so what is
shown can never drift from what runs. Only typer at import time (``dsadmin --help`` stays fast).
"""

from __future__ import annotations

import json

import typer


def register(app: typer.Typer) -> None:
    app.command("catalogue")(catalogue_command)


def catalogue_command(
    markdown: bool = typer.Option(False, "--markdown", help="The README's table of actions (Markdown)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List the actions, their operations (read or write) and each operation's fields."""
    from policies import catalogue

    if markdown and as_json:
        typer.echo("choose one of --markdown and --json", err=True)
        raise typer.Exit(2)
    if markdown:
        typer.echo(catalogue.markdown(), nl=False)
        return
    if as_json:
        typer.echo(json.dumps(catalogue.as_data(), indent=2))
        return
    for act in catalogue.ACTIONS:
        typer.echo(f"{act.name} ({'write' if act.write else 'read'})")
        for op in act.operations:
            typer.echo(f"  {op.name}: {op.plain}; {catalogue.fields_text(act, op)}")
