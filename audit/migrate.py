"""Where a store's schema stands, and bringing it to this dsadmin's head revision (Alembic).

What happens on open (``audit.db.open_store``), decided for a store that several instances share:

- at head: nothing, after one ``SELECT`` (Alembic is not even imported);
- empty (none of dsadmin's tables): migrated to head by whichever process opens it first;
- anything else is refused with a message naming ``dsadmin store upgrade``: an older revision, a
  store made before migrations (it is adopted by that command), or a revision newer than this
  dsadmin (then dsadmin is what needs upgrading).

Why not upgrade a non-empty store on open: a PostgreSQL store is shared by instances that may run
different versions, and an upgrade changes tables they are all using; it should happen when an
operator chose the moment (after a backup), not whenever a command happens to start first.

Every change runs in one transaction holding the store's schema lock (PostgreSQL: an advisory
lock; SQLite: the file's write lock, ``BEGIN IMMEDIATE``; both backends have transactional DDL),
so processes starting together on an empty store create it once, and a failed upgrade or a
refused adoption leaves the store exactly as it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, MetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.schema import ColumnCollectionConstraint

from audit.db import StoreError
from audit.migrations import BASELINE, HEAD, LOCATION, VERSION_TABLE

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

LOCK_KEY = 724177001  # pg_advisory_xact_lock key: one schema change at a time per database
LEGACY_TABLE = "dsadmin_schema_version"  # the version row of stores made before migrations
UPGRADE_HINT = "run `dsadmin store upgrade` (back it up first)"

_VERSION = sa.Table(VERSION_TABLE, MetaData(), sa.Column("version_num", sa.String(32), primary_key=True))


def model_metadata() -> MetaData:
    """Every table the store holds, as the models define them (what head must produce)."""
    from audit import directory_cache, service_tables  # noqa: F401  (register their tables)
    from audit.models import Base

    return Base.metadata


@dataclass(frozen=True)
class SchemaState:
    """What a store holds: its stamped revision, a pre-migration version row, dsadmin's tables."""

    revision: str | None
    legacy_version: int | None
    tables: frozenset[str]
    known: bool  # the stamped revision is one of this dsadmin's scripts (False: made by a newer one)
    head: str = HEAD

    @property
    def kind(self) -> str:
        """empty | current | behind | newer | pre-migration."""
        if self.revision is None:
            return "pre-migration" if self.tables else "empty"
        if self.revision == self.head:
            return "current"
        return "behind" if self.known else "newer"

    def advice(self, store: str = "the store") -> str:
        """Why ``store`` cannot be used as it is, and what to run; empty when it can."""
        at = f"{store} is at revision {self.revision}"
        return {
            "current": "",
            "empty": "",
            "behind": f"{at}, this dsadmin needs {self.head}: {UPGRADE_HINT}",
            "newer": f"{at}, newer than this dsadmin knows (its head is {self.head}): upgrade dsadmin",
            "pre-migration": f"{store} was made by a dsadmin from before migrations (schema version "
                             f"{self.legacy_version or '?'}): {UPGRADE_HINT} to adopt it; its data is kept",
        }[self.kind]

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.kind, "revision": self.revision, "head": self.head,
                "legacy_schema_version": self.legacy_version}


def stamped_revisions(engine: Engine) -> list[str] | None:
    """The revisions the store is stamped with, read without locking; None when unreadable."""
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(_VERSION.c.version_num)).scalars())
    except DBAPIError:  # no version table yet (or no store at all: the locked path reports it)
        return None


def ensure_current(engine: Engine) -> None:
    """Migrate an empty store to head; refuse (``StoreError``) any store not already at head."""
    if stamped_revisions(engine) == [HEAD]:
        return
    with locked(engine) as conn:
        state = read_state(conn)
        if state.kind == "empty":
            _alembic_upgrade(conn)
        elif state.kind != "current":
            raise StoreError(state.advice(f"the store at {engine.url.render_as_string()}"))


def status(engine: Engine) -> SchemaState:
    """Where the store stands; changes nothing and takes no lock."""
    with _connection(engine) as conn:
        return read_state(conn)


@dataclass(frozen=True)
class Upgrade:
    before: SchemaState
    after: SchemaState
    adopted: bool
    applied: list[tuple[str, str]]  # (revision, its first docstring line), oldest first


def upgrade(engine: Engine) -> Upgrade:
    """Bring any store made by this dsadmin or an older one to head, adopting a pre-migration store.

    The result is compared with the models before the transaction commits; any difference rolls
    everything back and is reported, so "upgraded" is only said of a store that matches."""
    with locked(engine) as conn:
        before = read_state(conn)
        if before.kind == "newer":
            raise StoreError(before.advice())
        adopted = before.kind == "pre-migration"
        if adopted:
            from audit import legacy

            legacy.adopt(conn, before.legacy_version, _baseline_metadata(), LEGACY_TABLE)
            _stamp(conn, BASELINE)
        start = BASELINE if adopted else before.revision
        _alembic_upgrade(conn)
        problems = differences(conn, model_metadata())
        if problems:
            raise StoreError("after upgrading, the store's tables differ from this dsadmin's models, so "
                             "nothing was changed:\n  - " + "\n  - ".join(problems))
        after = read_state(conn)
    return Upgrade(before, after, adopted, _applied(start, after.revision))


