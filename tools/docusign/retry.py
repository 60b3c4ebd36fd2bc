"""How long to wait before trying DocuSign again, and when to stop.

Why its own module: the arithmetic (exponential backoff with jitter, honouring ``Retry-After`` and
``X-RateLimit-Reset``, a budget in attempts and in seconds) is policy, worth testing without any
HTTP, and the clock and sleep are injectable so tests never actually wait.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A read changes nothing, so a 500 (often a passing fault behind DocuSign's gateway) is worth retrying
# too; a write that met a 500 may have been applied and is never resent blindly (see _sender).
READ_RETRY_STATUSES = RETRY_STATUSES | {500}

# X-RateLimit-Reset is documented as epoch seconds; a smaller number can only be a delta.
_EPOCH_FLOOR = 1_000_000_000
# ...and whole seconds: the window may really end up to a second after the second it names.
_RESET_RESOLUTION = 1.0


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds and pacing of retries.

    ``max_attempts`` counts the first try; ``max_total`` caps the seconds spent on one logical
    request including every wait; ``max_rate_limit_wait`` is the longest pause the client accepts
    for a rate-limit window to reset before it gives up with ``RateLimited``.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_total: float = 90.0
    max_rate_limit_wait: float = 90.0
    retry_statuses: frozenset[int] = RETRY_STATUSES
    read_retry_statuses: frozenset[int] = READ_RETRY_STATUSES
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1 (the first try counts)")
        if self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError("RetryPolicy needs 0 <= base_delay <= max_delay")
        if self.max_total <= 0 or self.max_rate_limit_wait < 0:
            raise ValueError("RetryPolicy.max_total must be positive and max_rate_limit_wait not negative")

    def backoff(self, retry_number: int) -> float:
        """Delay before retry ``retry_number`` (1-based): exponential, capped, with equal jitter.

        Equal jitter (half fixed, half random) spreads concurrent clients apart while keeping a
        floor, so a burst of failures never turns into an immediate hammering.
        """
        ceiling = min(self.max_delay, self.base_delay * (2.0 ** (retry_number - 1)))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def server_delay(self, headers: Mapping[str, str], now: float) -> float | None:
        """Seconds the server asked us to wait (``Retry-After`` or ``X-RateLimit-Reset``), if any."""
        retry_after = headers.get("Retry-After")
        if retry_after:
            seconds = _retry_after_seconds(retry_after, now)
            if seconds is not None:
                return seconds
        reset = reset_at(headers, now)
        if reset is not None and headers.get("X-RateLimit-Remaining", "").strip() in ("0", ""):
            return max(0.0, reset - now)
        return None

    def delay_for(self, retry_number: int, headers: Mapping[str, str] | None, now: float) -> float:
        """The wait before ``retry_number``: the server's figure when it gave one, else backoff."""
        asked = self.server_delay(headers or {}, now)
        if asked is None:
            return self.backoff(retry_number)
        # A little jitter on top of the server's figure so parallel pages do not return in lockstep.
        return asked + self.rng.uniform(0, min(self.base_delay, 1.0))


def _retry_after_seconds(value: str, now: float) -> float | None:
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def reset_at(headers: Mapping[str, str], now: float) -> float | None:
    """The epoch second at which the rate-limit window resets, from ``X-RateLimit-Reset``."""
    raw = headers.get("X-RateLimit-Reset")
    if not raw:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return (value if value >= _EPOCH_FLOOR else now + value) + _RESET_RESOLUTION


class RateLimitWindow:
    """What the last response said about the rate-limit window, shared by all threads of a client.

    Why: when ``X-RateLimit-Remaining`` reaches 0 the next request would only earn a 429; waiting
    for ``X-RateLimit-Reset`` first is cheaper for both sides.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exhausted_until: float | None = None

    def observe(self, headers: Mapping[str, str], now: float) -> None:
        remaining = headers.get("X-RateLimit-Remaining")
        if remaining is None:
            return
        try:
            left = int(float(remaining))
        except ValueError:
            return
        with self._lock:
            if left > 0:
                self._exhausted_until = None
            else:
                self._exhausted_until = reset_at(headers, now)

    def wait_needed(self, now: float) -> float:
        """Seconds to wait before the next request (0 when the window has room)."""
        with self._lock:
            until = self._exhausted_until
        if until is None or until <= now:
            return 0.0
        return until - now

    def waited(self) -> None:
        """The reset time has passed; the next response will say how much room there is."""
        with self._lock:
            self._exhausted_until = None
