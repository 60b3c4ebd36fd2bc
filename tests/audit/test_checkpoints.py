"""Signed checkpoints outside the store: truncation and rewriting after a checkpoint are caught."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from audit import AuditLog, open_store
from audit._canonical import event_hash
from audit.checkpoints import Checkpointer, CheckpointError

ROOT = Path(__file__).resolve().parents[2]

PEOPLE = ("people:\n  admins: [admin@acme.com]\n  approvers: [approver@acme.com]\n"
          "  employees: ['@acme.com']\n"
          "  default_actor: admin@acme.com\n")


@pytest.fixture
def signer(tmp_path) -> Checkpointer:
    return Checkpointer(tmp_path / "keys" / "cp.key", tmp_path / "sink" / "cp.jsonl", every=5)


@pytest.fixture
def log(store_engine, signer):
    log = AuditLog(store_engine, checkpoints=signer)
    yield log
    log.close()


def fill(log: AuditLog, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        log.append("docusign_request", actor="admin@acme.com", payload={"seq": i})


def move_head(raw_sql, log: AuditLog, last_id: int) -> None:
    """What a tamperer does after deleting the newest events: point the head at the new last one."""
    last_hash = log.get(last_id).hash if last_id else "0" * 64
    table = raw_sql.events.replace("audit_events", "audit_chain_head")
    raw_sql(f"UPDATE {table} SET last_id = :i, last_hash = :h WHERE id = 1", i=last_id, h=last_hash)


def test_every_nth_event_is_signed_into_the_sink_also_from_a_batch(log, signer):
    fill(log, 7)
    with log.batch():
        fill(log, 6, start=7)
    lines = [json.loads(line) for line in signer.sink.read_text().splitlines()]
    assert [(c["event_id"], c["hash"]) for c in lines] == [(5, log.get(5).hash), (10, log.get(10).hash)]
    assert all(signer.valid(cp) for cp in signer.read())
    assert stat.S_IMODE(signer.sink.stat().st_mode) == 0o600
    assert stat.S_IMODE(signer.key_file.stat().st_mode) == 0o600


def test_truncation_after_a_checkpoint_verifies_alone_but_not_against_it(log, signer, raw_sql):
    fill(log, 12)
    log.checkpoint()
    fill(log, 3, start=12)
    raw_sql("DELETE FROM {events} WHERE id > 8")
    move_head(raw_sql, log, 8)
    assert log.verify().ok  # the chain alone cannot tell: this is the hole checkpoints close
    report = log.verify_against(signer.read())
    assert not report.ok and report.first_bad_id == 9
    assert "events 9-15 removed" in report.problem  # the scheduled checkpoint at 15 is the newest


def test_deleting_everything_is_caught(log, signer, raw_sql):
    fill(log, 6)
    raw_sql("DELETE FROM {events}")
    move_head(raw_sql, log, 0)
    assert log.verify().ok and log.verify().checked == 0
    report = log.verify_against(signer.read())
    assert not report.ok and "events 1-5 removed" in report.problem


def test_a_rewritten_and_rehashed_chain_is_caught(log, signer, raw_sql):
    """Editing event 3 and recomputing every later hash and the head fools verify, not the checkpoint."""
    fill(log, 10)
    events = list(log.records())
    prev = "0" * 64
    for rec in events:
        payload = {"seq": 999} if rec.id == 3 else rec.payload
        digest = event_hash(rec.id, rec.ts, rec.session_id, rec.actor, rec.kind, rec.action, rec.target,
                            payload, prev)
        cast = "CAST(:p AS json)" if log.engine.dialect.name == "postgresql" else ":p"
        raw_sql(f"UPDATE {{events}} SET payload = {cast}, prev_hash = :prev, hash = :h WHERE id = :id",
                p=json.dumps(payload), prev=prev, h=digest, id=rec.id)
        prev = digest
    move_head(raw_sql, log, 10)
    assert log.verify().ok
    report = log.verify_against(signer.read())
    assert not report.ok and report.first_bad_id == 5 and "rewritten" in report.problem


def test_a_forged_or_foreign_checkpoint_is_refused(log, signer, tmp_path):
    fill(log, 5)
    line = json.loads(signer.sink.read_text())
    forged = tmp_path / "forged.jsonl"
    forged.write_text(json.dumps({**line, "event_id": 4}) + "\n")
    with pytest.raises(CheckpointError, match=r"line 1 .* not signed"):
        signer.read(forged)
    other = Checkpointer(tmp_path / "other.key", tmp_path / "other.jsonl")
    with pytest.raises(CheckpointError, match="not signed by this installation's key"):
        other.read(signer.sink)
    (tmp_path / "garbled.jsonl").write_text("not json\n")
    with pytest.raises(CheckpointError, match="line 1 is not a checkpoint"):
        signer.read(tmp_path / "garbled.jsonl")


def test_a_key_others_can_read_is_refused(signer):
    signer.key()
    os.chmod(signer.key_file, 0o644)
    fresh = Checkpointer(signer.key_file, signer.sink)
    with pytest.raises(CheckpointError, match="chmod 600"):
        fresh.key()


def test_incremental_verify_reads_only_what_is_new_and_still_catches_edits(log, raw_sql):
    fill(log, 20)
    full = log.verify()
    assert full.ok and full.start_id == 0 and full.checked == 20
    fill(log, 3, start=20)
    step = log.verify(incremental=True)
    assert step.ok and step.start_id == 20 and step.checked == 3
    fill(log, 2, start=23)
    raw_sql.set_payload(24, {"seq": "edited"})
    bad = log.verify(incremental=True)
    assert not bad.ok and bad.first_bad_id == 24 and bad.start_id == 23
    # what an earlier verify proved is not re-read incrementally; the full walk still reads it
    raw_sql.set_payload(24, {"seq": 23})  # put back as it was
    raw_sql.set_payload(22, {"seq": "edited"})
    assert log.verify(incremental=True).ok
    assert log.verify().first_bad_id == 22


def test_incremental_verify_does_not_trust_a_tampered_proof(log, raw_sql):
    fill(log, 8)
    assert log.verify().ok
    table = raw_sql.events.replace("audit_events", "audit_checkpoints")
    raw_sql(f"UPDATE {table} SET event_id = 99")  # a forged "proven up to 99": its signature fails
    again = log.verify(incremental=True)
    assert again.ok and again.start_id == 0 and again.checked == 8  # re-read from the first event


def test_the_event_a_proof_covers_must_still_be_there(log, raw_sql):
    fill(log, 6)
    assert log.verify().ok
    raw_sql.set_payload(6, {"seq": "edited"})
    raw_sql("UPDATE {events} SET hash = :h WHERE id = 6", h="f" * 64)
    report = log.verify(incremental=True)
    assert not report.ok and report.first_bad_id == 6 and "changed" in report.problem


# -- the command line ---------------------------------------------------------------------------


def dsadmin(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DSADMIN_HOME": str(workdir / "home")}
    env.pop("DSADMIN_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "agent.channels.cli", "audit", *args], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def cli_log(tmp_path):
    """The audit log of the dsadmin.yaml this writes in ``tmp_path``, where ``dsadmin(...)`` runs."""
    db = tmp_path / "audit.db"
    (tmp_path / "dsadmin.yaml").write_text(f"store:\n  url: sqlite:///{db}\n" + PEOPLE)
    log = AuditLog(open_store(f"sqlite:///{db}"))
    yield log
    log.close()


def test_checkpoint_then_truncate_then_verify_against_from_the_command_line(tmp_path, cli_log):
    log = cli_log
    fill(log, 9)
    done = dsadmin(tmp_path, "checkpoint")
    assert done.returncode == 0, done.stderr
    sink = tmp_path / "home" / "audit-checkpoints.jsonl"
    assert "checkpoint at event 9" in done.stdout and sink.is_file()
    intact = dsadmin(tmp_path, "verify", "--against", str(sink))
    assert intact.returncode == 0, intact.stderr
    assert "no event up to event 9 was removed or changed" in intact.stdout

    with log.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id > 6"))
        conn.execute(text("UPDATE audit_chain_head SET last_id = 6, last_hash = "
                          "(SELECT hash FROM audit_events WHERE id = 6)"))
    log.close()
    assert dsadmin(tmp_path, "verify").returncode == 0  # alone, the cut is invisible
    caught = dsadmin(tmp_path, "verify", "--against", str(sink))
    assert caught.returncode == 1
    assert "BROKEN at event 7" in caught.stdout and "events 7-9 removed" in caught.stdout

    missing = dsadmin(tmp_path, "verify", "--against", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 1 and "no checkpoint file" in missing.stderr
    assert "Traceback" not in missing.stderr + caught.stderr


def test_verify_says_when_it_read_only_the_new_events(tmp_path, cli_log):
    log = cli_log
    fill(log, 4)
    first = dsadmin(tmp_path, "verify")
    assert first.returncode == 0 and "4 events" in first.stdout
    fill(log, 2, start=4)
    log.close()
    second = dsadmin(tmp_path, "verify", "--incremental")
    assert second.returncode == 0, second.stderr
    assert "events 5-6 (2) read; events 1-4 were proven by an earlier verify and not re-read" in second.stdout
    assert "intact: 6 events" in dsadmin(tmp_path, "verify").stdout
