"""Confirmation tokens: a person's own yes, typed through the channel, for one exact call.

The token is shown to the person once and never stored: the row keeps only its SHA-256, so a
leaked database cannot confirm anything. A token is bound to the actor it was issued to and to
the call's hash, lives minutes, and is spent by a conditional UPDATE (pending -> used), so a
replayed or doubly-submitted token works at most once. Redeeming is a channel operation
(a y/N prompt, ``dsadmin confirm TOKEN``); no model tool reaches this module.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Engine, Row, select, update

from audit.models import Confirmation
from policies._records import (
    AuditSink,
    Clock,
    RefusedError,
    StoredCall,
    as_utc,
    now_from,
    stored_json,
    system_clock,
)
from policies.call import Actor, BoundCall

MIN_TTL, MAX_TTL = 10, 3600
ConfirmationStatus = Literal["pending", "used", "declined", "expired"]
_T = Confirmation.__table__


class ConfirmationError(RefusedError):
    """A confirmation token was refused."""


@dataclass(frozen=True, slots=True)
class ConfirmationView(StoredCall):
    """A stored confirmation. ``ref`` (a prefix of the token's hash) identifies it in logs, not the token."""

    ref: str
    actor: str
    status: ConfirmationStatus
    used_at: datetime | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def _view(row: Row[*tuple[Any, ...]]) -> ConfirmationView:
    m = row._mapping
    return ConfirmationView(
        ref=m["token_hash"][:12], actor=m["actor"], session_id=m["session_id"], call_json=m["call_json"],
        call_hash=m["call_hash"], summary=m["summary"], status=m["status"],
        created_at=as_utc(m["created_at"]), expires_at=as_utc(m["expires_at"]), used_at=as_utc(m["used_at"]),
    )


class ConfirmationBook:
    def __init__(self, engine: Engine, audit_log: AuditSink, *, clock: Clock | None = None) -> None:
        self._engine = engine
        self._audit = audit_log
        self._clock = clock or system_clock

    def issue(self, actor: Actor, call: BoundCall, summary: str, ttl_seconds: int = 300,
              session_id: str | None = None,
              preview: list[dict[str, Any]] | None = None) -> tuple[str, datetime]:
        """A new token for ``actor`` to confirm ``call``; returns (token, expires_at)."""
        if not isinstance(ttl_seconds, int) or not MIN_TTL <= ttl_seconds <= MAX_TTL:
            raise ConfirmationError("bad_ttl", f"ttl_seconds must be between {MIN_TTL} and {MAX_TTL}")
        # a prefix, so a token never starts with '-' (token_urlsafe's alphabet has it) and is
        # never read as an option by `dsadmin confirm TOKEN`, nor mistaken for another kind of id
        token = "cfm_" + secrets.token_urlsafe(18)
        now = now_from(self._clock)
        expires_at = now + timedelta(seconds=ttl_seconds)
        row: dict[str, Any] = {
            "token_hash": _hash(token), "actor": actor.email.strip().lower(), "session_id": session_id,
            "call_json": stored_json(call, preview), "call_hash": call.fingerprint(), "summary": summary,
            "created_at": now, "expires_at": expires_at, "status": "pending",
        }
        with self._engine.begin() as conn:
            conn.execute(_T.insert().values(**row))
        self._log("confirmation_issued", row["token_hash"], {
            "to": "pending", "summary": summary, "call_hash": row["call_hash"],
            "expires_at": expires_at.isoformat(),
        })
        return token, expires_at

    def redeem(self, token: str, actor: Actor, *, call_hash: str | None = None) -> ConfirmationView:
        """Spend the token: only its own actor, only once, only before it expires.

        ``call_hash``: when given, the call about to run must be the one that was confirmed.
        """
        return self._spend(token, actor, "used", call_hash)

    def decline(self, token: str, actor: Actor) -> ConfirmationView:
        return self._spend(token, actor, "declined", None)

    def withdraw(self, actor: Actor, session_id: str) -> list[ConfirmationView]:
        """Decline every live confirmation ``actor`` was asked for in ``session_id``: the person said
        something new instead of answering, so an earlier prompt must not stay answerable (a stale
        Confirm button, or the next "yes", would otherwise run a change the person moved away from).
        Returns what was withdrawn, each audited as declined because it was superseded."""
        now = now_from(self._clock)
        who = actor.email.strip().lower()
        where = [_T.c.actor == who, _T.c.session_id == session_id, _T.c.status == "pending",
                 _T.c.expires_at > now]
        with self._engine.begin() as conn:
            hashes = [r.token_hash for r in conn.execute(select(_T.c.token_hash).where(*where))]
            if hashes:
                conn.execute(update(_T).where(*where, _T.c.token_hash.in_(hashes))
                             .values(status="declined", used_at=now))
        withdrawn = []
        for token_hash in hashes:
            view = self._read(token_hash)
            if view is not None and view.status == "declined":
                self._log("confirmation_used", token_hash, {"to": "declined", "why": "superseded"}, view,
                          actor.email)
                withdrawn.append(view)
        return withdrawn

    def pending(self, actor: Actor, limit: int = 10) -> list[ConfirmationView]:
        """The actor's live confirmations, newest first (what a prompt can still ask about)."""
        now = now_from(self._clock)
        query = (select(_T).where(_T.c.actor == actor.email.strip().lower(), _T.c.status == "pending",
                                  _T.c.expires_at > now)
                 .order_by(_T.c.created_at.desc()).limit(limit))
        with self._engine.connect() as conn:
            return [_view(r) for r in conn.execute(query)]

    def live(self, token: str, actor: Actor) -> ConfirmationView | None:
        """The actor's pending, unexpired confirmation for ``token`` (None otherwise); spends nothing."""
        if not isinstance(token, str) or not token.strip():
            return None
        current = self._read(_hash(token))
        if current is None or current.status != "pending" or current.actor != actor.email.strip().lower():
            return None
        return current if current.expires_at > now_from(self._clock) else None

    def _spend(self, token: str, actor: Actor, to: Literal["used", "declined"],
               call_hash: str | None) -> ConfirmationView:
        if not isinstance(token, str) or not token.strip():
            raise ConfirmationError("unknown", "no confirmation token given")
        token_hash = _hash(token)
        who = actor.email.strip().lower()
        now = now_from(self._clock)
        where = [_T.c.token_hash == token_hash, _T.c.status == "pending", _T.c.actor == who,
                 _T.c.expires_at > now]
        if call_hash is not None:
            where.append(_T.c.call_hash == call_hash)
        values: dict[str, Any] = {"status": to, "used_at": now}
        with self._engine.begin() as conn:
            won = conn.execute(update(_T).where(*where).values(**values)).rowcount == 1
        current = self._read(token_hash)
        if won and current is not None:
            self._log("confirmation_used", token_hash, {"to": to}, current, actor.email)
            return current
        code, message = self._refusal(current, who, now, call_hash)
        if code == "expired":
            self._mark(token_hash, "expired")
        if current is not None:
            self._log("confirmation_used", token_hash, {"to": "refused", "why": code}, current, actor.email)
        raise ConfirmationError(code, message)

    @staticmethod
    def _refusal(current: ConfirmationView | None, who: str, now: datetime,
                 call_hash: str | None) -> tuple[str, str]:
        if current is None:
            return "unknown", "no such confirmation token; it may have been mistyped"
        if current.actor != who:
            return "wrong_actor", "this confirmation was issued to someone else; only they can answer it"
        if current.status != "pending":
            return current.status, (f"this confirmation is already {current.status}; "
                                    "ask again to get a new one")
        if current.expires_at <= now:
            return "expired", "this confirmation has expired; ask again to get a new one"
        if call_hash is not None and current.call_hash != call_hash:
            return "call_changed", "the call changed since it was confirmed; nothing was done"
        return "not_pending", "this confirmation could not be used; ask again"

    def _mark(self, token_hash: str, to: ConfirmationStatus) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(_T).where(_T.c.token_hash == token_hash, _T.c.status == "pending")
                         .values(status=to))

    def _read(self, token_hash: str) -> ConfirmationView | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(_T).where(_T.c.token_hash == token_hash)).first()
        return _view(row) if row else None

    def _log(self, kind: str, token_hash: str, payload: dict[str, Any], view: ConfirmationView | None = None,
             actor: str | None = None) -> None:
        """Audit one transition; ``confirmation`` is a prefix of the token's hash, never the token."""
        view = view or self._read(token_hash)
        body = {"confirmation": token_hash[:12], **payload}
        if view is None:
            self._audit.append(kind, actor=actor, payload=body)
            return
        body.setdefault("summary", view.summary)
        call = view.call
        self._audit.append(kind, session_id=view.session_id, actor=actor or view.actor,
                           action=f"{call.get('action')}.{call.get('operation')}",
                           target=call.get("target_email"), payload=body)
