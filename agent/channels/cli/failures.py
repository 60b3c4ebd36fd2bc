"""What the command line says when a command stops on something outside its control.

Why once, at the root: a SQLite store locked by another process, or a database that went away,
can surface in any command at any step (opening a session, appending an audit event, reading
approvals); a handler per command would miss the next command added. The root turns those into one
line naming the store and what to do, exit 1. Any other exception is a defect of dsadmin: the
person gets one line saying so and how to get the details (``DSADMIN_DEBUG=1`` keeps the
traceback), never a wall of frames that can carry request data.
"""

import os
import sys
from collections.abc import Callable
from typing import Any

DEBUG_ENV = "DSADMIN_DEBUG"
_AFTER = " The command stopped there; `dsadmin audit tail` shows what it recorded."


def run(command: Callable[[], Any]) -> None:
    """Run the root command; an exception that escaped it becomes one line on stderr and exit 1."""
    try:
        command()
    except KeyboardInterrupt:  # typer answers one inside a command (exit 130); this is one around it
        print("error: interrupted.", _AFTER.strip(), file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as exc:  # SystemExit (typer's own exits, usage errors) passes through
        if os.environ.get(DEBUG_ENV):
            raise
        print(f"error: {explain(exc)}", file=sys.stderr)
        raise SystemExit(1) from None


def explain(exc: BaseException) -> str:
    """The sentence for ``exc``: the store's failures by cause, anything else as a defect."""
    from sqlalchemy.exc import DBAPIError

    from audit.db import SQLITE_BUSY_TIMEOUT_S, StoreError, cause

    if isinstance(exc, StoreError):
        return str(exc)
    if isinstance(exc, DBAPIError):
        why = cause(exc)
        if "locked" in why or "busy" in why:
            return (f"the store is locked by another process (waited {SQLITE_BUSY_TIMEOUT_S:g} s): another "
                    "dsadmin command or a program with the SQLite file open holds a write; try again when "
                    f"it has finished.{_AFTER}")
        return (f"the store failed ({why}); check it is reachable with `dsadmin config check`, then try "
                f"again.{_AFTER}")
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return (f"dsadmin failed unexpectedly ({type(exc).__name__}{': ' + detail[:200] if detail else ''}). "
            f"This is a defect; rerun with {DEBUG_ENV}=1 for the details to report.{_AFTER}")
