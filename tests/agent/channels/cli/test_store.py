"""``dsadmin store status|upgrade``, and what every other command says about a store not at head."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from agent.channels.cli.main import app
from audit.migrations import HEAD

LEGACY_V2 = Path(__file__).parents[3] / "audit" / "legacy_v2_sqlite.sql"


def _store() -> Path:
    return Path(os.environ["DSADMIN_HOME"]) / "dsadmin.db"


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _legacy_store_with_one_event() -> None:
    """A store as dsadmin made it before migrations, holding one audit event it wrote."""
    from audit import AuditLog
    from audit.db import make_engine

    with sqlite3.connect(_store()) as db:
        db.executescript(LEGACY_V2.read_text())
    engine = make_engine(f"sqlite:///{_store()}")
    log = AuditLog(engine)
    log.append("decision", actor="admin@acme.com", payload={"kept": True})
    log.close()
    engine.dispose()


def test_status_of_a_store_not_made_yet_creates_nothing():
    result = CliRunner().invoke(app, ["store", "status", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"store": f"sqlite:///{_store()}", "state": "empty", "revision": None,
                                         "head": HEAD, "legacy_schema_version": None}
    assert not _store().exists()


def test_upgrade_creates_an_empty_store_at_head_and_a_second_run_has_nothing_to_do():
    runner = CliRunner()
    first = runner.invoke(app, ["store", "upgrade"])
    assert first.exit_code == 0, first.output
    assert "applied 0001: Baseline" in first.stdout and f"now at revision {HEAD} (head)" in first.stdout
    again = runner.invoke(app, ["store", "upgrade", "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["applied"] == [] and json.loads(again.stdout)["to"] == HEAD
    status = runner.invoke(app, ["store", "status"])
    assert f"revision: {HEAD}" in status.stdout and "state:    up to date" in status.stdout


def test_a_store_from_before_migrations_is_refused_until_upgraded_then_keeps_its_log():
    _legacy_store_with_one_event()
    runner = CliRunner()
    status = runner.invoke(app, ["store", "status", "--json"])
    assert json.loads(status.stdout)["state"] == "pre-migration"

    refused = runner.invoke(app, ["audit", "tail", "--json"])
    assert refused.exit_code == 1
    assert "before migrations (schema version 2)" in refused.stderr
    assert "run `dsadmin store upgrade`" in refused.stderr and "Traceback" not in refused.output
    assert "dsadmin_schema_version" in _tables(_store())  # refusing changed nothing

    upgraded = runner.invoke(app, ["store", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "adopted the store made before migrations (schema version 2)" in upgraded.stdout
    assert "applied 0002" in upgraded.stdout and "applied 0001" not in upgraded.stdout
    assert "dsadmin_schema_version" not in _tables(_store())

    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    tail = runner.invoke(app, ["audit", "tail", "--json"])
    assert tail.exit_code == 0, tail.output
    assert [json.loads(line)["payload"] for line in tail.stdout.splitlines()] == [{"kept": True}]


def test_an_unadoptable_store_is_reported_and_left_as_it_was():
    _legacy_store_with_one_event()
    with sqlite3.connect(_store()) as db:
        db.execute("ALTER TABLE sessions ADD COLUMN nickname TEXT")
    result = CliRunner().invoke(app, ["store", "upgrade"])
    assert result.exit_code == 1
    assert "cannot be adopted safely; nothing was changed" in result.stderr
    assert "remove_column sessions.nickname" in result.stderr and "Traceback" not in result.output
    tables = _tables(_store())
    assert "dsadmin_schema_version" in tables and "dsadmin_alembic_version" not in tables


def test_config_check_names_the_upgrade_for_a_store_other_commands_would_refuse():
    runner = CliRunner()
    assert runner.invoke(app, ["store", "upgrade"]).exit_code == 0
    fine = runner.invoke(app, ["config", "check"])
    assert f"schema at revision {HEAD} (head)" in fine.output, fine.output
    for leftover in (_store(), _store().with_name("dsadmin.db-wal"), _store().with_name("dsadmin.db-shm")):
        leftover.unlink(missing_ok=True)
    _legacy_store_with_one_event()
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 1 and "✓ configuration works" not in result.output
    assert "✗ store" in result.output and "run `dsadmin store upgrade`" in result.output
