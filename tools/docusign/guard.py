"""The write permit: DocuSign changes run only inside ``with permit(reason):``.

Why a ContextVar and not a flag: the gate opens a permit for exactly the call it decided on; any
other code path (a model-built shortcut, a helper that forgot the gate) that reaches a write
method finds no permit in its context and is refused before a byte leaves the process. Only
``tools/gate/`` (the package) opens permits in product code; tests open them explicitly to exercise writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("dsadmin_write_permit", default=None)


class GateBypassError(RuntimeError):
    """A DocuSign write was attempted outside the gate's permit."""


@contextmanager
def permit(reason: str) -> Iterator[None]:
    """Allow DocuSign writes in this context for ``reason`` (e.g. the gate's call fingerprint)."""
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("permit(reason): give a non-empty reason saying which decision allows the write")
    token = _current.set(reason)
    try:
        yield
    finally:
        _current.reset(token)


def current_permit() -> str | None:
    """The reason of the permit in force, or None."""
    return _current.get()


def require_permit(operation: str) -> str:
    """Refuse ``operation`` unless a permit is in force; returns the permit's reason."""
    reason = _current.get()
    if reason is None:
        raise GateBypassError(
            f"{operation} is a DocuSign write and may only run through tools.gate (no permit in force)"
        )
    return reason
