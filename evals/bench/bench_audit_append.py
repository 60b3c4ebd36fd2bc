"""Audit append speed: latency p50/p99 and events per second, on SQLite and on PostgreSQL.

    python evals/bench/bench_audit_append.py [--events 2000] [--writers 4] [--pg-url URL]

Two runs per backend: one writer, then ``--writers`` concurrent writers sharing one chain (threads
on SQLite, processes on PostgreSQL, as deployed). Every run ends with ``verify`` so a fast but
broken chain cannot pass for a result. PostgreSQL uses ``--pg-url`` or DSADMIN_TEST_POSTGRES_URL,
in a throw-away schema; it is skipped, saying so, when neither is set. Durable commits throughout
(PostgreSQL's synchronous_commit as configured; SQLite WAL with synchronous=NORMAL, the store's
setting).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from audit import AuditLog, open_store

PAYLOAD = {
    "decision": "needs_approval",
    "reasons": ["granting DS Admin needs an approver", "target is outside the requester's team"],
    "call": {"action": "manage_account_membership", "operation": "set_permission_profile",
             "target_email": "bob@acme.com", "account_names": ["EMEA"], "permission_profile": "DS Admin"},
    "fingerprint": "3f1c" * 16,
}


def timed_appends(log: AuditLog, count: int, worker: int = 0) -> list[float]:
    latencies = []
    for seq in range(count):
        t = time.perf_counter()
        log.append("decision", session_id=f"bench-{worker}", actor="admin@acme.com",
                   action="manage_account_membership", target="bob@acme.com", payload={**PAYLOAD, "seq": seq})
        latencies.append(time.perf_counter() - t)
    return latencies


def summary(name: str, latencies: list[float], wall: float, ok: bool) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    return (f"{name:<34} {len(latencies):>6} {cuts[49] * 1000:>9.3f} {cuts[98] * 1000:>9.3f} "
            f"{len(latencies) / wall:>10.0f}  {'ok' if ok else 'BROKEN'}")


def run_threads(log: AuditLog, writers: int, per_writer: int) -> tuple[list[float], float]:
    results: list[list[float]] = [[] for _ in range(writers)]
    start = threading.Barrier(writers + 1)

    def work(w: int) -> None:
        start.wait()
        results[w] = timed_appends(log, per_writer, w)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return [x for r in results for x in r], time.perf_counter() - t0


def _process_writer(url: str, schema: str, worker: int, count: int, start, out) -> None:
    log = AuditLog(open_store(url, schema=schema))
    start.wait()
    out.put(timed_appends(log, count, worker))


def run_processes(url: str, schema: str, writers: int, per_writer: int) -> tuple[list[float], float]:
    ctx = multiprocessing.get_context("fork")  # each child opens its own engine and connections
    start, out = ctx.Barrier(writers + 1), ctx.Queue()
    procs = [ctx.Process(target=_process_writer, args=(url, schema, w, per_writer, start, out))
             for w in range(writers)]
    for p in procs:
        p.start()
    start.wait()
    t0 = time.perf_counter()
    latencies = [x for _ in procs for x in out.get(timeout=600)]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    return latencies, wall


def bench_sqlite(events: int, writers: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        log = AuditLog(engine)
        timed_appends(log, 50)  # warm-up: connection, statement caches
        t0 = time.perf_counter()
        single = timed_appends(log, events)
        lines = [summary("sqlite, 1 writer", single, time.perf_counter() - t0, log.verify().ok)]
        latencies, wall = run_threads(log, writers, events // writers)
        lines.append(summary(f"sqlite, {writers} threads", latencies, wall, log.verify().ok))
        log.close()
        engine.dispose()
    return lines


def bench_postgres(url: str, events: int, writers: int) -> list[str]:
    from sqlalchemy import text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = open_store(url, schema=schema)
    try:
        log = AuditLog(engine)
        timed_appends(log, 50)
        t0 = time.perf_counter()
        single = timed_appends(log, events)
        lines = [summary("postgresql, 1 writer", single, time.perf_counter() - t0, log.verify().ok)]
        engine.dispose()  # no pooled connection may be inherited by the forked writers
        latencies, wall = run_processes(url, schema, writers, events // writers)
        lines.append(summary(f"postgresql, {writers} processes", latencies, wall, log.verify().ok))
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="appends per run (default 2000)")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writers (default 4)")
    parser.add_argument("--pg-url", default=os.environ.get("DSADMIN_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if args.events < 100 or args.writers < 1:
        parser.error("--events must be at least 100 and --writers at least 1")

    print(f"{'run':<34} {'events':>6} {'p50 ms':>9} {'p99 ms':>9} {'events/s':>10}  chain")
    for line in bench_sqlite(args.events, args.writers):
        print(line, flush=True)
    if args.pg_url:
        for line in bench_postgres(args.pg_url, args.events, args.writers):
            print(line, flush=True)
    else:
        print("postgresql: skipped (set DSADMIN_TEST_POSTGRES_URL or pass --pg-url)")


if __name__ == "__main__":
    main()
