"""Walking the chain: the first event that was edited, removed or reordered, and why.

Why ids matter here: ``append`` assigns ids from the chain head without gaps and hashes them, so a
missing id means a removed event, an event hashed under another id means a moved one, and the
head row (last id and hash) catches removal at the end of the chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from audit._canonical import event_hash
from audit.db import GENESIS_HASH


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None
    head_id: int = 0
    head_hash: str = GENESIS_HASH


def walk(records: Iterable[Any], head_id: int, head_hash: str) -> VerifyReport:
    """Check ``records`` (in id order) against each other and against the chain head."""
    prev_id, prev_hash, checked = 0, GENESIS_HASH, 0

    def broken(event_id: int, problem: str) -> VerifyReport:
        return VerifyReport(False, checked, event_id, problem, head_id, head_hash)

    for rec in records:
        expected = prev_id + 1
        if rec.id > head_id:
            return broken(rec.id, f"event {rec.id} lies beyond the chain head (event {head_id}); "
                                  "it was not written by dsadmin")
        if rec.id != expected:
            gap = f"event {expected}" if rec.id == expected + 1 else f"events {expected}-{rec.id - 1}"
            return broken(expected, f"{gap} removed (the next event present is {rec.id})")
        actual = event_hash(rec.id, rec.ts, rec.session_id, rec.actor, rec.kind, rec.action,
                            rec.target, rec.payload, rec.prev_hash)
        if actual != rec.hash:
            return broken(rec.id, f"event {rec.id} was edited or moved: its content no longer matches "
                                  "its hash")
        if rec.prev_hash != prev_hash:
            return broken(rec.id, f"event {rec.id} does not follow event {prev_id}: the event before it "
                                  "was rewritten, removed or reordered")
        prev_id, prev_hash = rec.id, rec.hash
        checked += 1
    if prev_id < head_id:
        first = prev_id + 1
        gap = f"event {first}" if first == head_id else f"events {first}-{head_id}"
        return broken(first, f"{gap} removed from the end of the chain (the head records event {head_id})")
    if prev_hash != head_hash:
        return broken(prev_id, f"event {prev_id} does not match the hash the chain head records for it")
    return VerifyReport(True, checked, None, None, head_id, head_hash)
