"""File-backed state on SQLite: a row per user and per membership; a request touches only its rows.

Why SQLite and not the JSON file it replaces: that file was loaded and rewritten whole (42 MB at
50,000 users) at open, at token issue and after each write, and a process opening it during
another's write saved a stale copy over the change. Here each request is one transaction
(``BEGIN IMMEDIATE``: one writer at a time across processes; WAL: readers are not blocked; a busy
timeout instead of an error), users are loaded on demand by id or email, listings are narrowed by
indexed columns, and a commit writes only the rows that changed (found by comparing each loaded
row with what was read). A version number in ``meta`` tells a process that another one committed,
so it re-reads the few small entities it keeps between requests (organization and accounts).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from tools.docusign.sandbox._jobs import SCHEMA as JOBS_SCHEMA
from tools.docusign.sandbox._jobs import SqlJobs
from tools.docusign.sandbox._state import Integration, Organization, State, Token, account_from_json
from tools.docusign.sandbox._tables import (
    INSERT_MEMBERSHIP,
    INSERT_USER,
    UPSERT_META,
    EntityMap,
    SqlUsers,
    dumps,
    membership_json,
    membership_row,
    user_json,
    user_row,
)

DB_FILE = "state.db"
LEGACY_FILE = "state.json"  # the JSON file earlier versions kept; imported once, then renamed
BUSY_TIMEOUT_SECONDS = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    email_lower TEXT NOT NULL,
    user_status TEXT NOT NULL,
    last_modified_on REAL NOT NULL,
    redacted INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS users_email ON users (email_lower);
CREATE TABLE IF NOT EXISTS memberships (
    user_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    status TEXT NOT NULL,
    profile_id INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (user_id, account_id)
);
CREATE INDEX IF NOT EXISTS memberships_account ON memberships (account_id, status, profile_id);
CREATE INDEX IF NOT EXISTS memberships_status ON memberships (status);
CREATE TABLE IF NOT EXISTS entities (kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
                                     PRIMARY KEY (kind, key));
"""


