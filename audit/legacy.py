"""Adopting a store made before migrations: verify it is what the baseline creates, then stamp it.

Why verify and not just stamp: the stamp is a promise that every later revision's assumptions
hold. Before migrations, dsadmin kept a version number (``dsadmin_schema_version``) and created
missing tables on each start, so such a store holds the baseline's tables, possibly minus some
that were added later (created here, as the old start-up would have). Schema version 1 stores also
lack approval leases and carry single-column audit indexes; that one step is made here, as the old
start-up made it. Anything else that differs is reported and nothing is changed (the caller's
transaction is rolled back): such a store was altered by hand and needs a person to look at it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection, MetaData

from audit.db import StoreError

_SCHEMA1_EVENT_INDEXES = ("ix_audit_events_session_id", "ix_audit_events_actor", "ix_audit_events_kind",
                          "ix_audit_events_target")


def adopt(conn: Connection, legacy_version: int | None, baseline: MetaData, legacy_table: str) -> None:
    """Make ``conn``'s store exactly the baseline (creating missing tables only) or raise StoreError.

    ``conn`` is in the schema lock's transaction with the store's schema as its search path."""
    from audit.migrate import differences

    if legacy_version not in (None, 1, 2):
        raise StoreError(f"the store is at pre-migration schema version {legacy_version}, which no "
                         "dsadmin released: it cannot be adopted; nothing was changed")
    if legacy_version == 1:
        _schema1_to_2(conn, baseline)
    baseline.create_all(conn, checkfirst=True)  # tables added since the store was made
    problems = differences(conn, baseline)
    if problems:
        raise StoreError("the store's tables differ from what dsadmin created before migrations, so it "
                         "cannot be adopted safely; nothing was changed:\n  - " + "\n  - ".join(problems))
    if legacy_version is not None:
        conn.execute(sa.text(f"DROP TABLE {legacy_table}"))
    head = baseline.tables["audit_chain_head"]
    if conn.execute(sa.select(head.c.id).where(head.c.id == 1)).first() is None:
        conn.execute(head.insert().values(id=1, last_id=0, last_hash="0" * 64))


def _schema1_to_2(conn: Connection, baseline: MetaData) -> None:
    """Approval leases; the (column, id) indexes that serve ``audit tail`` instead of single columns;
    no index on sessions.actor (schema 2 dropped it from the models, without a step until now)."""
    stamp = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"
    found = sa.inspect(conn)
    if found.has_table("approvals"):  # else the caller creates it whole from the baseline
        columns = {c["name"] for c in found.get_columns("approvals")}
        if "lease_until" not in columns:
            conn.execute(sa.text(f"ALTER TABLE approvals ADD COLUMN lease_until {stamp}"))
        if "recovered" not in columns:
            conn.execute(sa.text("ALTER TABLE approvals ADD COLUMN recovered INTEGER"))
    for name in (*_SCHEMA1_EVENT_INDEXES, "ix_sessions_actor"):
        conn.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))
    if found.has_table("audit_events"):
        for index in baseline.tables["audit_events"].indexes:
            index.create(conn, checkfirst=True)
