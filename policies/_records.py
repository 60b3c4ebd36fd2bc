"""What approvals and confirmations share: a UTC clock, and the stored call they are bound to.

Both books store ``ResolvedCall.canonical_json()`` and its hash. The gate gets the call back as a
``ToolCall`` to re-submit through the same checks, and compares the fresh fingerprint with
``call_hash``: a call that resolves differently now is not the call that was approved.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, overload

from policies.call import BoundCall, ToolCall

Clock = Callable[[], datetime]


class AuditSink(Protocol):
    """What the books need of the audit log (``audit.log.AuditLog`` is one): append an event.

    A protocol rather than the class: the books only ever append, and tests may hand them any log.
    """

    def append(self, kind: str, *, session_id: str | None = None, actor: str | None = None,
               action: str | None = None, target: str | None = None,
               payload: Mapping[str, Any] | None = None) -> int | None: ...


class RefusedError(ValueError):
    """A refused transition; ``code`` is stable for callers, the message is for people."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def stored_json(call: BoundCall, preview: list[dict[str, Any]] | None) -> str:
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


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
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


@dataclass(frozen=True, slots=True)
class StoredCall:
    """What every consent record holds, an approval's or a confirmation's: the call it is bound to
    (as data and as a re-submittable proposal), its hash, what the person was told, and its lifetime.
    The views add their own fields; keeping these here means both books read a call back the same way."""

    session_id: str | None
    call_json: str
    call_hash: str
    summary: str
    created_at: datetime
    expires_at: datetime

    @property
    def call(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.call_json)  # stored_json wrote an object
        return body

    @property
    def preview(self) -> list[dict[str, Any]]:
        """What the call would change as it was shown when asked ([{account, field, before, after}])."""
        rows = self.call.get("preview")
        return rows if isinstance(rows, list) else []

    def tool_call(self, call_id: str) -> ToolCall:
        body = self.call
        return ToolCall(id=call_id, action=body["action"], args=dict(body.get("args") or {}))
