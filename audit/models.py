"""The store's tables: audit events, approvals, confirmations, conversation sessions.

All timestamps are timezone-aware UTC. Tables carry no schema name, so a test run (or a team) can
place them in a PostgreSQL schema of its own through ``schema_translate_map`` (see ``audit.db``).
Only ``audit.log`` writes ``audit_events`` and it only ever inserts. A change here needs a
migration (``python -m audit.migrations revision``); tests/audit/test_migrations.py fails until then.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    # Declarative types ``__table__`` as any FromClause (a class may be mapped onto a join or a
    # subquery); every model of the store is mapped onto a plain Table, and the code that writes it
    # uses the Table's insert()/update()/indexes. A bare annotation: nothing changes at run time.
    __table__: ClassVar[Table]


# (column, id): `audit tail --actor X -n 20` reads the newest rows of X straight off the index,
# however many events X has; ts serves --since.
AUDIT_EVENT_INDEXES = (
    ("ix_audit_events_session_id_id", ("session_id", "id")),
    ("ix_audit_events_actor_id", ("actor", "id")),
    ("ix_audit_events_kind_id", ("kind", "id")),
    ("ix_audit_events_target_id", ("target", "id")),
    ("ix_audit_events_ts", ("ts",)),
)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = tuple(Index(name, *cols) for name, cols in AUDIT_EVENT_INDEXES)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    ts: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    session_id: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(40))
    action: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(320))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ChainHead(Base):
    """One row: the newest event's id and hash. Appends lock it, so the chain stays one line."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class Approval(Base):
    __tablename__ = "approvals"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    requester: Mapped[str] = mapped_column(String(320), index=True)
    session_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(320))
    call_json: Mapped[str] = mapped_column(Text)
    call_hash: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    approver_role: Mapped[str] = mapped_column(String(40))
    # pending | approved | denied | expired | executed | failed
    status: Mapped[str] = mapped_column(String(20), index=True)
    approver: Mapped[str | None] = mapped_column(String(320))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    executed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result_json: Mapped[str | None] = mapped_column(Text)
    # while executing: until when the process that claimed it is presumed alive; past it,
    # `approvals recover` may take the request over (once: recovered counts take-overs)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recovered: Mapped[int | None] = mapped_column(Integer, default=0)


class Confirmation(Base):
    """A one-time token bound to actor and call hash. Only the token's hash is stored."""

    __tablename__ = "confirmations"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    actor: Mapped[str] = mapped_column(String(320))
    session_id: Mapped[str | None] = mapped_column(String(64))
    call_json: Mapped[str] = mapped_column(Text)
    call_hash: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # pending | used | declined | expired
    status: Mapped[str] = mapped_column(String(20), default="pending")


class Session(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    actor: Mapped[str] = mapped_column(String(320))
    backend: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionMessage(Base):
    __tablename__ = "session_messages"
    __table_args__ = (Index("ix_session_messages_session_seq", "session_id", "seq", unique=True),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"))
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    content: Mapped[list[Any] | dict[str, Any] | str] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditCheckpoint(Base):
    """A chain head worth remembering: ``signed`` ones were also appended to the external sink;
    ``verified`` ones mark how far a verify has proven the chain (incremental verify starts there)."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    mac: Mapped[str | None] = mapped_column(String(128))
