"""Creating the store: many first starts at once (each migrating an empty store), private files.
Upgrades and adopting old stores: test_migrations.py."""

from __future__ import annotations

import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[2]
STARTERS = 8

_START = """
import sys
from audit import AuditLog, open_store
log = AuditLog(open_store(sys.argv[1], schema=sys.argv[3] if len(sys.argv) > 3 else None))
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


def test_processes_starting_on_an_empty_postgres_schema_all_succeed():
    """The advisory lock is taken before the schema is created, so even CREATE SCHEMA does not race."""
    import os

    url = os.environ.get("DSADMIN_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("DSADMIN_TEST_POSTGRES_URL is not set (a real PostgreSQL is needed)")
    from audit import AuditLog, open_store

    schema = f"t_{uuid.uuid4().hex[:12]}"
    starters = 4
    try:
        procs = [subprocess.Popen([sys.executable, "-c", _START, url, str(i), schema], cwd=ROOT, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(starters)]
        outcomes = [p.communicate(timeout=120) for p in procs]
        failures = [err for (out, err), p in zip(outcomes, procs, strict=True)
                    if p.returncode or out != "ok\n"]
        assert failures == [], failures[0]
        log = AuditLog(open_store(url, schema=schema))
        report = log.verify()
        assert report.ok and report.checked == starters
        log.close()
    finally:
        from audit.db import make_engine

        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def test_the_sqlite_store_is_created_readable_by_its_owner_alone(tmp_path):
    from audit import AuditLog, open_store

    path = tmp_path / "private" / "dsadmin.db"
    log = AuditLog(open_store(f"sqlite:///{path}"))
    log.append("session_started")
    for file in (path, path.with_name("dsadmin.db-wal")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    log.close()


def test_tail_by_actor_reads_the_index_not_the_table(tmp_path):
    from audit import open_store

    engine = open_store(f"sqlite:///{tmp_path / 'plan.db'}")
    with engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT * FROM audit_events WHERE actor = 'a@b.c' ORDER BY id DESC LIMIT 20"))
    assert "ix_audit_events_actor_id" in plan and "TEMP B-TREE" not in plan, plan


def test_a_database_that_is_down_is_named_with_its_url_and_cause_in_a_few_lines():
    """PostgreSQL not running (here: a port nothing listens on): the person reads the URL without its
    password and the driver's reason, not SQLAlchemy's link to its error catalogue."""
    from audit import StoreError, open_store

    with pytest.raises(StoreError) as down:
        open_store("postgresql+psycopg://dsadmin:s3cret@127.0.0.1:1/dsadmin")
    message = str(down.value)
    assert "cannot open the store at postgresql+psycopg://dsadmin:***@127.0.0.1:1/dsadmin" in message
    assert "refused" in message.lower() or "failed" in message.lower()
    assert "s3cret" not in message and "sqlalche.me" not in message and "[SQL" not in message
