"""Pydantic's validation errors, reworded as one line per bad field for the person who must fix it.

Why one place: the configuration, eval scenarios and the model's proposals are each validated by
pydantic, and each must answer "where: what to do", never pydantic's own report. They differ only
in what an unknown key is told and in a few rewordings of their own (``reword``). The policy file
keeps its own reader (policies.engine), which also merges the complaints of a union's members.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError
from pydantic_core import ErrorDetails

# (the error, its dotted path) -> a better message, or None to keep pydantic's
Reword = Callable[[ErrorDetails, str], str | None]


def field_problems(
    error: ValidationError, *, unknown: str, top: str = "(top level)", reword: Reword | None = None
) -> list[str]:
    """``where: message`` per error; ``unknown`` is said of a key the model forbids, ``top`` names
    the whole input when the error has no path."""
    lines = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or top
        msg = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            msg = unknown
        elif reword is not None:
            msg = reword(item, where) or msg
        lines.append(f"{where}: {msg}")
    return lines
