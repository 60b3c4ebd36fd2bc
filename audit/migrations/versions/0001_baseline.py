"""Baseline: the store as dsadmin created it before migrations (its schema version 2).

Revision ID: 0001
Revises: (none)

The tables are written out here, frozen, rather than imported from ``audit.models``: this
revision must keep creating the same schema after the models move on. The same ``metadata`` is
what ``audit.migrate`` compares a pre-migration store with before adopting it (stamping it at
this revision), so "adopted" means "verified to be exactly what this revision creates".
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64

metadata = sa.MetaData()
_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_Stamp = sa.DateTime(timezone=True)


def _c(name: str, type_: sa.types.TypeEngine[Any], nullable: bool = False, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=nullable, **kw)


sa.Table(
    "audit_events", metadata,
    _c("id", _BigId, primary_key=True, autoincrement=True),
    _c("ts", _Stamp),
    _c("session_id", sa.String(64), True),
    _c("actor", sa.String(320), True),
    _c("kind", sa.String(40)),
    _c("action", sa.String(64), True),
    _c("target", sa.String(320), True),
    _c("payload", sa.JSON()),
    _c("prev_hash", sa.String(64)),
    _c("hash", sa.String(64), unique=True),
    sa.Index("ix_audit_events_session_id_id", "session_id", "id"),
    sa.Index("ix_audit_events_actor_id", "actor", "id"),
    sa.Index("ix_audit_events_kind_id", "kind", "id"),
    sa.Index("ix_audit_events_target_id", "target", "id"),
    sa.Index("ix_audit_events_ts", "ts"),
)
sa.Table(
    "audit_chain_head", metadata,
    _c("id", sa.Integer(), primary_key=True),
    _c("last_id", _BigId),
    _c("last_hash", sa.String(64)),
)
sa.Table(
    "approvals", metadata,
    _c("id", sa.String(40), primary_key=True),
    _c("requester", sa.String(320), index=True),
    _c("session_id", sa.String(64), True),
    _c("action", sa.String(64)),
    _c("operation", sa.String(64)),
    _c("target", sa.String(320), True),
    _c("call_json", sa.Text()),
    _c("call_hash", sa.String(64)),
    _c("summary", sa.Text()),
    _c("approver_role", sa.String(40)),
    _c("status", sa.String(20), index=True),
    _c("approver", sa.String(320), True),
    _c("reason", sa.Text(), True),
    _c("created_at", _Stamp),
    _c("expires_at", _Stamp),
    _c("decided_at", _Stamp, True),
    _c("executed_at", _Stamp, True),
    _c("result_json", sa.Text(), True),
    _c("lease_until", _Stamp, True),
    _c("recovered", sa.Integer(), True),
)
sa.Table(
    "confirmations", metadata,
    _c("token_hash", sa.String(64), primary_key=True),
    _c("actor", sa.String(320)),
    _c("session_id", sa.String(64), True),
    _c("call_json", sa.Text()),
    _c("call_hash", sa.String(64)),
    _c("summary", sa.Text()),
    _c("created_at", _Stamp),
    _c("expires_at", _Stamp),
    _c("used_at", _Stamp, True),
    _c("status", sa.String(20)),
)
sa.Table(
    "sessions", metadata,
    _c("id", sa.String(64), primary_key=True),
    _c("actor", sa.String(320)),
    _c("backend", sa.String(40)),
    _c("created_at", _Stamp),
    _c("updated_at", _Stamp),
)
sa.Table(
    "session_messages", metadata,
    _c("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id"), nullable=False),
    _c("seq", sa.Integer()),
    _c("role", sa.String(20)),
    _c("content", sa.JSON()),
    _c("created_at", _Stamp),
    sa.Index("ix_session_messages_session_seq", "session_id", "seq", unique=True),
)
sa.Table(
    "audit_checkpoints", metadata,
    _c("id", sa.Integer(), primary_key=True, autoincrement=True),
    _c("kind", sa.String(20)),
    _c("event_id", _BigId),
    _c("hash", sa.String(64)),
    _c("created_at", _Stamp),
    _c("mac", sa.String(128), True),
)
sa.Table(
    "directory_cache", metadata,
    _c("scope", sa.String(64), primary_key=True),
    _c("key", sa.String(400), primary_key=True),
    _c("value", sa.Text()),
    _c("stored_at", sa.Float()),
)
sa.Table(
    "web_logins", metadata,
    _c("state", sa.String(64), primary_key=True),
    _c("verifier", sa.String(128)),
    _c("nonce", sa.String(64)),
    _c("next_url", sa.String(500)),
    _c("created_at", _Stamp),
)
sa.Table(
    "web_sessions", metadata,
    _c("id_hash", sa.String(64), primary_key=True),
    _c("email", sa.String(320), index=True),
    _c("csrf", sa.String(64)),
    _c("created_at", _Stamp),
    _c("expires_at", _Stamp),
)
sa.Table(
    "api_tokens", metadata,
    _c("id", sa.String(40), primary_key=True),
    _c("token_hash", sa.String(64), unique=True),
    _c("email", sa.String(320), index=True),
    _c("name", sa.String(200)),
    _c("created_by", sa.String(320)),
    _c("created_at", _Stamp),
    _c("expires_at", _Stamp, True),
    _c("revoked_at", _Stamp, True),
    _c("last_used_at", _Stamp, True),
)
sa.Table(
    "rate_counts", metadata,
    _c("email", sa.String(320), primary_key=True),
    _c("window", sa.BigInteger(), primary_key=True, autoincrement=False),
    _c("count", sa.Integer()),
)
sa.Table(
    "outbox", metadata,
    _c("id", _BigId, primary_key=True, autoincrement=True),
    _c("event", sa.String(40)),
    _c("approval_id", sa.String(40), index=True),
    _c("created_at", _Stamp),
    _c("status", sa.String(20)),
    _c("attempts", sa.Integer()),
    _c("next_attempt_at", _Stamp),
    _c("claimed_by", sa.String(64), True),
    _c("claim_until", _Stamp, True),
    _c("delivered", sa.JSON()),
    _c("sent_at", _Stamp, True),
    _c("last_error", sa.Text(), True),
    sa.Index("ix_outbox_due", "status", "next_attempt_at"),
)


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind, checkfirst=False)
    head = metadata.tables["audit_chain_head"]
    bind.execute(head.insert().values(id=1, last_id=0, last_hash=GENESIS_HASH))


def downgrade() -> None:
    raise NotImplementedError("the baseline holds the audit log; no migration drops it")
