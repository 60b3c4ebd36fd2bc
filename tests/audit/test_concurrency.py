"""Concurrent writers leave one valid chain: threads on SQLite, processes on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import os
import threading

from audit import AuditLog, open_store

WRITERS, EVENTS = 8, 500


def assert_one_chain(log: AuditLog, writers: int, events: int) -> None:
    """Every event present once, in each writer's own order, in one verified chain."""
    report = log.verify()
    assert report.ok, report.problem
    assert report.checked == report.head_id == writers * events
    seen: dict[int, list[int]] = {w: [] for w in range(writers)}
    switches = 0
    prev_worker = None
    for rec in log.records():
        seen[rec.payload["worker"]].append(rec.payload["seq"])
        switches += prev_worker is not None and rec.payload["worker"] != prev_worker
        prev_worker = rec.payload["worker"]
    assert all(seqs == list(range(events)) for seqs in seen.values())
    # the writers really overlapped: the chain is not one block per writer
    assert switches > writers - 1


def run_threads(logs: list[AuditLog], events: int) -> None:
    start = threading.Barrier(len(logs))
    step = max(1, events // 5)
    errors: list[BaseException] = []

    def write(worker: int, log: AuditLog) -> None:
        try:
            for seq in range(events):
                if seq % step == 0:
                    # every writer meets the others a few times, so they interleave on any scheduler
                    start.wait()
                log.append("docusign_request", actor=f"w{worker}@acme.com",
                           payload={"worker": worker, "seq": seq, "status": 200})
        except BaseException as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w, log)) for w, log in enumerate(logs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_threads_on_sqlite_share_one_chain(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'threads.db'}")
    log = AuditLog(engine)
    run_threads([log] * WRITERS, EVENTS)
    assert_one_chain(log, WRITERS, EVENTS)
    log.close()
    engine.dispose()


def test_sqlite_write_lock_alone_keeps_the_chain(tmp_path, monkeypatch):
    """Writers that do not share the process-local lock (as separate processes would not) rely on
    BEGIN IMMEDIATE alone, each through its own engine and connection."""
    import audit._writers

    monkeypatch.setattr(audit._writers, "lock_for", lambda engine: threading.Lock())
    url = f"sqlite:///{tmp_path / 'separate.db'}"
    logs = [AuditLog(open_store(url)) for _ in range(4)]
    run_threads(logs, 60)
    assert_one_chain(logs[0], 4, 60)
    for log in logs:
        log.close()
        log.engine.dispose()


def append_in_process(url: str, schema: str, worker: int, events: int, start) -> None:
    """One writer process with its own engine and connections on the shared schema."""
    os.environ["PGOPTIONS"] = "-c synchronous_commit=off"  # the lock is under test, not the disk
    log = AuditLog(open_store(url, schema=schema))
    start.wait()
    for seq in range(events):
        log.append("docusign_request", actor=f"w{worker}@acme.com", payload={"worker": worker, "seq": seq})


def test_processes_on_postgres_share_one_chain(postgres_engine):
    store_engine = postgres_engine
    url = store_engine.url.render_as_string(hide_password=False)
    schema = store_engine.get_execution_options()["schema_translate_map"][None]
    # fork, not spawn: eight fresh interpreters importing SQLAlchemy cost more than the test itself.
    # No connection may be inherited, so the parent's pool is emptied first.
    store_engine.dispose()
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(WRITERS)
    procs = [ctx.Process(target=append_in_process, args=(url, schema, w, EVENTS, start))
             for w in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    exit_codes = [p.exitcode for p in procs]
    for p in procs:
        if p.is_alive():
            p.kill()
    assert exit_codes == [0] * WRITERS
    assert_one_chain(AuditLog(store_engine), WRITERS, EVENTS)


def test_verify_while_appending_sees_a_consistent_snapshot(audit_log):
    """verify reads the head and the rows in one snapshot, so a concurrent append never looks like
    a removed or foreign event."""
    done = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for seq in range(300):
                audit_log.append("model_usage", payload={"worker": 0, "seq": seq, "input_tokens": seq})
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    reports = []
    while not done.is_set():
        reports.append(audit_log.verify())
    writer.join()
    assert not errors, errors
    assert reports and all(r.ok for r in reports), [r.problem for r in reports if not r.ok][:1]
    assert audit_log.verify().checked == 300
