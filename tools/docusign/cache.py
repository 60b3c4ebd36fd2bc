"""The directory cache: reads and writes of the store's ``directory_cache`` table, with a TTL.

Why: each ``dsadmin`` command is a new process, and without it every command re-reads the
organization, its accounts and each account's permission profiles and groups first. The cache
never decides anything: a failure to read or write it is a miss, and the Directory above it
re-reads DocuSign whenever an answer shows a cached entry is stale (see ``resolvers``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import ColumnElement, Engine, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from audit.directory_cache import DirectoryEntry

DEFAULT_TTL_SECONDS = 900.0


class DirectoryCache:
    """One scope of the ``directory_cache`` table, with a time to live."""

    def __init__(
        self,
        engine: Engine,
        scope: str,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self.scope = scope
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def get(self, key: str) -> Any | None:
        """The value stored under ``key`` if younger than the TTL; None otherwise (or on any error)."""
        entry = DirectoryEntry
        try:
            with self._engine.connect() as conn:
                row = conn.execute(
                    select(entry.value, entry.stored_at).where(entry.scope == self.scope, entry.key == key)
                ).one_or_none()
        except SQLAlchemyError:
            return None
        if row is None or self._clock() - row.stored_at > self.ttl_seconds:
            return None
        try:
            return json.loads(row.value)
        except ValueError:
            return None

    def put(self, key: str, value: Any) -> None:
        entry = DirectoryEntry
        try:
            with self._engine.begin() as conn:
                conn.execute(delete(entry).where(entry.scope == self.scope, entry.key == key))
                conn.execute(
                    insert(entry).values(
                        scope=self.scope, key=key, value=json.dumps(value), stored_at=self._clock()
                    )
                )
        except SQLAlchemyError:
            pass  # another process stored the same key meanwhile, or the store is unavailable: a miss later

    def drop(self, *keys: str) -> None:
        self._delete(lambda entry: entry.key.in_(keys))

    def drop_prefix(self, prefix: str, values: Iterable[str] | None = None) -> None:
        """Forget the entries under ``prefix`` (only those whose value is one of ``values``, if given)."""

        def where(entry: type[DirectoryEntry]) -> ColumnElement[bool]:
            under = entry.key.startswith(prefix, autoescape=True)
            return under if values is None else under & entry.value.in_([json.dumps(v) for v in values])

        self._delete(where)

    def _delete(self, where: Callable[[type[DirectoryEntry]], ColumnElement[bool]]) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(delete(DirectoryEntry).where(DirectoryEntry.scope == self.scope,
                                                          where(DirectoryEntry)))
        except SQLAlchemyError:
            pass  # the TTL and the directory's staleness checks bound what stays behind
