"""The sandbox's movable clock.

Why movable: DocuSign rules are about elapsed time (a purge waits 24 h after closing, tokens
expire), and tests and evals must reach "tomorrow" without waiting. The offset is shared by
every request the sandbox serves; assertions signed by clients are still checked against the
wall clock (``wall()``), because that is the clock the client signed them with.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class Clock:
    """Wall time plus an offset, or a frozen start plus an offset when ``start`` is given."""

    def __init__(self, start: datetime | None = None, *, offset_seconds: float = 0.0) -> None:
        self._start = start
        self._offset = offset_seconds
        self._lock = threading.Lock()
        self.on_advance: Callable[[], None] | None = None  # a file-backed sandbox persists the move

    @property
    def offset_seconds(self) -> float:
        return self._offset

    def wall(self) -> float:
        """Epoch seconds of the real world (what a client signs its JWT assertions with)."""
        return time.time()

    def timestamp(self) -> float:
        base = self._start.timestamp() if self._start is not None else time.time()
        return base + self._offset

    def catch_up(self, offset_seconds: float) -> None:
        """Adopt a saved offset if it is ahead (another process moved the clock); no notification."""
        with self._lock:
            self._offset = max(self._offset, offset_seconds)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), tz=UTC)

    def advance(
        self, *, hours: float = 0, minutes: float = 0, seconds: float = 0, days: float = 0
    ) -> datetime:
        delta = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds).total_seconds()
        if delta < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += delta
        if self.on_advance is not None:
            self.on_advance()
        return self.now()


def iso(moment: datetime) -> str:
    """DocuSign's timestamp form: UTC, milliseconds, a trailing Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 timestamp or date; naive values are taken as UTC. Raises ValueError."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
