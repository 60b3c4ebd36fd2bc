"""The SQL store and its tamper-evident audit log.

    from audit import AuditLog, open_store
    log = AuditLog(open_store(url))
    event_id = log.append("decision", actor="admin@acme.com", payload={...})
    log.verify().ok

Names are loaded on first use, so importing one module of the layer (``audit.home``) does not
import SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit import lazy

_EXPORTS = {
    "AuditLog": "audit.log", "AuditRecord": "audit.log", "KINDS": "audit.log",
    "VerifyReport": "audit._verify", "open_store": "audit.db", "StoreError": "audit.db",
    "GENESIS_HASH": "audit.db", "redact": "audit.redact", "redact_pii": "audit.redact",
}
__all__ = ["GENESIS_HASH", "KINDS", "AuditLog", "AuditRecord", "StoreError", "VerifyReport", "open_store",
           "redact", "redact_pii"]

if TYPE_CHECKING:
    from audit._verify import VerifyReport
    from audit.db import GENESIS_HASH, StoreError, open_store
    from audit.log import KINDS, AuditLog, AuditRecord
    from audit.redact import redact, redact_pii

__getattr__ = lazy.exports(__name__, _EXPORTS)