class SqliteStore:
    """One sandbox state directory: ``state.db`` (0600), opened once per process."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = Path(state_dir)
        self.path = self.dir / DB_FILE
        self._conn: sqlite3.Connection | None = None
        self._depth = 0
        self._version: str | None = None
        self._org_json = ""
        self._accounts_json = ""
        self.clock_offset = 0.0
        self.state: State | None = None
        # the live state's tables (set by ``attach``): flushed on commit, forgotten after it
        self._tables: tuple[SqlUsers, EntityMap[Integration], EntityMap[Token]] | None = None

    # -- connection ---------------------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))  # never world-readable, even briefly
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
            )
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
                self._conn = conn
                with self._immediate():  # eight processes starting at once create the tables once
                    for statement in filter(str.strip, (_SCHEMA + ";" + JOBS_SCHEMA).split(";")):
                        conn.execute(statement)
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                    raise  # another process holds it: not a broken file
                self._conn = None
                conn.close()
                raise ValueError(f"{self.path}: is not a sandbox database ({exc}); run `dsadmin sandbox "
                                 "reset` to start the sandbox over") from None
        return self._conn

    def discard_if_unreadable(self) -> None:
        """Before a reset: a state file that is not a database (a truncated copy, a stray file) is
        removed, with its journal, since a reset throws the state away anyway."""
        try:
            _ = self.conn
        except ValueError:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    @contextmanager
    def _immediate(self) -> Iterator[None]:
        """A write transaction of this store's own (schema, import); a Sandbox one uses ``transaction``."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        self._depth += 1
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            self._depth -= 1
        conn.execute("COMMIT")

    def exists(self) -> bool:
        """True when the directory holds a sandbox (a database with an organization, or a legacy file)."""
        if (self.dir / LEGACY_FILE).is_file() and not self.path.is_file():
            return True
        if not self.path.is_file():
            return False
        return self.conn.execute("SELECT 1 FROM meta WHERE key = 'organization'").fetchone() is not None

    # -- the live state -----------------------------------------------------------------------------------
    def attach(self) -> State:
        """The state this process serves from the database: users, tokens and integrations load on demand."""
        self._import_legacy()
        if self.state is None:
            organization = Organization(name="", id="", created_on=0.0, last_modified_on=0.0)
            users, integrations, tokens = self._tables = (
                SqlUsers(self), EntityMap(self, "integration", Integration), EntityMap(self, "token", Token))
            self.state = State(organization=organization, users=users, integrations=integrations,
                               tokens=tokens, jobs=SqlJobs(lambda: self.conn))
        self._refresh()
        return self.state

    def _refresh(self) -> None:
        meta = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        if "organization" not in meta:
            raise ValueError(f"{self.path}: the sandbox state is unreadable; run `dsadmin sandbox reset`")
        assert self.state is not None
        try:
            self.state.organization = Organization(**json.loads(meta["organization"]))
            self.state.accounts = {a["id"]: account_from_json(a) for a in json.loads(meta["accounts"])}
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"{self.path}: the sandbox state is unreadable ({exc}); run `dsadmin sandbox reset`"
            ) from None
        self._org_json, self._accounts_json = meta["organization"], meta["accounts"]
        self.clock_offset = float(meta.get("clock_offset_seconds", 0.0))
        self._version = meta.get("version")
        self._forget()

    def _forget(self) -> None:
        assert self._tables is not None
        for table in self._tables:
            table.forget()

    @contextmanager
    def transaction(self, on_stale: Callable[[], None], clock_offset: Callable[[], float]) -> Iterator[None]:
        """One request (or one Sandbox method) against every other process using this directory.

        On entry: the write lock, and a re-read of what another process changed (``on_stale`` is
        told). On exit: the rows that changed are written and committed; an ``ApiError`` (a refused
        request, or a write whose response is lost on purpose) still commits what was applied, any
        other exception rolls back and forgets what was loaded.
        """
        from tools.docusign.sandbox._http import ApiError

        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            version = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if (version[0] if version else None) != self._version:
                self._refresh()
                on_stale()
            else:
                self._forget()
            try:
                yield
            except ApiError:
                self._commit(clock_offset())
                raise
            self._commit(clock_offset())
        except ApiError:
            raise  # committed above: what was applied stays, as DocuSign would keep it
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._version = None  # what this process holds may be ahead of the database: re-read it
            raise
        finally:
            self._depth = 0
            if self.state is not None:
                self._forget()

    def _commit(self, clock_offset: float) -> None:
        state = self.state
        assert state is not None and self._tables is not None
        wrote = any([table.flush() for table in self._tables])
        org = dumps(asdict(state.organization))
        accounts = dumps([asdict(a) for a in state.accounts.values()])
        changes = {}
        if org != self._org_json:
            changes["organization"] = self._org_json = org
        if accounts != self._accounts_json:
            changes["accounts"] = self._accounts_json = accounts
        if clock_offset != self.clock_offset:
            self.clock_offset = clock_offset
            changes["clock_offset_seconds"] = repr(clock_offset)
        if wrote or changes:
            self._version = changes["version"] = os.urandom(8).hex()
            self.conn.executemany(
                UPSERT_META,
                list(changes.items()),
            )
        self.conn.execute("COMMIT")

    # -- whole-org operations (reset, merge, import) ------------------------------------------------------
    def replace(self, state: State, clock_offset: float = 0.0, *, keep_jobs: bool = False) -> None:
        """Make the database hold ``state`` (an in-memory one) and nothing else: reset, and merge
        (``keep_jobs``: a merge keeps the bulk jobs, which an in-memory copy does not carry).
        Inside a transaction it joins it; else it is its own."""
        conn = self.conn
        own = self._depth == 0
        if own:
            conn.execute("BEGIN IMMEDIATE")
        try:
            for table in ("users", "memberships", "entities", "meta", *(() if keep_jobs else ("jobs",))):
                conn.execute(f"DELETE FROM {table}")
            conn.executemany(
                INSERT_USER,
                (user_row(u, user_json(u)) for u in state.users.values()),
            )
            conn.executemany(
                INSERT_MEMBERSHIP,
                (
                    membership_row(u.id, m, membership_json(m))
                    for u in state.users.values()
                    for m in u.memberships.values()
                ),
            )
            conn.executemany(
                "INSERT INTO entities (kind, key, data) VALUES (?, ?, ?)",
                [("integration", k, dumps(asdict(v))) for k, v in state.integrations.items()]
                + [("token", k, dumps(asdict(v))) for k, v in state.tokens.items()],
            )
            meta = {
                "organization": dumps(asdict(state.organization)),
                "accounts": dumps([asdict(a) for a in state.accounts.values()]),
                "clock_offset_seconds": repr(clock_offset),
                "version": os.urandom(8).hex(),
            }
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", list(meta.items()))
            if own:
                conn.execute("COMMIT")
        except BaseException:
            if own and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if self.state is not None:
            self._refresh()

    def create_if_absent(self, make: Callable[[], State]) -> None:
        """Seed the database with ``make()`` unless it already holds an org (checked under the write
        lock, so a process starting beside another never replaces what the other wrote)."""
        if self.exists():
            return
        with self._immediate():
            if self.conn.execute("SELECT 1 FROM meta WHERE key = 'organization'").fetchone() is None:
                self.replace(make())

    def load_full(self) -> State:
        """An in-memory copy of the whole org (for a merge, which validates a draft before applying)."""
        assert self.state is not None and self._tables is not None
        self._tables[0].flush()
        data = {
            "organization": json.loads(dumps(asdict(self.state.organization))),
            "accounts": {k: asdict(a) for k, a in self.state.accounts.items()},
            "users": {},
            "integrations": {k: asdict(v) for k, v in self.state.integrations.items()},
            "tokens": {k: asdict(v) for k, v in self.state.tokens.items()},
        }
        full = State.from_json(data)
        for user in SqlUsers(self).values():
            full.users[user.id] = user
        return full

    def _import_legacy(self) -> None:
        """A state directory from before the database: import its JSON file once (the first process
        to get the write lock does; the file is then renamed ``state.json.imported``)."""
        legacy = self.dir / LEGACY_FILE
        if not legacy.is_file():
            return
        with self._immediate():
            if not legacy.is_file():
                return  # another process imported it while this one waited
            if self.conn.execute("SELECT 1 FROM meta WHERE key = 'organization'").fetchone() is None:
                try:
                    data = json.loads(legacy.read_text())
                    state = State.from_json(data["state"])
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    raise ValueError(
                        f"{legacy}: the sandbox state is unreadable ({exc}); run `dsadmin sandbox reset`"
                    ) from None
                self.replace(state, float(data.get("extras", {}).get("clock_offset_seconds", 0.0)))
            os.replace(legacy, legacy.with_name(LEGACY_FILE + ".imported"))
