"""Fault injection: the ways DocuSign misbehaves that a client must survive, deterministic under a seed.

Why in the sandbox and not in a mock: the client's retries, pacing and token renewal are then
exercised over the same HTTP path as every other request, and an eval can turn them on.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field
from typing import Any

DEFAULT_RATE_LIMIT = 100_000  # DocuSign publishes no figure for the Admin API; the headers are always sent
DEFAULT_RATE_WINDOW = 3600.0


@dataclass
class Faults:
    """What to inject, per run.

    rate_limit: requests allowed per ``rate_window_seconds`` before 429 (None: a generous default).
    error_rate: chance (0..1) that a request starts a burst of ``burst_length`` 5xx answers.
    latency_ms (+ up to ``latency_jitter_ms``): slept per request, outside any lock.
    token_lifetime_seconds: tokens die this soon although ``expires_in`` still says 3600.
    expire_token_every: every Nth Admin request finds its token expired (401) and revokes it.
    lost_response_rate: chance (0..1) that a write is applied but its answer is lost (a 503 comes back),
        so a retry must check before repeating it.
    consent_revoked: the token endpoint answers consent_required and issued tokens stop working.
    """

    rate_limit: int | None = None
    rate_window_seconds: float = 60.0
    error_rate: float = 0.0
    burst_length: int = 3
    burst_statuses: tuple[int, ...] = (503, 500)
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    token_lifetime_seconds: float | None = None
    expire_token_every: int | None = None
    consent_revoked: bool = False
    lost_response_rate: float = 0.0

    def __post_init__(self) -> None:
        if self.rate_limit is not None and self.rate_limit < 1:
            raise ValueError("faults.rate_limit must be at least 1 (or None)")
        for name in ("error_rate", "lost_response_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"faults.{name} must be between 0 and 1")
        if self.burst_length < 1 or not self.burst_statuses:
            raise ValueError("faults.burst_length must be >= 1 and burst_statuses non-empty")
        if self.latency_ms < 0 or self.latency_jitter_ms < 0:
            raise ValueError("faults.latency_ms and latency_jitter_ms must be >= 0")

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Faults:
        """From an eval's or the CLI's ``faults:`` mapping; unknown keys are named."""
        data = dict(data or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"faults: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        try:
            if "burst_statuses" in data:
                data["burst_statuses"] = tuple(data["burst_statuses"])
            faults = cls(**data)  # __post_init__ compares every number: a string or a list fails there
        except TypeError:
            kinds = {name: type(f.default).__name__ for name, f in cls.__dataclass_fields__.items()}
            wrong = sorted(k for k, v in data.items() if not _fits(v, kinds[k]))
            raise ValueError(
                f"faults: wrong type for {', '.join(wrong) or 'a setting'}; rates and counts are numbers, "
                "burst_statuses a list of HTTP statuses, consent_revoked true/false") from None
        return faults


def _fits(value: object, kind: str) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind in ("int", "float", "NoneType"):
        return value is None or (isinstance(value, int | float) and not isinstance(value, bool))
    return isinstance(value, tuple) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)


@dataclass
class FaultRun:
    """The mutable side: counters, the seeded generator, the current burst and rate window."""

    seed: int = 0
    rng: random.Random = field(init=False)
    admin_requests: int = 0
    burst_left: int = 0
    burst_status: int = 503
    forced: list[int] = field(default_factory=list)
    forced_lost: int = 0
    window_start: float = 0.0
    window_count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def latency(self, faults: Faults) -> float:
        """Seconds to sleep for this request."""
        if not faults.latency_ms and not faults.latency_jitter_ms:
            return 0.0
        with self.lock:
            jitter = self.rng.random() * faults.latency_jitter_ms if faults.latency_jitter_ms else 0.0
        return (faults.latency_ms + jitter) / 1000.0

    def rate(self, faults: Faults, now: float) -> tuple[int, int, int, bool]:
        """Count this request; (limit, remaining, reset_epoch, allowed)."""
        limit = faults.rate_limit or DEFAULT_RATE_LIMIT
        window = faults.rate_window_seconds if faults.rate_limit else DEFAULT_RATE_WINDOW
        with self.lock:
            if now >= self.window_start + window or now < self.window_start:
                self.window_start = now
                self.window_count = 0
            self.window_count += 1
            count = self.window_count
            reset = math.ceil(self.window_start + window)  # never announce a reset before it happens
        return limit, max(0, limit - count), reset, count <= limit

    def server_error(self, faults: Faults) -> int | None:
        """The 5xx status this request gets, if any (forced ones first, then seeded bursts)."""
        with self.lock:
            self.admin_requests += 1
            if self.forced:
                return self.forced.pop(0)
            if self.burst_left:
                self.burst_left -= 1
                return self.burst_status
            if faults.error_rate and self.rng.random() < faults.error_rate:
                self.burst_status = self.rng.choice(faults.burst_statuses)
                self.burst_left = faults.burst_length - 1
                return self.burst_status
        return None

    def response_lost(self, faults: Faults) -> bool:
        """Whether this (already applied) write's answer is replaced by a 503."""
        with self.lock:
            if self.forced_lost:
                self.forced_lost -= 1
                return True
            return bool(faults.lost_response_rate) and self.rng.random() < faults.lost_response_rate

    def token_expires_now(self, faults: Faults) -> bool:
        every = faults.expire_token_every
        return every is not None and every != 0 and self.admin_requests % every == 0
