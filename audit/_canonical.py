"""The canonical form that event hashes are computed over.

Why a module of its own: the form must be byte-for-byte reproducible from what SQLite and
PostgreSQL give back, years later, so it is kept small, explicit and in one place. Timestamps are
UTC ISO strings with microseconds (what both databases keep); payloads are made plain JSON values
before they are hashed or stored, so a round-trip through either database changes nothing;
keys are sorted and the output is ASCII.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any


def iso_ts(ts: datetime) -> str:
    """The timestamp as hashed: UTC, microseconds, ``Z`` (a naive value is taken as UTC)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# built once: json.dumps with these options builds a new encoder on every call
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
_encode_text = json.encoder.encode_basestring_ascii  # the C function the encoder uses for a str


def canonical_json(obj: object) -> str:
    return _ENCODER.encode(obj)


def canonical_text(value: str | None) -> str:
    """``canonical_json`` of a string or None, without the encoder's per-call set-up (hot paths)."""
    return "null" if value is None else _encode_text(value)


def hash_parts(ts: datetime | str, session_id: str | None, actor: str | None, kind: str, action: str | None,
               target: str | None, payload: Mapping[str, Any], *,
               payload_json: str | None = None) -> tuple[str, str, str]:
    """The canonical JSON of an event split around its two chain-dependent values, id and prev_hash.

    ``head + str(id) + middle + prev_hash + tail`` is exactly ``canonical_json`` of the event with
    keys in sorted order (a test holds it to that). The split lets PostgreSQL finish the hash inside
    the one statement that takes the chain head, so no round-trip happens while the head is locked.
    ``payload_json``: ``canonical_json(payload)`` when the caller has it already (the writers store
    that same text), so an append encodes its payload once.
    """
    c = canonical_text
    head = f'{{"action":{c(action)},"actor":{c(actor)},"id":'
    body = canonical_json(payload) if payload_json is None else payload_json
    middle = f',"kind":{c(kind)},"payload":{body},"prev_hash":"'
    ts_text = ts if isinstance(ts, str) else iso_ts(ts)
    tail = f'","session_id":{c(session_id)},"target":{c(target)},"ts":{c(ts_text)}}}'
    return head, middle, tail


def event_hash(event_id: int, ts: datetime | str, session_id: str | None, actor: str | None, kind: str,
               action: str | None, target: str | None, payload: Mapping[str, Any], prev_hash: str, *,
               payload_json: str | None = None) -> str:
    """SHA-256 hex of the canonical JSON of one event together with the hash before it."""
    head, middle, tail = hash_parts(ts, session_id, actor, kind, action, target, payload,
                                    payload_json=payload_json)
    return hashlib.sha256(f"{head}{event_id}{middle}{prev_hash}{tail}".encode()).hexdigest()


def _storable_text(text: str) -> str:
    """``text`` without what PostgreSQL text refuses: NUL, and lone surrogates (not UTF-8)."""
    text = str(text).replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def plain_json(obj: object) -> Any:
    """``obj`` as plain JSON values that survive a round-trip through either database unchanged."""
    if isinstance(obj, Enum):
        return plain_json(obj.value)
    if obj is None or isinstance(obj, bool):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, str):
        return _storable_text(obj)
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else str(obj)
    if isinstance(obj, Mapping):
        return {plain_json(str(k)): plain_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain_json(v) for v in obj]
    if isinstance(obj, set | frozenset):
        return sorted((plain_json(v) for v in obj), key=canonical_json)
    if isinstance(obj, datetime):
        return iso_ts(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, bytes | bytearray):
        return f"[{len(obj)} bytes]"  # raw bytes may be anything, keys included; keep only the size
    if isinstance(obj, Decimal):
        return str(obj)
    dump = getattr(obj, "model_dump", None)  # pydantic models
    if callable(dump):
        return plain_json(dump(mode="json"))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return plain_json(dataclasses.asdict(obj))
    return plain_json(str(obj))
