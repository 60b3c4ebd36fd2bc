"""What approvals and confirmations share: a UTC clock, and the stored call they are bound to.

Both books store ``ResolvedCall.canonical_json()`` and its hash. The gate gets the call back as a
``ToolCall`` to re-submit through the same checks, and compares the fresh fingerprint with
``call_hash``: a call that resolves differently now is not the call that was approved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from policies.call import ToolCall

Clock = Callable[[], datetime]


class RefusedError(ValueError):
    """A refused transition; ``code`` is stable for callers, the message is for people."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def stored_json(call: Any, preview: list[dict[str, Any]] | None) -> str:
    """The call as stored with its record: its canonical JSON, plus the preview shown with it.

    The preview rides along for whoever reads the record (an approver); the record's hash is the
    call's fingerprint alone, so a preview never changes what consent is bound to.
    """
    if not preview:
        return call.canonical_json()
    return json.dumps({**json.loads(call.canonical_json()), "preview": preview}, sort_keys=True,
                      separators=(",", ":"), default=str)


def system_clock() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back naive; every timestamp this package writes is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def now_from(clock: Clock) -> datetime:
    now = clock()
    if now.tzinfo is None:
        raise ValueError("the clock must return timezone-aware datetimes")
    return now.astimezone(UTC)


class StoredCall:
    """Mixin for record views holding ``call_json``: the call as data and as a re-submittable proposal."""

    __slots__ = ()
    call_json: str

    @property
    def call(self) -> dict[str, Any]:
        return json.loads(self.call_json)

    @property
    def preview(self) -> list[dict[str, Any]]:
        """What the call would change as it was shown when asked ([{account, field, before, after}])."""
        rows = self.call.get("preview")
        return rows if isinstance(rows, list) else []

    def tool_call(self, call_id: str) -> ToolCall:
        body = self.call
        return ToolCall(id=call_id, action=body["action"], args=dict(body.get("args") or {}))
