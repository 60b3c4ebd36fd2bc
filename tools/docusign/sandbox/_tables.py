"""The tables of a file-backed sandbox: users (with memberships), tokens and integrations over SQLite.

Why an identity map with snapshots: the operations in ``_reads``/``_writes`` change plain
dataclasses, as they do in memory; comparing each loaded row with what was read finds the few rows
a request changed, so a commit writes those and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any, TypeVar

from tools.docusign.sandbox._state import Integration, Membership, Token, User, UserQuery

if TYPE_CHECKING:
    from tools.docusign.sandbox._store import SqliteStore

E = TypeVar("E", Integration, Token)  # the kinds of entity rows

INSERT_USER = (
    "INSERT INTO users (id, email_lower, user_status, last_modified_on, redacted, data) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_UPSERT_USER = (
    " ON CONFLICT (id) DO UPDATE SET email_lower = excluded.email_lower, user_status = excluded.user_status, "
    "last_modified_on = excluded.last_modified_on, redacted = excluded.redacted, data = excluded.data"
)
INSERT_MEMBERSHIP = (
    "INSERT INTO memberships (user_id, account_id, status, profile_id, data) VALUES (?, ?, ?, ?, ?)"
)
_UPSERT_MEMBERSHIP = (
    " ON CONFLICT (user_id, account_id) DO UPDATE SET status = excluded.status, "
    "profile_id = excluded.profile_id, data = excluded.data"
)
UPSERT_META = (
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
_USER_FIELDS = tuple(f.name for f in fields(User) if f.name != "memberships")
_MEMBERSHIP_FIELDS = tuple(f.name for f in fields(Membership))


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def user_json(user: User) -> str:
    return dumps([getattr(user, name) for name in _USER_FIELDS])


def membership_json(m: Membership) -> str:
    return dumps([getattr(m, name) for name in _MEMBERSHIP_FIELDS])


class _Snapshot:
    """What a loaded user looked like in the database: its row and its membership rows."""

    __slots__ = ("memberships", "user")

    def __init__(self, user: str | None, memberships: dict[str, str]) -> None:
        self.user = user
        self.memberships = memberships


class SqlUsers(MutableMapping[str, User]):
    """The user table of a file-backed sandbox: an identity map over ``users`` and ``memberships``.

    Loaded users live until the end of the current transaction; ``flush`` writes those that
    changed (and new ones) before any query, so a query sees this request's own changes.
    """

    def __init__(self, db: SqliteStore) -> None:
        self._db = db
        self._loaded: dict[str, User] = {}
        self._snap: dict[str, _Snapshot] = {}
        self._deleted: set[str] = set()

    # -- the mapping ------------------------------------------------------------------------------------
    def __getitem__(self, user_id: str) -> User:
        found = self._loaded.get(user_id)
        if found is None:
            if user_id in self._deleted:
                raise KeyError(user_id)
            rows = self._select("u.id = ?", (user_id,))
            if not rows:
                raise KeyError(user_id)
            found = rows[0]
        return found

    def __setitem__(self, user_id: str, user: User) -> None:
        self._deleted.discard(user_id)
        self._loaded[user_id] = user

    def __delitem__(self, user_id: str) -> None:
        self[user_id]  # KeyError when absent
        self._loaded.pop(user_id, None)
        self._deleted.add(user_id)

    def __contains__(self, user_id: object) -> bool:
        try:
            self[user_id]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        self.flush()
        return iter([row[0] for row in self._db.conn.execute("SELECT id FROM users ORDER BY seq")])

    def __len__(self) -> int:
        self.flush()
        count: int = self._db.conn.execute("SELECT count(*) FROM users").fetchone()[0]
        return count

    def values(self) -> list[User]:  # type: ignore[override]  # one pass over the table, not a query per user
        return self._select("1", ())

    def items(self) -> list[tuple[str, User]]:  # type: ignore[override]  # from the same one pass
        return [(u.id, u) for u in self.values()]

    # -- the table API the operations use ---------------------------------------------------------------
    def find_email(self, email: str) -> User | None:
        rows = self._select("u.email_lower = ?", (email.strip().lower(),))
        return rows[0] if rows else None

    def email_changed(self, user: User, old_email: str) -> None:
        """Nothing to index: the row's ``email_lower`` is rewritten when the user is flushed."""

    def candidates(self, query: UserQuery) -> list[User]:
        where: list[str] = ["u.redacted = 0"]
        args: list[str | float | int] = []
        if query.email:
            where.append("u.email_lower = ?")
            args.append(query.email.strip().lower())
        if query.user_statuses:
            where.append(f"u.user_status IN ({_marks(query.user_statuses)})")
            args.extend(sorted(query.user_statuses))
        if query.since is not None:
            where.append("u.last_modified_on >= ?")
            args.append(query.since)
        if query.host:
            where.append("u.email_lower LIKE ? ESCAPE '\\'")
            args.append(
                "%@" + query.host.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            )
        member: list[str] = []
        if query.account_id:
            member.append("m.account_id = ?")
            args.append(query.account_id)
        if query.membership_statuses:
            member.append(f"m.status IN ({_marks(query.membership_statuses)})")
            args.extend(sorted(query.membership_statuses))
        if query.profile_id is not None:
            member.append("m.profile_id = ?")
            args.append(query.profile_id)
        if member:
            where.append(
                "EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND " + " AND ".join(member) + ")"
            )
        return self._select(" AND ".join(where), tuple(args))

    # -- loading and writing ----------------------------------------------------------------------------
    def _select(self, where: str, args: tuple[Any, ...]) -> list[User]:
        """Users matching ``where`` (on ``users u``), in insertion order, through the identity map."""
        self.flush()
        conn = self._db.conn
        rows = conn.execute(f"SELECT u.id, u.data FROM users u WHERE {where} ORDER BY u.seq", args).fetchall()
        if not rows:
            return []
        wanted = {user_id for user_id, _ in rows if user_id not in self._loaded}
        memberships: dict[str, dict[str, str]] = {user_id: {} for user_id in wanted}
        if wanted:
            query = (
                "SELECT m.user_id, m.account_id, m.data FROM memberships m "
                f"WHERE m.user_id IN (SELECT u.id FROM users u WHERE {where}) ORDER BY m.rowid"
                if len(wanted) > 500
                else f"SELECT user_id, account_id, data FROM memberships WHERE user_id IN ({_marks(wanted)}) "
                "ORDER BY rowid"
            )
            for user_id, account_id, data in conn.execute(
                query, args if len(wanted) > 500 else tuple(wanted)
            ):
                if user_id in memberships:
                    memberships[user_id][account_id] = data
        out = []
        for user_id, data in rows:
            user = self._loaded.get(user_id)
            if user is None:
                user = User(**dict(zip(_USER_FIELDS, json.loads(data), strict=True)))
                user.memberships = {
                    account_id: Membership(**dict(zip(_MEMBERSHIP_FIELDS, json.loads(m), strict=True)))
                    for account_id, m in memberships[user_id].items()
                }
                self._loaded[user_id] = user
                self._snap[user_id] = _Snapshot(data, memberships[user_id])
            out.append(user)
        return out

    def flush(self) -> bool:
        """Write the loaded users that changed, the new ones and the deletions; True if any."""
        conn = self._db.conn
        wrote = False
        for user_id in self._deleted:
            conn.execute("DELETE FROM memberships WHERE user_id = ?", (user_id,))
            conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
            self._snap.pop(user_id, None)
            wrote = True
        self._deleted.clear()
        for user_id, user in self._loaded.items():
            snap = self._snap.get(user_id)
            data = user_json(user)
            rows = {account_id: membership_json(m) for account_id, m in user.memberships.items()}
            if snap is not None and snap.user == data and snap.memberships == rows:
                continue
            wrote = True
            conn.execute(
                INSERT_USER + _UPSERT_USER,
                user_row(user, data),
            )
            before = snap.memberships if snap is not None else None
            if before is None:
                conn.execute("DELETE FROM memberships WHERE user_id = ?", (user_id,))
                before = {}
            for account_id in before.keys() - rows.keys():
                conn.execute(
                    "DELETE FROM memberships WHERE user_id = ? AND account_id = ?", (user_id, account_id)
                )
            changed = [
                membership_row(user_id, user.memberships[a], rows[a])
                for a in rows
                if before.get(a) != rows[a]
            ]
            conn.executemany(
                INSERT_MEMBERSHIP + _UPSERT_MEMBERSHIP,
                changed,
            )
            self._snap[user_id] = _Snapshot(data, rows)
        return wrote

    def forget(self) -> None:
        """Drop every loaded user (end of a transaction: another process may change them next)."""
        self._loaded.clear()
        self._snap.clear()
        self._deleted.clear()