def read_state(conn: Connection) -> SchemaState:
    names = set(sa.inspect(conn).get_table_names())
    ours = frozenset(names & set(model_metadata().tables))
    revision = legacy_version = None
    if VERSION_TABLE in names:
        revisions = list(conn.execute(sa.select(_VERSION.c.version_num)).scalars())
        revision = ",".join(revisions) or None
    if LEGACY_TABLE in names:
        legacy_version = conn.execute(sa.text(f"SELECT version FROM {LEGACY_TABLE} WHERE id = 1")).scalar()
        ours |= {LEGACY_TABLE}
    known = revision is None or revision == HEAD or _is_known(revision)
    return SchemaState(revision, legacy_version, ours, known)


def differences(conn: Connection, metadata: MetaData) -> list[str]:
    """How the store's tables differ from ``metadata`` (Alembic's autogenerate comparison), as
    readable lines; tables the metadata does not name (another application's) are not compared."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def ours(name: str | None, type_: str, _parent: Any) -> bool:
        return type_ != "table" or name in metadata.tables

    ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": ours,
                                                 "version_table": VERSION_TABLE})
    return [describe(diff) for diff in compare_metadata(ctx, metadata)]


def describe(diff: Any) -> str:
    """One autogenerate difference as a line a person can act on."""
    if isinstance(diff, list):  # column modifications come grouped
        return "; ".join(describe(d) for d in diff)
    op, *rest = diff
    if op.startswith("modify_"):  # (op, schema, table, column, existing, old, new)
        what = op.removeprefix("modify_")
        return f"{what} of {rest[1]}.{rest[2]}: store has {rest[4]!r}, models {rest[5]!r}"
    subject = rest[-1]
    if isinstance(subject, sa.Column):
        return f"{op} {subject.table.name}.{subject.name}"
    name = getattr(subject, "name", None) or subject
    if isinstance(subject, ColumnCollectionConstraint | sa.Index):
        columns = ", ".join(c.name for c in subject.columns)
        name = f"{type(subject).__name__} {subject.name or ''}({columns})"
    table = getattr(getattr(subject, "table", None), "name", None)
    return f"{op} {name}" + (f" on {table}" if table else "")


@contextlib.contextmanager
def locked(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the store's schema lock; commits on success."""
    with _connection(engine, lock=True) as conn:
        yield conn


@contextlib.contextmanager
def _connection(engine: Engine, *, lock: bool = False) -> Iterator[Connection]:
    """Migrations address tables by bare name, so on PostgreSQL the store's schema (the engine's
    ``schema_translate_map``) becomes the transaction's ``search_path``: Alembic's own ALTER
    statements do not go through the translate map."""
    schema = (engine.get_execution_options().get("schema_translate_map") or {}).get(None)
    with engine.connect() as conn:
        conn.execution_options(schema_translate_map=None)
        with conn.begin():
            if conn.dialect.name == "sqlite" and lock:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            if conn.dialect.name == "postgresql":
                if lock:
                    conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({LOCK_KEY})"))
                if schema:
                    quoted = '"{}"'.format(schema.replace('"', '""'))
                    if lock:
                        conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
                    conn.execute(sa.text(f"SET LOCAL search_path TO {quoted}"))
            yield conn


def _config(conn: Connection) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(LOCATION).replace("%", "%%"))
    cfg.attributes["connection"] = conn
    return cfg


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(LOCATION))


def _alembic_upgrade(conn: Connection) -> None:
    from alembic import command

    command.upgrade(_config(conn), "head")


def _stamp(conn: Connection, revision: str) -> None:
    from alembic.migration import MigrationContext

    MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).stamp(_scripts(), revision)


def _baseline_metadata() -> MetaData:
    """The tables the baseline revision creates, frozen in its script."""
    script = _scripts().get_revision(BASELINE)
    assert script is not None and script.module is not None
    metadata: MetaData = script.module.metadata
    return metadata


def _is_known(revision: str) -> bool:
    scripts = _scripts()
    try:
        return all(scripts.get_revision(rev) is not None for rev in revision.split(","))
    except Exception:  # alembic raises its own ResolutionError for an unknown id
        return False


def _applied(start: str | None, end: str | None) -> list[tuple[str, str]]:
    if end is None or start == end:
        return []
    steps = _scripts().iterate_revisions(end, start or "base")
    return [(s.revision, (s.doc or "").splitlines()[0]) for s in reversed(list(steps))]
