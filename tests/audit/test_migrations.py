"""Migrations: they produce exactly the models' schema; old stores are adopted, never lost; an
out-of-date store is refused on open and upgraded only by ``upgrade`` (``dsadmin store upgrade``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from audit import AuditLog, StoreError, open_store
from audit.db import make_engine
from audit.migrate import (
    LEGACY_TABLE,
    differences,
    locked,
    model_metadata,
    read_state,
    stamped_revisions,
    status,
    upgrade,
)
from audit.migrations import BASELINE, HEAD, LOCATION, VERSION_TABLE

HERE = Path(__file__).parent
SLACK_TABLE_AS_THE_CHANNEL_MADE_IT = (
    "CREATE TABLE slack_events_seen (event_id VARCHAR(128) NOT NULL, seen_at {stamp} NOT NULL, "
    "PRIMARY KEY (event_id))"
)


def _run_sql(engine: Engine, script: str) -> None:
    """SQL as an older dsadmin (or a person) sent it, in the store's own schema."""
    with locked(engine) as conn:  # the schema exists and is the search path afterwards
        for statement in script.split(";"):
            lines = [ln for ln in statement.splitlines() if not ln.startswith("--")]
            if "".join(lines).strip():
                conn.exec_driver_sql("\n".join(lines))


def _legacy_store(engine: Engine) -> None:
    _run_sql(engine, (HERE / f"legacy_v2_{engine.dialect.name}.sql").read_text())


def _timestamp_type(engine: Engine) -> str:
    return "TIMESTAMP WITH TIME ZONE" if engine.dialect.name == "postgresql" else "DATETIME"


def _store_tables(engine: Engine) -> set[str]:
    with locked(engine) as conn:
        return set(inspect(conn).get_table_names())


# -- the migrations produce the models -------------------------------------------------------------


def test_head_names_the_newest_script_and_the_baseline_the_oldest():
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(LOCATION))
    assert scripts.get_heads() == [HEAD], "update audit.migrations.HEAD after adding a revision"
    assert scripts.get_base() == BASELINE


def test_migrating_an_empty_store_produces_exactly_the_models_schema(bare_engine):
    engine = bare_engine
    assert stamped_revisions(engine) is None
    open_store(engine.url.render_as_string(hide_password=False),
               schema=(engine.get_execution_options().get("schema_translate_map") or {}).get(None))
    with locked(engine) as conn:
        assert differences(conn, model_metadata()) == []  # what `alembic check` would call no diff
        assert read_state(conn).kind == "current"
    assert stamped_revisions(engine) == [HEAD]
    log = AuditLog(engine)  # the baseline seeded the chain's genesis head
    log.append("session_started", actor="admin@acme.com")
    assert log.verify().ok
    log.close()


def test_a_model_change_without_a_migration_is_caught(store_engine):
    """The comparison above can fail: a column the models gain shows up as a difference."""
    import sqlalchemy as sa

    metadata = sa.MetaData()
    for table in model_metadata().tables.values():
        table.to_metadata(metadata)
    metadata.tables["sessions"].append_column(sa.Column("nickname", sa.String(40)))
    with locked(store_engine) as conn:
        assert differences(conn, metadata) == ["add_column sessions.nickname"]


# -- upgrades between revisions --------------------------------------------------------------------


def test_a_store_at_the_baseline_is_refused_on_open_then_upgraded_to_the_second_revision(bare_engine):
    from alembic import command

    from audit.migrate import _config

    with locked(bare_engine) as conn:
        command.upgrade(_config(conn), BASELINE)
    log = AuditLog(bare_engine)
    log.append("decision", actor="admin@acme.com", payload={"before": "upgrade"})
    log.close()
    schema = (bare_engine.get_execution_options().get("schema_translate_map") or {}).get(None)
    url = bare_engine.url.render_as_string(hide_password=False)

    behind = r"revision 0001, this dsadmin needs 0002: run `dsadmin store upgrade`"
    with pytest.raises(StoreError, match=behind):
        open_store(url, schema=schema)
    assert stamped_revisions(bare_engine) == [BASELINE]  # refusing changed nothing
    assert "slack_events_seen" not in _store_tables(bare_engine)

    done = upgrade(bare_engine)
    assert (done.before.revision, done.after.revision, done.adopted) == (BASELINE, HEAD, False)
    assert [rev for rev, _ in done.applied] == ["0002"]
    reopened = AuditLog(open_store(url, schema=schema))
    assert reopened.verify().checked == 1
    assert reopened.append("decision", payload={"after": "upgrade"}) == 2
    with locked(bare_engine) as conn:
        assert differences(conn, model_metadata()) == []
    reopened.close()


