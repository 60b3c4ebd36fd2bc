"""Credentials kept in the store: personal API tokens, web sign-ins and sessions, rate counts.

Why the store: every ``serve`` instance must honour a token minted, a session opened or a
request counted by another. Only SHA-256 hashes of session ids and API tokens are written, so a
copy of the database signs nobody in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, overload

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from audit.service_tables import ApiToken, RateCount, WebLogin, WebSession

TOKEN_PREFIX = "dsa_"
LOGIN_TTL = timedelta(minutes=10)
# declarative tables: ``Base`` declares ``__table__`` as a Table (audit.models)
_TOKENS, _SESSIONS, _LOGINS, _RATES = (t.__table__ for t in (ApiToken, WebSession, WebLogin, RateCount))


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: None) -> None: ...
def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# -- personal API tokens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenInfo:
    id: str
    email: str
    name: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= _now():
            return "expired"
        return "active"


def _info(row: Any) -> TokenInfo:
    m = row._mapping
    fields: dict[str, Any] = {k: (_aware(m[k]) if k.endswith("_at") else m[k])
                              for k in TokenInfo.__annotations__}
    return TokenInfo(**fields)


def create_token(
    engine: Engine, email: str, name: str, created_by: str, days: int | None = None
) -> tuple[str, TokenInfo]:
    """Mint a token for ``email``; the secret is returned once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    row = {
        "id": "tok_" + secrets.token_hex(6),
        "token_hash": _hash(secret),
        "email": email.lower(),
        "name": name,
        "created_by": created_by.lower(),
        "created_at": now,
        "expires_at": now + timedelta(days=days) if days else None,
    }
    with engine.begin() as conn:
        conn.execute(_TOKENS.insert().values(**row))
        info = _info(conn.execute(select(_TOKENS).where(_TOKENS.c.id == row["id"])).one())
    return secret, info


def list_tokens(engine: Engine) -> list[TokenInfo]:
    with engine.connect() as conn:
        return [_info(r) for r in conn.execute(select(_TOKENS).order_by(_TOKENS.c.created_at))]


def revoke_token(engine: Engine, token_id: str) -> bool:
    with engine.begin() as conn:
        return (
            conn.execute(
                update(_TOKENS)
                .where(_TOKENS.c.id == token_id, _TOKENS.c.revoked_at.is_(None))
                .values(revoked_at=_now())
            ).rowcount
            == 1
        )


def token_owner(engine: Engine, secret: str) -> str | None:
    """The email an active token belongs to, else None."""
    now = _now()
    with engine.begin() as conn:
        row = conn.execute(select(_TOKENS).where(_TOKENS.c.token_hash == _hash(secret))).first()
        if row is None or _info(row).state != "active":
            return None
        conn.execute(update(_TOKENS).where(_TOKENS.c.id == row.id).values(last_used_at=now))
        return row.email


# -- web sign-in and sessions ----------------------------------------------------------------------


def begin_login(engine: Engine, verifier: str, nonce: str, next_url: str) -> str:
    """Remember an OIDC sign-in in flight; returns its ``state``."""
    state = secrets.token_urlsafe(24)
    now = _now()
    with engine.begin() as conn:
        conn.execute(delete(_LOGINS).where(_LOGINS.c.created_at < now - LOGIN_TTL))
        conn.execute(
            _LOGINS.insert().values(
                state=state, verifier=verifier, nonce=nonce, next_url=next_url, created_at=now
            )
        )
    return state


def finish_login(engine: Engine, state: str) -> tuple[str, str, str] | None:
    """(verifier, nonce, next_url) for ``state``, once; None when unknown, used or stale."""
    with engine.begin() as conn:
        row = conn.execute(select(_LOGINS).where(_LOGINS.c.state == state)).first()
        if row is None or conn.execute(delete(_LOGINS).where(_LOGINS.c.state == state)).rowcount != 1:
            return None
    if _aware(row.created_at) < _now() - LOGIN_TTL:
        return None
    return row.verifier, row.nonce, row.next_url


@dataclass(frozen=True)
class WebSessionInfo:
    email: str
    csrf: str
    expires_at: datetime


def open_session(engine: Engine, email: str, minutes: int) -> tuple[str, WebSessionInfo]:
    """A new session for ``email``: the cookie value (returned once) and its record."""
    cookie = secrets.token_urlsafe(32)
    now = _now()
    info = WebSessionInfo(email.lower(), secrets.token_urlsafe(24), now + timedelta(minutes=minutes))
    with engine.begin() as conn:
        conn.execute(delete(_SESSIONS).where(_SESSIONS.c.expires_at < now))
        conn.execute(
            _SESSIONS.insert().values(
                id_hash=_hash(cookie),
                email=info.email,
                csrf=info.csrf,
                created_at=now,
                expires_at=info.expires_at,
            )
        )
    return cookie, info


def session_for(engine: Engine, cookie: str) -> WebSessionInfo | None:
    with engine.connect() as conn:
        row = conn.execute(select(_SESSIONS).where(_SESSIONS.c.id_hash == _hash(cookie))).first()
    if row is None or _aware(row.expires_at) <= _now():
        return None
    return WebSessionInfo(row.email, row.csrf, _aware(row.expires_at))


def close_session(engine: Engine, cookie: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(_SESSIONS).where(_SESSIONS.c.id_hash == _hash(cookie)))


# -- per-person rate limit -------------------------------------------------------------------------


def allow_request(engine: Engine, email: str, per_minute: int) -> bool:
    """Count one request for ``email`` in this minute's window; False once over ``per_minute``."""
    window = int(_now().timestamp() // 60)
    dialect = engine.dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_RATES)
    stmt = (
        insert.values(email=email, window=window, count=1)
        .on_conflict_do_update(index_elements=["email", "window"], set_={"count": _RATES.c.count + 1})
        .returning(_RATES.c.count)
    )
    with engine.begin() as conn:
        count = conn.execute(stmt).scalar_one()
        if count == 1:  # first request of a window: drop windows long past
            conn.execute(delete(_RATES).where(_RATES.c.window < window - 5))
    return count <= per_minute
