"""Starting ``dsadmin``: the click command behind the typer app, with the root's options made cheap.

Why: typer coerces every parameter through a pydantic TypeAdapter built on first use, even an
absent one; the root's ``--config`` and ``--help`` are processed before any subcommand, so
``dsadmin ask --help`` would import pydantic (about as long as importing typer) to print help.
"""

from collections.abc import Callable
from typing import Any

import typer
import typer.main


class _AbsentFirst:
    """A parameter's coercion that answers an absent value (None) itself, as typer would, and
    builds typer's coercer only for a value that was given."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build

    def __call__(self) -> "_AbsentFirst":
        return self

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None and not (param.multiple or param.nargs == -1):
            return None
        return self._build().coerce(value, param=param, ctx=ctx)


def command(app: typer.Typer) -> Any:
    """The app's click command; its root options skip typer's coercer when they were not given."""
    root = typer.main.get_command(app)
    for param in [*root.params, root.get_help_option(typer.Context(root))]:
        if param is not None and hasattr(param, "get_runtime_param"):  # typer's own parameters
            param.get_runtime_param = _AbsentFirst(param.get_runtime_param)
    return root
