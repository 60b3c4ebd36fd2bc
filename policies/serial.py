"""Per-account locks around writes a guard depends on: check and write happen as one step.

Why: the last-administrator guard counts an account's other administrators and then writes. Two
admins demoting each other at the same moment would each count the other and both pass. Holding
the account's lock from the count to the write makes the second wait and count again.

PostgreSQL: a session advisory lock per account (``pg_advisory_lock``), held on a connection of
its own, so every dsadmin process sharing the store takes turns. SQLite is a single machine's
file: an exclusive ``flock`` on a lock file beside the database per account does the same across
processes and threads (an in-memory store, one process, uses a thread lock).
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

_THREAD_LOCKS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


def _digest(namespace: str, key: str) -> bytes:
    return hashlib.sha256(f"dsadmin-guard:{namespace}:{key}".encode()).digest()


class AccountLocks:
    """``with locks.hold(account_ids): ...`` serialises guarded writes per account.

    ``engine``: the store's; None (a gate without a store) means locks of this process only.
    """

    def __init__(self, engine: Engine | None) -> None:
        dialect = engine.dialect.name if engine is not None else ""
        # advisory locks need the engine: kept only on PostgreSQL, where they are used
        self._postgres_engine = engine if dialect == "postgresql" else None
        options = engine.get_execution_options() if engine is not None else {}
        self._namespace = str((options.get("schema_translate_map") or {}).get(None) or "")
        database = engine.url.database if engine is not None else None
        self._file = Path(database) if dialect == "sqlite" and database and database != ":memory:" else None

    @contextmanager
    def hold(self, keys: Iterable[str]) -> Iterator[None]:
        ordered = sorted({str(k).lower() for k in keys})  # one order everywhere: no deadlock
        if not ordered:
            yield
            return
        if self._postgres_engine is not None:
            with self._advisory(self._postgres_engine, ordered):
                yield
            return
        with ExitStack() as stack:
            for key in ordered:
                stack.enter_context(self._local(key))
            yield

    @contextmanager
    def _advisory(self, engine: Engine, keys: list[str]) -> Iterator[None]:
        ids = [int.from_bytes(_digest(self._namespace, k)[:8], "big", signed=True) for k in keys]
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            taken = []
            try:
                for ident in ids:
                    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ident})
                    taken.append(ident)
                yield
            finally:
                for ident in reversed(taken):
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ident})

    @contextmanager
    def _local(self, key: str) -> Iterator[None]:
        if self._file is None:
            with _GUARD:
                lock = _THREAD_LOCKS.setdefault(key, threading.Lock())
            with lock:
                yield
            return
        name = _digest(str(self._file.resolve()), key).hex()[:16]
        path = self._file.with_name(f"{self._file.name}.guard-{name}.lock")
        with open(path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