def test_a_store_from_a_newer_dsadmin_is_refused_and_left_alone(store_engine):
    with locked(store_engine) as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '9999_future'"))
    schema = (store_engine.get_execution_options().get("schema_translate_map") or {}).get(None)
    url = store_engine.url.render_as_string(hide_password=False)
    with pytest.raises(StoreError, match="upgrade dsadmin"):
        open_store(url, schema=schema)
    with pytest.raises(StoreError, match="upgrade dsadmin"):
        upgrade(store_engine)
    assert stamped_revisions(store_engine) == ["9999_future"]
    assert status(store_engine).kind == "newer"


# -- adopting stores made before migrations --------------------------------------------------------


def test_a_store_made_by_the_code_before_migrations_is_adopted_with_its_data(bare_engine):
    _legacy_store(bare_engine)
    old = AuditLog(bare_engine)  # the old code wrote through the same log
    for n in range(3):
        old.append("decision", actor="admin@acme.com", payload={"n": n})
    old.close()
    schema = (bare_engine.get_execution_options().get("schema_translate_map") or {}).get(None)
    url = bare_engine.url.render_as_string(hide_password=False)

    with pytest.raises(StoreError, match=r"before migrations \(schema version 2\).*dsadmin store upgrade"):
        open_store(url, schema=schema)
    assert LEGACY_TABLE in _store_tables(bare_engine) and stamped_revisions(bare_engine) is None

    done = upgrade(bare_engine)
    assert done.adopted and done.before.kind == "pre-migration" and done.after.revision == HEAD
    assert [rev for rev, _ in done.applied] == ["0002"]
    assert LEGACY_TABLE not in _store_tables(bare_engine)
    log = AuditLog(open_store(url, schema=schema))
    report = log.verify()
    assert report.ok and report.checked == 3
    assert [r.payload["n"] for r in log.records()] == [0, 1, 2]
    assert log.append("decision", payload={"n": 3}) == 4
    log.close()


def test_adopting_keeps_the_slack_ledger_the_channel_had_made(bare_engine):
    _legacy_store(bare_engine)
    _run_sql(bare_engine, SLACK_TABLE_AS_THE_CHANNEL_MADE_IT.format(stamp=_timestamp_type(bare_engine)) +
             ";INSERT INTO slack_events_seen VALUES ('Ev1', '2026-11-30 10:00:00')")
    upgrade(bare_engine)
    with locked(bare_engine) as conn:
        assert conn.execute(text("SELECT event_id FROM slack_events_seen")).scalars().all() == ["Ev1"]
        assert differences(conn, model_metadata()) == []


def test_a_store_altered_by_hand_is_not_adopted_and_not_changed(bare_engine):
    _legacy_store(bare_engine)
    _run_sql(bare_engine, "ALTER TABLE api_tokens ADD COLUMN note TEXT; DROP INDEX ix_audit_events_ts")
    before = _store_tables(bare_engine)
    with pytest.raises(StoreError) as refused:
        upgrade(bare_engine)
    message = str(refused.value)
    assert "cannot be adopted safely; nothing was changed" in message
    assert "remove_column api_tokens.note" in message and "ix_audit_events_ts" in message
    assert _store_tables(bare_engine) == before and stamped_revisions(bare_engine) is None


def test_a_schema_1_store_gets_its_leases_and_tail_indexes_when_adopted(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    _run_sql(engine, (HERE / "legacy_v1_sqlite.sql").read_text())
    with pytest.raises(StoreError, match=r"schema version 1\).*dsadmin store upgrade"):
        open_store(url)
    done = upgrade(engine)
    assert done.adopted and done.before.legacy_version == 1
    found = inspect(engine)
    names = {ix["name"] for ix in found.get_indexes("audit_events")}
    assert {"ix_audit_events_actor_id", "ix_audit_events_ts"} <= names
    assert "ix_audit_events_actor" not in names
    assert "ix_sessions_actor" not in {ix["name"] for ix in found.get_indexes("sessions")}
    assert {"lease_until", "recovered"} <= {c["name"] for c in found.get_columns("approvals")}
    assert "audit_checkpoints" in found.get_table_names()  # made as the old start-up would have
    log = AuditLog(open_store(url))
    log.append("decision", actor="admin@acme.com")
    assert log.verify().ok
    log.close()
