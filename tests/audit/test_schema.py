"""Creating and upgrading the store: many first starts at once, old stores, private files."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

ROOT = Path(__file__).resolve().parents[2]
STARTERS = 8

_START = """
import sys
from audit import AuditLog, open_store
log = AuditLog(open_store(sys.argv[1]))
log.append("session_started", actor="p%s@acme.com" % sys.argv[2])
print("ok")
"""


def test_eight_processes_starting_on_an_empty_sqlite_store_all_succeed(tmp_path):
    for round_ in range(3):
        url = f"sqlite:///{tmp_path / f'fresh{round_}.db'}"
        procs = [subprocess.Popen([sys.executable, "-c", _START, url, str(i)], cwd=ROOT, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(STARTERS)]
        outcomes = [p.communicate(timeout=120) for p in procs]
        failures = [err for (out, err), p in zip(outcomes, procs, strict=True)
                    if p.returncode or out != "ok\n"]
        assert failures == [], failures[0]
        from audit import AuditLog, open_store

        log = AuditLog(open_store(url))
        report = log.verify()
        assert report.ok and report.checked == STARTERS
        log.close()


def test_the_sqlite_store_is_created_readable_by_its_owner_alone(tmp_path):
    from audit import AuditLog, open_store

    path = tmp_path / "private" / "dsadmin.db"
    log = AuditLog(open_store(f"sqlite:///{path}"))
    log.append("session_started")
    for file in (path, path.with_name("dsadmin.db-wal")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    log.close()


_SCHEMA1 = """
CREATE TABLE dsadmin_schema_version (id INTEGER PRIMARY KEY, version INTEGER);
INSERT INTO dsadmin_schema_version VALUES (1, 1);
CREATE TABLE audit_events (id INTEGER PRIMARY KEY, ts DATETIME, session_id VARCHAR(64), actor VARCHAR(320),
  kind VARCHAR(40), action VARCHAR(64), target VARCHAR(320), payload JSON, prev_hash VARCHAR(64),
  hash VARCHAR(64) UNIQUE);
CREATE INDEX ix_audit_events_actor ON audit_events (actor);
CREATE INDEX ix_audit_events_kind ON audit_events (kind);
CREATE INDEX ix_audit_events_target ON audit_events (target);
CREATE INDEX ix_audit_events_session_id ON audit_events (session_id);
CREATE TABLE audit_chain_head (id INTEGER PRIMARY KEY, last_id INTEGER, last_hash VARCHAR(64));
INSERT INTO audit_chain_head VALUES (1, 0, '{genesis}');
CREATE TABLE approvals (id VARCHAR(40) PRIMARY KEY, requester VARCHAR(320), session_id VARCHAR(64),
  action VARCHAR(64), operation VARCHAR(64), target VARCHAR(320), call_json TEXT, call_hash VARCHAR(64),
  summary TEXT, approver_role VARCHAR(40), status VARCHAR(20), approver VARCHAR(320), reason TEXT,
  created_at DATETIME, expires_at DATETIME, decided_at DATETIME, executed_at DATETIME, result_json TEXT);
"""


def test_a_schema_1_store_is_upgraded_in_place(tmp_path):
    from audit import AuditLog, open_store

    path = tmp_path / "old.db"
    raw = create_engine(f"sqlite:///{path}")
    with raw.begin() as conn:
        for statement in _SCHEMA1.format(genesis="0" * 64).split(";"):
            if statement.strip():
                conn.execute(text(statement))
    raw.dispose()
    engine = open_store(f"sqlite:///{path}")
    log = AuditLog(engine)
    log.append("decision", actor="admin@acme.com")
    assert log.verify().ok
    found = inspect(engine)
    names = {ix["name"] for ix in found.get_indexes("audit_events")}
    assert {"ix_audit_events_actor_id", "ix_audit_events_ts"} <= names
    assert "ix_audit_events_actor" not in names
    assert {"lease_until", "recovered"} <= {c["name"] for c in found.get_columns("approvals")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM dsadmin_schema_version")).scalar() == 2
    log.close()


def test_tail_by_actor_reads_the_index_not_the_table(tmp_path):
    from audit import open_store

    engine = open_store(f"sqlite:///{tmp_path / 'plan.db'}")
    with engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT * FROM audit_events WHERE actor = 'a@b.c' ORDER BY id DESC LIMIT 20"))
    assert "ix_audit_events_actor_id" in plan and "TEMP B-TREE" not in plan, plan
