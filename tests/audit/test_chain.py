"""The hash chain on SQLite and PostgreSQL: what is stored, what verify finds, what is refused."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import io
import itertools
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import AuditLog, StoreError
from audit._canonical import event_hash

T0 = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)


def ticking_clock(start: datetime = T0, step: timedelta = timedelta(seconds=1)):
    state = {"now": start - step}

    def clock() -> datetime:
        state["now"] += step
        return state["now"]

    return clock


def fill(log: AuditLog, n: int) -> list[int]:
    return [log.append("decision", session_id="s-1", actor=f"user{i % 3}@acme.com", action="manage_user",
                       target=f"target{i}@acme.com", payload={"i": i, "reasons": ["rule-a", f"r{i}"]})
            for i in range(n)]


def test_events_form_one_chain_from_genesis(audit_log):
    ids = fill(audit_log, 12)
    assert ids == list(range(1, 13))
    records = list(audit_log.records())
    assert records[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(records):
        assert after.prev_hash == before.hash
    report = audit_log.verify()
    assert (report.ok, report.checked, report.first_bad_id) == (True, 12, None)
    assert report.head_id == 12 and report.head_hash == records[-1].hash


def test_empty_log_verifies(audit_log):
    report = audit_log.verify()
    assert report.ok and report.checked == 0 and report.head_id == 0


def test_awkward_payloads_round_trip_and_still_verify(audit_log):
    """The canonical form must be reproducible from what each database gives back."""

    class Colour:
        def __str__(self) -> str:
            return "blue"

    @dataclasses.dataclass
    class Point:
        x: int
        y: float

    payload = {
        "float": 0.1, "neg_zero": -0.0, "huge": 1e300, "big_int": 2**80, "nan": float("nan"),
        "unicode": "é ☃ 𝄞 \u202e", "nul": "a\x00b", "surrogate": "x\ud800y",
        "nested": {"b": [1, {"z": None, "a": True}]},
        "when": datetime(2026, 5, 6, 7, 8, 9, 10, tzinfo=timezone(timedelta(hours=2))),
        "set": {"b", "a"}, "tuple": (1, 2), 7: "int key", "obj": Colour(), "point": Point(1, 2.5),
        "bytes": b"\x00secret",
    }
    event_id = audit_log.append("model_proposal", payload=payload)
    stored = audit_log.get(event_id).payload
    assert stored == {
        "float": 0.1, "neg_zero": -0.0, "huge": 1e300, "big_int": 2**80, "nan": "nan",
        "unicode": "é ☃ 𝄞 \u202e", "nul": "a\ufffdb", "surrogate": "x?y",
        "nested": {"b": [1, {"z": None, "a": True}]},
        "when": "2026-05-06T05:08:09.000010Z", "set": ["a", "b"], "tuple": [1, 2], "7": "int key",
        "obj": "blue", "point": {"x": 1, "y": 2.5}, "bytes": "[7 bytes]",
    }
    odd_actor = audit_log.append("user_message", actor="nul\x00and\udc80@acme.com")
    assert audit_log.get(odd_actor).actor == "nul\ufffdand?@acme.com"
    assert audit_log.verify().ok


def test_timestamps_are_utc_with_microseconds_and_hashed_as_stored(store_engine):
    plus_five = timezone(timedelta(hours=5))
    log = AuditLog(store_engine, clock=lambda: datetime(2026, 3, 1, 12, 0, 0, 654321, tzinfo=plus_five))
    event_id = log.append("session_started", session_id="s-9", actor="admin@acme.com")
    rec = log.get(event_id)
    assert rec.ts == datetime(2026, 3, 1, 7, 0, 0, 654321, tzinfo=UTC)
    assert rec.to_dict()["ts"] == "2026-03-01T07:00:00.654321Z"
    assert rec.hash == event_hash(rec.id, "2026-03-01T07:00:00.654321Z", "s-9", "admin@acme.com",
                                  "session_started", None, None, {}, "0" * 64)
    assert log.verify().ok
    log.close()


def test_a_naive_clock_is_refused_and_nothing_is_written(store_engine, raw_sql):
    log = AuditLog(store_engine, clock=lambda: datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="naive"):
        log.append("error", payload={"x": 1})
    assert raw_sql.count() == 0
    log.close()


@pytest.mark.parametrize("bad, message", [
    ({"kind": "decided"}, "unknown audit event kind 'decided'"),
    ({"actor": 42}, "actor must be a string"),
    ({"payload": ["not", "a", "mapping"]}, "payload must be a mapping"),
])
def test_bad_input_names_the_problem_and_writes_nothing(audit_log, raw_sql, bad, message):
    fill(audit_log, 2)
    args = {"kind": "decision", **bad}
    with pytest.raises((ValueError, TypeError), match=message):
        audit_log.append(args.pop("kind"), **args)
    assert raw_sql.count() == 2
    assert audit_log.verify().ok


def test_overlong_columns_are_cut_to_fit_and_kept_whole_in_the_payload(audit_log):
    """A model can propose any action name; the event is still recorded, on both backends."""
    action = "manage_" + "x" * 100
    event_id = audit_log.append("model_proposal", action=action, target="t" * 400, payload={"args": {}})
    rec = audit_log.get(event_id)
    assert len(rec.action) == 64 and rec.action.endswith("\u2026") and action.startswith(rec.action[:-1])
    assert len(rec.target) == 320
    assert rec.payload == {"args": {}, "_overlong": {"action": action, "target": "t" * 400}}
    assert audit_log.verify().ok


def test_store_without_tables_fails_closed(tmp_path):
    from audit.db import make_engine

    log = AuditLog(make_engine(f"sqlite:///{tmp_path / 'bare.db'}"))
    with pytest.raises(StoreError, match="cannot append to the audit log"):
        log.append("error", payload={})
    log.close()


def test_reopening_a_store_keeps_the_chain(tmp_path):
    from audit import open_store

    url = f"sqlite:///{tmp_path / 'again.db'}"
    first = AuditLog(open_store(url))
    fill(first, 3)
    first.close()
    second = AuditLog(open_store(url))
    assert second.append("error", payload={"after": "reopen"}) == 4
    assert second.verify().ok and second.verify().checked == 4
    second.close()


# -- tampering (raw SQL: the code itself has no way to change or remove an event) ------------------

def test_edited_payload_is_found(audit_log, raw_sql):
    fill(audit_log, 10)
    raw_sql.set_payload(6, {"i": 5, "reasons": ["rule-a", "allowed after all"]})
    report = audit_log.verify()
    assert (report.ok, report.first_bad_id, report.checked) == (False, 6, 5)
    assert "edited" in report.problem


def test_a_payload_edited_into_invalid_json_is_shown_as_unreadable_not_a_crash(tmp_path):
    """SQLite keeps JSON as text, so a hand edit can leave a payload that is not JSON at all. The
    readers (tail, show, export, the web page) still answer, marking that event, and verify names it:
    an auditor needs to see the log around a tampered row, not a JSONDecodeError. (PostgreSQL's json
    type refuses such a value on write, so this is SQLite only.)"""
    from sqlalchemy import text

    from audit import open_store

    log = AuditLog(open_store(f"sqlite:///{tmp_path / 'store.db'}"), clock=ticking_clock())
    fill(log, 5)
    with log.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET payload = '{not json' WHERE id = 3"))
    tail = log.tail(10)
    assert [r.id for r in tail] == [1, 2, 3, 4, 5]
    assert tail[2].payload == {"unreadable_payload": "{not json",
                               "problem": "not valid JSON: edited outside dsadmin; run dsadmin audit verify"}
    assert tail[3].payload == {"i": 3, "reasons": ["rule-a", "r3"]}
    assert log.get(3).payload == tail[2].payload
    out = io.StringIO()
    assert log.export(out) == 5 and "unreadable_payload" in out.getvalue()
    report = log.verify()
    assert (report.ok, report.first_bad_id) == (False, 3)
    log.close()


def test_edited_actor_is_found(audit_log, raw_sql):
    fill(audit_log, 5)
    raw_sql("UPDATE {events} SET actor = 'someone.else@acme.com' WHERE id = 2")
    assert audit_log.verify().first_bad_id == 2


def test_edited_event_with_recomputed_hash_is_found_at_the_next_event(audit_log, raw_sql):
    fill(audit_log, 6)
    rec = audit_log.get(3)
    forged = {"i": 2, "reasons": ["forged"]}
    digest = event_hash(rec.id, rec.ts, rec.session_id, rec.actor, rec.kind, rec.action, rec.target,
                        forged, rec.prev_hash)
    raw_sql.set_payload(3, forged)
    raw_sql("UPDATE {events} SET hash = :h WHERE id = 3", h=digest)
    report = audit_log.verify()
    assert (report.ok, report.first_bad_id) == (False, 4)
    assert "does not follow event 3" in report.problem


def test_deleted_event_is_found(audit_log, raw_sql):
    fill(audit_log, 10)
    raw_sql("DELETE FROM {events} WHERE id = 7")
    report = audit_log.verify()
    assert (report.ok, report.first_bad_id) == (False, 7)
    assert "removed" in report.problem


def test_deleted_first_and_last_events_are_found(audit_log, raw_sql):
    fill(audit_log, 5)
    raw_sql("DELETE FROM {events} WHERE id = 5")
    report = audit_log.verify()
    assert (report.first_bad_id, report.checked) == (5, 4)
    assert "end of the chain" in report.problem
    raw_sql("DELETE FROM {events} WHERE id = 1")
    assert audit_log.verify().first_bad_id == 1


def test_swapped_events_are_found(audit_log, raw_sql):
    fill(audit_log, 10)
    raw_sql("UPDATE {events} SET id = -1 WHERE id = 4")
    raw_sql("UPDATE {events} SET id = 4 WHERE id = 5")
    raw_sql("UPDATE {events} SET id = 5 WHERE id = -1")
    assert [r.payload["i"] for r in audit_log.tail(10)][2:6] == [2, 4, 3, 5]
    report = audit_log.verify()
    assert (report.ok, report.first_bad_id, report.checked) == (False, 4, 3)


def test_event_inserted_behind_the_chain_head_is_found(audit_log, raw_sql):
    fill(audit_log, 3)
    rec = audit_log.get(3)
    raw_sql("INSERT INTO {events} (id, ts, kind, payload, prev_hash, hash) "
            "SELECT 4, ts, kind, payload, :prev, :h FROM {events} WHERE id = 3", prev=rec.hash, h="f" * 64)
    report = audit_log.verify()
    assert (report.ok, report.first_bad_id) == (False, 4)


def test_the_code_has_no_update_or_delete_path_for_events():
    """Only the chain head is ever updated; nothing is ever deleted (Core calls and SQL text)."""
    src = Path(__file__).resolve().parents[2] / "audit"
    for path in src.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            where = f"{path.name}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "delete", where
                if node.func.id == "update":
                    assert [ast.unparse(a) for a in node.args] == ["_head"], where
            if isinstance(node, ast.Constant) and isinstance(node.value, str):  # SQL is written in capitals
                sql = " ".join(node.value.split())
                assert "DELETE FROM" not in sql and "TRUNCATE" not in sql, where
                for table in re.findall(r"(?<!FOR )UPDATE (\S+)", sql):
                    assert table in ("{q}audit_chain_head", "audit_chain_head"), where
    assert not [name for name in dir(AuditLog) if any(w in name for w in ("update", "delete", "remove"))]


# -- reading ---------------------------------------------------------------------------------------

def test_tail_filters_and_order(store_engine):
    log = AuditLog(store_engine, clock=ticking_clock())
    log.append("session_started", session_id="a", actor="Admin@Acme.com")
    log.append("user_message", session_id="a", actor="admin@acme.com", payload={"text": "add bob"})
    log.append("decision", session_id="a", actor="admin@acme.com", target="bob@acme.com")
    log.append("decision", session_id="b", actor="eve@acme.com", target="carol@acme.com")
    log.append("action_result", session_id="a", actor="admin@acme.com", target="BOB@acme.com")

    assert [r.id for r in log.tail(3)] == [3, 4, 5]
    assert [r.id for r in log.tail(10, actor="ADMIN@acme.com")] == [1, 2, 3, 5]
    assert [r.id for r in log.tail(10, target="bob@acme.com")] == [3, 5]
    assert [r.id for r in log.tail(10, kind="decision")] == [3, 4]
    assert [r.id for r in log.tail(10, session_id="b")] == [4]
    assert [r.id for r in log.tail(10, since=T0 + timedelta(seconds=3))] == [4, 5]
    assert [r.id for r in log.tail(10, since=(T0 + timedelta(seconds=3)).replace(tzinfo=None))] == [4, 5]
    assert [r.id for r in log.tail(1, actor="admin@acme.com", kind="decision")] == [3]
    assert log.get(2).payload == {"text": "add bob"} and log.get(99) is None
    with pytest.raises(ValueError, match="unknown audit event kind"):
        log.tail(5, kind="decisions")
    log.close()


def test_export_jsonl_and_csv_carry_every_event(audit_log):
    import csv

    fill(audit_log, 4)
    out = io.StringIO()
    assert audit_log.export(out, "jsonl") == 4
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["id"] for e in lines] == [1, 2, 3, 4]
    # a JSONL export can be re-verified by someone holding only the file
    prev = "0" * 64
    for e in lines:
        fields = {k: e[k] for k in ("ts", "session_id", "actor", "kind", "action", "target", "payload")}
        assert e["prev_hash"] == prev and event_hash(e["id"], prev_hash=prev, **fields) == e["hash"]
        prev = e["hash"]

    out = io.StringIO()
    assert audit_log.export(out, "csv") == 4
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert json.loads(rows[2]["payload"]) == {"i": 2, "reasons": ["rule-a", "r2"]}
    assert rows[3]["hash"] == lines[3]["hash"]
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        audit_log.export(io.StringIO(), "xml")


def test_export_with_pii_redaction_pseudonymises_emails_and_names(audit_log):
    audit_log.append("action_result", actor="admin@acme.com", target="Bob.Smith@acme.com",
                     payload={"user": {"email": "bob.smith@acme.com", "first_name": "Bob",
                                       "last_name": "Smith", "user_name": "Bob Smith"},
                              "note": "mail bob.smith@acme.com"})
    out = io.StringIO()
    audit_log.export(out, "jsonl", redact_pii=True)
    text = out.getvalue()
    assert "@acme.com" not in text and "Smith" not in text
    event = json.loads(text)
    assert event["target"] == event["payload"]["user"]["email"] == event["payload"]["note"].split()[-1]
    assert event["target"].startswith("[pii:") and event["actor"] != event["target"]
    assert event["hash"] == audit_log.get(1).hash  # hashes kept so an auditor can match the original


# -- the canonical form ----------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(event_id=st.integers(1, 2**62), ts=st.datetimes(timezones=st.just(UTC)),
       strings=st.lists(st.none() | st.text(max_size=20), min_size=4, max_size=4),
       payload=st.dictionaries(st.text(max_size=8), json_values, max_size=5))
def test_split_hash_equals_hash_of_sorted_canonical_json(event_id, ts, strings, payload):
    """PostgreSQL finishes the hash from the split parts; it must be the hash of the whole event."""
    session_id, actor, action, target = strings
    body = {"id": event_id, "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "session_id": session_id,
            "actor": actor, "kind": "decision", "action": action, "target": target, "payload": payload,
            "prev_hash": "ab" * 32}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert event_hash(event_id, ts, session_id, actor, "decision", action, target, payload, "ab" * 32) \
        == hashlib.sha256(canonical.encode()).hexdigest()
