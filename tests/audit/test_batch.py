"""One transaction per gate call: a batch's events are written together, in order, whatever happens."""

from __future__ import annotations

import contextvars
import threading

import pytest

from audit import AuditLog, StoreError


@pytest.fixture
def log(store_engine):
    log = AuditLog(store_engine)
    yield log
    log.close()


def test_a_batch_is_written_at_its_end_in_one_chain(log):
    log.append("session_started", actor="Admin@Acme.com")
    with log.batch():
        assert log.append("model_proposal", actor="admin@acme.com", payload={"n": 1}) is None
        log.append("decision", actor="admin@acme.com", payload={"n": 2})
        assert [r.kind for r in log.records()] == ["session_started"]  # nothing written yet
    assert [r.kind for r in log.records()] == ["session_started", "model_proposal", "decision"]
    assert [r.actor for r in log.records()] == ["admin@acme.com"] * 3  # emails kept lower-case
    assert log.verify().ok


def test_the_batch_is_written_when_the_call_fails(log):
    with pytest.raises(RuntimeError), log.batch():
        log.append("model_proposal", payload={"n": 1})
        raise RuntimeError("the call broke")
    assert [r.kind for r in log.records()] == ["model_proposal"]


def test_flush_writes_early_and_nested_batches_join(log):
    with log.batch():
        log.append("decision", payload={"n": 1})
        with log.batch():
            log.append("docusign_request", payload={"n": 2})
        assert list(log.records()) == []  # the inner batch joined the outer one
        log.flush()
        assert [r.kind for r in log.records()] == ["decision", "docusign_request"]
        log.append("action_result", payload={"n": 3})
    assert [r.payload["n"] for r in log.records()] == [1, 2, 3]
    assert log.verify().ok


def test_threads_started_from_the_call_append_to_its_batch(log):
    """The client's parallel page fetches run in copies of the call's context."""
    with log.batch():
        contexts = [contextvars.copy_context() for _ in range(4)]
        threads = [threading.Thread(target=ctx.run, args=(log.append, "docusign_request"),
                                    kwargs={"payload": {"page": i}}) for i, ctx in enumerate(contexts)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert list(log.records()) == []
    assert sorted(r.payload["page"] for r in log.records()) == [0, 1, 2, 3]


def test_other_threads_are_not_part_of_the_batch(log):
    outside = threading.Thread(target=log.append, args=("session_started",))
    with log.batch():
        log.append("decision")
        outside.start()
        outside.join()
        assert [r.kind for r in log.records()] == ["session_started"]
    assert [r.kind for r in log.records()] == ["session_started", "decision"]


def test_tail_filters_match_emails_whatever_their_case(log):
    log.append("decision", actor="Eve@Acme.com", target="Bob@Acme.com", payload={})
    log.append("decision", actor="admin@acme.com", target="EMEA", payload={})
    assert [r.id for r in log.tail(actor="EVE@acme.com")] == [1]
    assert [r.id for r in log.tail(target="bob@ACME.com")] == [1]
    assert [r.id for r in log.tail(target="EMEA")] == [2]


# Text that trips quoting somewhere between Python, the driver and SQL: quotes, backslashes (also
# a literal "\u0000" escape, as six characters), control characters, unicode beyond the BMP, line
# separators, placeholder-like and SQL-like text.
AWKWARD = [
    'say "hi"', "it's", "back\\slash \\\\ two", "\\u0000 as text", "\\", '"', "line\nbreak\ttab\r",
    "\x01\x02\x1f\x7f", "Müller ☃ é 𝄞 😀", "\u2028\u2029 \u202e rtl", "%(batch)s %s %%",
    "'); DROP TABLE x; --", "", " ", "{}", "[1,2]", "null",
]


def test_a_batch_of_awkward_text_round_trips_and_verifies(log):
    """A batch is one parameter on PostgreSQL, its hashes finished in SQL: each stored event must
    hold exactly the text given and the hash Python computes for it, on both backends."""
    from audit._canonical import event_hash

    with log.batch():
        for i, text in enumerate(AWKWARD):
            log.append("decision", session_id=f"s{text}"[:64], actor=f"{text}@acme.com", action=f"a{text}",
                       target=text or None, payload={"text": text, text: [text, {"n": i}], "n": i})
    records = list(log.records())
    assert [r.payload["text"] for r in records] == AWKWARD
    for r, text in zip(records, AWKWARD, strict=True):
        assert r.payload[text] == [text, {"n": r.payload["n"]}]
        assert (r.session_id, r.action, r.target) == (f"s{text}"[:64], f"a{text}", text or None)
        assert r.actor == f"{text}@acme.com".lower()
        assert r.hash == event_hash(r.id, r.ts, r.session_id, r.actor, r.kind, r.action, r.target, r.payload,
                                    r.prev_hash)
    assert [r.prev_hash for r in records[1:]] == [r.hash for r in records[:-1]]
    report = log.verify()
    assert report.ok and report.checked == len(AWKWARD) and report.head_hash == records[-1].hash


def test_a_failed_append_is_a_store_error_and_the_next_one_works(log, store_engine, raw_sql):
    """The writer drops the connection a failed statement left behind; nothing half-written stays."""
    log.append("decision", payload={"n": 1})
    raw_sql("ALTER TABLE {events} RENAME TO events_away")
    away = raw_sql.events.replace("audit_events", "events_away")
    try:
        with pytest.raises(StoreError, match="cannot append to the audit log"):
            log.append("decision", payload={"n": 2})
    finally:
        raw_sql(f"ALTER TABLE {away} RENAME TO audit_events")
    log.append("decision", payload={"n": 3})
    assert [(r.id, r.payload["n"]) for r in log.records()] == [(1, 1), (2, 3)]
    assert log.verify().ok