class EntityMap(MutableMapping[str, E]):
    """Tokens or integrations: one JSON row each in ``entities``, loaded on demand, written on flush."""

    def __init__(self, db: SqliteStore, kind: str, factory: Callable[..., E]) -> None:
        self._db, self._kind = db, kind
        self._factory: Callable[..., E] = factory
        self._loaded: dict[str, E] = {}
        self._snap: dict[str, str | None] = {}
        self._deleted: set[str] = set()

    def __getitem__(self, key: str) -> E:
        if key in self._loaded:
            return self._loaded[key]
        if key in self._deleted:
            raise KeyError(key)
        row = self._db.conn.execute(
            "SELECT data FROM entities WHERE kind = ? AND key = ?", (self._kind, key)
        ).fetchone()
        if row is None:
            raise KeyError(key)
        return self._remember(key, row[0])

    def _remember(self, key: str, data: str) -> E:
        value: E = self._factory(**json.loads(data))
        self._loaded[key] = value
        self._snap[key] = data
        return value

    def __setitem__(self, key: str, value: E) -> None:
        self._deleted.discard(key)
        self._loaded[key] = value
        self._snap.setdefault(key, None)

    def __delitem__(self, key: str) -> None:
        self[key]
        self._loaded.pop(key, None)
        self._deleted.add(key)

    def __iter__(self) -> Iterator[str]:
        return iter([key for key, _ in self.items()])

    def __len__(self) -> int:
        return len(self.items())

    def items(self) -> list[tuple[str, E]]:  # type: ignore[override]  # a list: one query, then reused
        self.flush()
        rows = self._db.conn.execute(
            "SELECT key, data FROM entities WHERE kind = ? ORDER BY rowid", (self._kind,)
        ).fetchall()
        return [
            (key, self._loaded[key] if key in self._loaded else self._remember(key, data))
            for key, data in rows
        ]

    def values(self) -> list[E]:  # type: ignore[override]  # a list, as items
        return [value for _, value in self.items()]

    def flush(self) -> bool:
        conn, wrote = self._db.conn, bool(self._deleted)
        for key in self._deleted:
            conn.execute("DELETE FROM entities WHERE kind = ? AND key = ?", (self._kind, key))
            self._snap.pop(key, None)
        self._deleted.clear()
        for key, value in self._loaded.items():
            data = dumps(asdict(value))
            if self._snap.get(key) != data:
                conn.execute(
                    "INSERT INTO entities (kind, key, data) VALUES (?, ?, ?) "
                    "ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data",
                    (self._kind, key, data),
                )
                self._snap[key] = data
                wrote = True
        return wrote

    def forget(self) -> None:
        self._loaded.clear()
        self._snap.clear()
        self._deleted.clear()


def _marks(values: Iterable[Any]) -> str:
    return ", ".join("?" for _ in values)


def user_row(user: User, data: str) -> tuple[Any, ...]:
    return (
        user.id,
        user.email.lower(),
        user.user_status,
        user.last_modified_on,
        int(user.redacted_on is not None),
        data,
    )


def membership_row(user_id: str, m: Membership, data: str) -> tuple[Any, ...]:
    return (user_id, m.account_id, m.status, m.profile_id, data)
