"""`verify` on SQLite hashes the canonical text SQLite assembles, and falls back to Python's exact
form where the two quote differently (non-ASCII, control characters): such events still verify,
and a change to them is still caught."""

from __future__ import annotations

import sqlite3

import pytest

from audit import AuditLog, open_store

ODD = {"name": "Müller \u2603 \u00e9", "note": "line\nbreak\ttab \x01 \"quoted\" back\\slash", "n": 1}


@pytest.fixture
def log(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    log = AuditLog(engine)
    log.append("decision", actor="zoë@acme.com", target="jürgen@acme.com", payload=ODD)
    log.append("decision", actor="a@acme.com", session_id="s-1", payload={"plain": "ascii"})
    log.append("docusign_request", actor="a@acme.com", payload={"x": "Ä"})
    yield log
    log.close()
    engine.dispose()


def _edit(tmp_path, sql: str) -> None:
    with sqlite3.connect(tmp_path / "store.db") as conn:
        conn.execute(sql)


def test_events_with_any_text_verify(log):
    report = log.verify()
    assert report.ok and report.checked == 3


@pytest.mark.parametrize(
    ("sql", "bad"),
    [
        ("UPDATE audit_events SET target = 'jurgen@acme.com' WHERE id = 1", 1),
        ("UPDATE audit_events SET payload = '{\"x\":\"Ö\"}' WHERE id = 3", 3),
        ("UPDATE audit_events SET session_id = 's-2' WHERE id = 2", 2),
        ("UPDATE audit_events SET actor = NULL WHERE id = 2", 2),
    ],
)
def test_a_change_is_caught_whatever_the_text(log, tmp_path, sql, bad):
    _edit(tmp_path, sql)
    report = log.verify()
    assert not report.ok and report.first_bad_id == bad
