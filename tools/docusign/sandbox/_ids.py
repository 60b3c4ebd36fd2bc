"""Ids derived from names, so two runs of the same fixture agree on every id.

GUIDs (organizations, accounts, users, memberships) are uuid5 of a readable key; permission
profile and group ids are int64 as in DocuSign, taken from a hash of the same kind of key.
"""

from __future__ import annotations

import hashlib
import uuid

NAMESPACE = uuid.UUID("6f1c1f5e-3d55-5b7e-9a43-0d0c05a9e2a1")


_PREFIX = NAMESPACE.bytes


def guid(*parts: str) -> str:
    """``str(uuid.uuid5(NAMESPACE, key))``, computed directly (a 100,000-user reset makes 230,000)."""
    digest = bytearray(hashlib.sha1(_PREFIX + "/".join(parts).lower().encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def int64(*parts: str) -> int:
    """An eight-digit id like DocuSign's permission profile and group ids."""
    digest = hashlib.sha256("/".join(p.lower() for p in parts).encode()).digest()
    return 10_000_000 + int.from_bytes(digest[:8], "big") % 90_000_000


def is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except (ValueError, TypeError, AttributeError):
        return False
    return len(text) == 36
