"""``dsadmin audit ...`` in a subprocess, against a temp SQLite store named by a config file."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audit import AuditLog, open_store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A directory with ./dsadmin.yaml pointing store.url at a store holding five events."""
    db = tmp_path / "audit.db"
    (tmp_path / "dsadmin.yaml").write_text(
        f"store:\n  url: sqlite:///{db}\npeople:\n  admins: [admin@acme.com]\n")
    times = iter(datetime.now(UTC) - timedelta(minutes=m) for m in (180, 170, 30, 20, 10))
    log = AuditLog(open_store(f"sqlite:///{db}"), clock=lambda: next(times))
    log.append("session_started", session_id="s1", actor="admin@acme.com")
    log.append("user_message", session_id="s1", actor="admin@acme.com",
               payload={"text": "give bob@acme.com DocuSign Sender on EMEA"})
    log.append("decision", session_id="s1", actor="admin@acme.com", action="manage_account_membership",
               target="bob@acme.com", payload={"decision": "allow", "reasons": ["admins may grant Sender"]})
    log.append("decision", session_id="s2", actor="eve@acme.com", action="manage_user",
               target="carol@acme.com",
               payload={"decision": "deny", "reasons": ["employees act on themselves"]})
    log.append("action_result", session_id="s1", actor="admin@acme.com", target="bob@acme.com",
               payload={"outcome": "done", "access_token": "leaked-into-a-result"})
    log.close()
    log.engine.dispose()
    return tmp_path


def run(workdir: Path, *args: str, entry_point: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "DSADMIN_HOME": str(workdir / "home")}
    env.pop("DSADMIN_CONFIG", None)
    if entry_point:
        cmd = [str(Path(sys.executable).with_name("dsadmin")), *args]
    else:
        cmd = [sys.executable, "-m", "agent.channels.cli", "audit", *args]
    return subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=60)


def test_tail_filtered_json(workdir):
    filtered = run(workdir, "tail", "--json", "--actor", "ADMIN@acme.com", "--kind", "decision",
                   "--since", "1h")
    assert filtered.returncode == 0, filtered.stderr
    events = [json.loads(line) for line in filtered.stdout.splitlines()]
    assert [e["id"] for e in events] == [3]
    assert events[0]["payload"] == {"decision": "allow", "reasons": ["admins may grant Sender"]}
    assert events[0]["ts"].endswith("Z")


def test_show_one_event(workdir):
    shown = run(workdir, "show", "5")
    assert shown.returncode == 0, shown.stderr
    event = json.loads(shown.stdout)
    assert (event["id"], event["kind"], event["target"]) == (5, "action_result", "bob@acme.com")
    assert event["payload"] == {"outcome": "done", "access_token": "[REDACTED]"}


def test_verify_intact_then_broken(workdir):
    ok = run(workdir, "verify")
    assert ok.returncode == 0 and "intact: 5 events" in ok.stdout
    with sqlite3.connect(workdir / "audit.db") as conn:
        conn.execute("UPDATE audit_events SET payload = '{\"decision\": \"allow\"}' WHERE id = 4")
    broken = run(workdir, "verify")
    assert broken.returncode == 1
    assert "BROKEN at event 4" in broken.stdout and "3 events verified" in broken.stdout


def test_export_csv_with_pii_redaction_to_a_file(workdir):
    out = workdir / "export.csv"
    redacted = run(workdir, "export", "--format", "csv", "--redact-pii", "--output", str(out))
    assert redacted.returncode == 0, redacted.stderr
    assert "exported 5 events" in redacted.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert "@acme.com" not in out.read_text()
    assert rows[2]["target"] == rows[4]["target"] != rows[3]["target"]


def test_mounted_under_the_dsadmin_entry_point_with_a_config_flag(workdir, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    config = workdir / "dsadmin.yaml"
    result = run(elsewhere, "--config", str(config), "audit", "verify", entry_point=True)
    assert result.returncode == 0, result.stderr
    assert "intact: 5 events" in result.stdout


# -- in-process: output formats and refusals (the subprocess tests above show the commands run) ---

def invoke(cwd: Path, monkeypatch, *args: str):
    from typer.testing import CliRunner

    from agent.channels.cli.audit import app

    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, list(args))


def test_tail_as_text(workdir, monkeypatch):
    result = invoke(workdir, monkeypatch, "tail", "-n", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == ["4", "5"]
    assert "eve@acme.com" in lines[0] and "manage_user carol@acme.com" in lines[0]


def test_export_jsonl_to_stdout(workdir, monkeypatch):
    result = invoke(workdir, monkeypatch, "export")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.output.splitlines()] == [1, 2, 3, 4, 5]
    assert "bob@acme.com" in result.output


@pytest.mark.parametrize("args, message", [
    (["tail", "--since", "yesterday"], "30m, 2h, 7d"),
    (["tail", "--kind", "decisions"], "unknown kind 'decisions'"),
    (["tail", "-n", "0"], "-n"),
    (["export", "--format", "xml"], "'xml' is not one of"),
])
def test_usage_errors_exit_2(workdir, monkeypatch, args, message):
    result = invoke(workdir, monkeypatch, *args)
    assert result.exit_code == 2 and message in result.output


def test_show_a_missing_event_is_an_error(workdir, monkeypatch):
    result = invoke(workdir, monkeypatch, "show", "999")
    assert result.exit_code == 1 and "no audit event 999" in result.output


def test_a_missing_store_is_an_error_and_is_not_created(tmp_path, monkeypatch):
    db = tmp_path / "nothing-here.db"
    (tmp_path / "dsadmin.yaml").write_text(
        f"store:\n  url: sqlite:///{db}\npeople:\n  admins: [admin@acme.com]\n")
    result = invoke(tmp_path, monkeypatch, "verify")
    assert result.exit_code == 1 and "no store at" in result.output
    assert not db.exists()


def test_a_bad_config_is_a_usage_error(tmp_path, monkeypatch):
    (tmp_path / "dsadmin.yaml").write_text("store:\n  uri: sqlite:///x.db\n")
    result = invoke(tmp_path, monkeypatch, "tail")
    assert result.exit_code == 2 and "store.uri" in result.output
