"""ConfirmationBook: one-time tokens bound to a person and a call, stored only as hashes."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from audit.models import AuditEvent, Confirmation
from policies.call import Actor
from policies.confirmations import ConfirmationBook, ConfirmationError

ADMIN = Actor("admin@acme.com", frozenset({"admin"}))
OTHER_ADMIN = Actor("root@acme.com", frozenset({"admin"}))




@pytest.fixture
def book(store_engine, log, clock):
    return ConfirmationBook(store_engine, log, clock=clock)


@pytest.fixture
def purge(build):
    return build.call("manage_user", "purge", target="lee@acme.com")


def _rows(engine):
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(Confirmation.__table__))]


def _audit_text(engine) -> str:
    with engine.connect() as conn:
        return " ".join(str(tuple(r)) for r in conn.execute(select(AuditEvent.__table__)))


def test_only_the_tokens_hash_is_stored(book, store_engine, purge, clock):
    token, expires_at = book.issue(ADMIN, purge, "purge lee@acme.com", ttl_seconds=120, session_id="s1")
    assert len(token) >= 24 and expires_at == clock.now + timedelta(seconds=120)
    [row] = _rows(store_engine)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(row)
    assert (row["actor"], row["call_hash"]) == ("admin@acme.com", purge.fingerprint())
    assert row["status"] == "pending"
    assert token not in _audit_text(store_engine)
    other, _ = book.issue(ADMIN, purge, "again")
    assert other != token


def test_redeem_once_by_its_own_actor(book, store_engine, purge, log):
    token, _ = book.issue(ADMIN, purge, "purge lee@acme.com")
    with pytest.raises(ConfirmationError) as info:
        book.redeem(token, OTHER_ADMIN)
    assert info.value.code == "wrong_actor"
    assert _rows(store_engine)[0]["status"] == "pending"  # someone else's attempt does not spend it
    used = book.redeem(f"  {token} ", Actor("ADMIN@acme.com", ADMIN.roles), call_hash=purge.fingerprint())
    assert (used.status, used.call_hash, used.summary) == ("used", purge.fingerprint(), "purge lee@acme.com")
    assert used.call["target_email"] == "lee@acme.com"
    assert used.tool_call("c1").args == purge.args
    with pytest.raises(ConfirmationError) as info:
        book.redeem(token, ADMIN)
    assert info.value.code == "used"
    assert _rows(store_engine)[0]["status"] == "used"
    kinds = [(r.kind, r.payload.get("to")) for r in log.tail(20)]
    assert kinds == [("confirmation_issued", "pending"), ("confirmation_used", "refused"),
                     ("confirmation_used", "used"), ("confirmation_used", "refused")]
    assert log.verify().ok


def test_expired_tokens_are_refused(book, store_engine, purge, clock):
    token, _ = book.issue(ADMIN, purge, "s", ttl_seconds=60)
    clock.now += timedelta(seconds=60)
    assert book.pending(ADMIN) == []
    with pytest.raises(ConfirmationError) as info:
        book.redeem(token, ADMIN)
    assert info.value.code == "expired"
    assert _rows(store_engine)[0]["status"] == "expired"


def test_a_different_call_cannot_use_the_token(book, store_engine, purge, build):
    token, _ = book.issue(ADMIN, purge, "s")
    other = build.call("manage_user", "purge", target="kim@acme.com")
    with pytest.raises(ConfirmationError) as info:
        book.redeem(token, ADMIN, call_hash=other.fingerprint())
    assert info.value.code == "call_changed"
    assert _rows(store_engine)[0]["status"] == "pending"


def test_decline_and_pending(book, purge, clock):
    first, _ = book.issue(ADMIN, purge, "first")
    clock.now += timedelta(seconds=1)
    book.issue(ADMIN, purge, "second")
    book.issue(OTHER_ADMIN, purge, "not mine")
    assert [c.summary for c in book.pending(ADMIN)] == ["second", "first"]
    declined = book.decline(first, ADMIN)
    assert declined.status == "declined"
    assert [c.summary for c in book.pending(ADMIN)] == ["second"]
    with pytest.raises(ConfirmationError) as info:
        book.redeem(first, ADMIN)
    assert info.value.code == "declined"


@pytest.mark.parametrize("token", ["", "   ", "not-a-token"])
def test_unknown_tokens(book, token):
    with pytest.raises(ConfirmationError) as info:
        book.redeem(token, ADMIN)
    assert info.value.code == "unknown"


@pytest.mark.parametrize("ttl", [0, 5, 7200])
def test_ttl_bounds(book, purge, ttl):
    with pytest.raises(ConfirmationError, match="ttl_seconds"):
        book.issue(ADMIN, purge, "s", ttl_seconds=ttl)


def test_a_token_submitted_twenty_times_at_once_is_used_once(book, store_engine, purge):
    import threading

    token, _ = book.issue(ADMIN, purge, "purge lee@acme.com")
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def attempt():
        barrier.wait()
        try:
            book.redeem(token, ADMIN)
            outcomes.append("redeemed")
        except ConfirmationError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["redeemed"] + ["used"] * 19
    assert _rows(store_engine)[0]["status"] == "used"


def test_a_token_never_starts_with_a_dash(book, purge, monkeypatch):
    """`dsadmin confirm -oXYZ` would be read as an option: token_urlsafe's alphabet includes '-',
    so without the prefix about one token in 64 could not be typed as shown."""
    import secrets

    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: "-" + "x" * (n + 5))
    token, _ = book.issue(ADMIN, purge, "purge lee@acme.com")
    assert not token.startswith("-") and token.startswith("cfm_")
    assert book.redeem(token, ADMIN).summary == "purge lee@acme.com"
