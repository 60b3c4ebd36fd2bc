"""The service's tables: web sign-ins and sessions, personal API tokens, rate limits, the outbox,
and the Slack events already handled.

Why in the store and not in a process: several ``dsadmin serve`` instances share one PostgreSQL,
and a person signed in through one must be known to the next; a rate limit must count requests
wherever they land; a notification must be announced in the same transaction as the decision it
tells of (``policies.outbox``); a Slack event retried to another instance must be recognised
there. Secrets are never stored: session ids and API tokens are kept as SHA-256 hashes, like
confirmation tokens.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from audit.models import Base


class WebLogin(Base):
    """A sign-in in flight: the OIDC ``state`` with its PKCE verifier and nonce, used once."""

    __tablename__ = "web_logins"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    verifier: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str] = mapped_column(String(64))
    next_url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser: the cookie's hash, who, its CSRF token, and when it ends."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A personal API token an admin minted for a person; only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RateCount(Base):
    """Requests one person made in one fixed window (minute number since the epoch)."""

    __tablename__ = "rate_counts"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)


class OutboxEntry(Base):
    """One announcement (a request made, approved, denied, executed, expired) to deliver once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    event: Mapped[str] = mapped_column(String(40))
    approval_id: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # pending | sent | failed (gave up after the last retry)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claim_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered: Mapped[list[str]] = mapped_column(JSON, default=list)  # channel keys already delivered
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class SlackEventSeen(Base):
    """A Slack event id handled once (``agent.channels.slack.dedupe``): Slack retries, any instance."""

    __tablename__ = "slack_events_seen"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
