"""Audit append speed: latency p50/p99 and events per second, on SQLite and on PostgreSQL.

    python evals/bench/bench_audit_append.py [--events 2000] [--writers 4] [--gate-calls 200] [--pg-url URL]

First the gate overhead per write (the issue-16 figure): a permission-profile change through the
whole gate on the in-memory sandbox, wall time minus the time spent inside DocuSign requests,
p50 median and min over ``--runs`` runs, batched (a write commits twice, see tools.gate._pipeline) and, in the
same run, with one transaction per event as before; anchor: one INSERT+COMMIT on that store;
floor: the audit commits a call makes times the anchor (every one is durable, none can be skipped).

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
from collections.abc import Callable
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


# -- gate overhead per write ------------------------------------------------------------------------


def _gate_overhead(store_url: str, calls: int, batched: bool) -> tuple[list[float], list[float], float]:
    """Per write through the whole gate (validate, resolve, decide, execute, audit) on the in-memory
    sandbox: wall time minus the time spent inside DocuSign requests (the client's own records), ms;
    this thread's CPU time minus the CPU the sandbox spent answering (on a loaded machine the
    wall figure is mostly waiting for a core; the CPU one is not, but counts building requests);
    and the audit commits per call (each one durable: the floor is that many INSERT+COMMITs)."""
    from contextlib import nullcontext

    import httpx

    from evals.bench.bench_gate_requests import ADMIN, open_bench
    from tools.docusign.sandbox import Sandbox

    sandbox = Sandbox.from_fixture("acme")
    inside = [0.0]

    class Timed(httpx.BaseTransport):
        def __init__(self, inner: httpx.BaseTransport) -> None:
            self.inner = inner

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            started = time.thread_time()
            try:
                return self.inner.handle_request(request)
            finally:
                inside[0] += time.thread_time() - started

    bench = open_bench(sandbox, store_url, transport=Timed(sandbox.transport()))
    if not batched:  # every append its own transaction, as before issue 16
        bench.audit.batch = lambda: nullcontext()
        bench.audit.flush = lambda: None
    commits = [0]
    write = bench.audit._writer.append  # one call is one transaction, one durable commit

    def counted(events: list) -> list:
        commits[0] += 1
        return write(events)

    bench.audit._writer.append = counted
    profiles = ("DocuSign Viewer", "DocuSign Sender")
    out, cpu = [], []
    for i in range(calls + 20):
        before = len(bench.seen)
        inside[0] = 0.0
        t, c = time.perf_counter(), time.thread_time()
        result = bench.submit(ADMIN, "manage_account_membership", operation="change_permission_profile",
                              email="john.doe@acme.com", account="EMEA", permission_profile=profiles[i % 2])
        wall, used = time.perf_counter() - t, time.thread_time() - c
        assert result.kind == "ok", result
        if i == 19:
            commits[0] = 0
        if i >= 20:  # the first calls fill the name cache and the token
            out.append(wall * 1000 - sum(r.duration_ms for r in bench.seen[before:]))
            cpu.append((used - inside[0]) * 1000)
    assert bench.audit.verify().ok
    bench.client.close()
    bench.audit.close()
    bench.engine.dispose()
    return out, cpu, commits[0] / calls


def _anchor(store_url: str, count: int = 200) -> float:
    """p50 ms of one single-row INSERT + COMMIT with the store's own engine settings (SQLite: WAL,
    synchronous=NORMAL): the floor of any durable append there."""
    from sqlalchemy import text

    from audit.db import make_engine

    engine = make_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_anchor (v TEXT)"))
    times = []
    with engine.connect() as conn:
        for i in range(count):
            t = time.perf_counter()
            conn.execute(text("INSERT INTO bench_anchor (v) VALUES (:v)"), {"v": str(i)})
            conn.commit()
            times.append((time.perf_counter() - t) * 1000)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_anchor"))
    engine.dispose()
    return statistics.median(times)


def bench_gate(name: str, make_url: Callable[[], tuple[str, Callable[[], None]]], calls: int,
               runs: int) -> list[str]:
    lines = []
    for batched in (True, False):
        p50s, p99s, anchors, cpus, commits = [], [], [], [], []
        for _ in range(runs):
            url, cleanup = make_url()
            try:
                anchors.append(_anchor(url))
                overhead, cpu, per_call = _gate_overhead(url, calls, batched)
                commits.append(per_call)
            finally:
                cleanup()
            cuts = statistics.quantiles(overhead, n=100)
            p50s.append(cuts[49])
            p99s.append(cuts[98])
            cpus.append(statistics.median(cpu))
        anchor, floor = statistics.median(anchors), statistics.median(anchors) * max(commits)
        label = f"{name}, gate write, {'batched' if batched else 'append per event'}"
        lines.append(f"{label:<44} p50 median {statistics.median(p50s):6.2f} ms  min {min(p50s):6.2f} ms  "
                     f"p99 median {statistics.median(p99s):6.2f} ms  anchor {anchor:5.2f} ms  "
                     f"p50/anchor {statistics.median(p50s) / anchor:5.1f}x  "
                     f"floor {max(commits):.0f} commits x anchor {floor:6.2f} ms  "
                     f"CPU p50 median {statistics.median(cpus):6.2f} ms")
    return lines


def _sqlite_url() -> tuple[str, Callable[[], None]]:
    tmp = tempfile.TemporaryDirectory()
    return f"sqlite:///{Path(tmp.name) / 'gate.db'}", tmp.cleanup


def _pg_url(base: str) -> Callable[[], tuple[str, Callable[[], None]]]:
    from sqlalchemy import create_engine, text

    def make() -> tuple[str, Callable[[], None]]:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))

        def drop() -> None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()

        sep = "&" if "?" in base else "?"
        return f"{base}{sep}options=-csearch_path%3D{schema}", drop

    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="appends per run (default 2000)")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writers (default 4)")
    parser.add_argument("--pg-url", default=os.environ.get("DSADMIN_TEST_POSTGRES_URL"))
    parser.add_argument("--gate-calls", type=int, default=200, help="gate writes per run (default 200)")
    parser.add_argument("--runs", type=int, default=3, help="runs of the gate figures (at least 3)")
    args = parser.parse_args()
    if args.events < 100 or args.writers < 1 or args.runs < 3 or args.gate_calls < 50:
        parser.error("--events >= 100, --writers >= 1, --runs >= 3 and --gate-calls >= 50, please")

    print("gate overhead per write = wall time of Gate.submit minus time inside DocuSign requests; "
          "anchor = one INSERT+COMMIT")
    for line in bench_gate("sqlite", _sqlite_url, args.gate_calls, args.runs):
        print(line, flush=True)
    if args.pg_url:
        for line in bench_gate("postgresql", _pg_url(args.pg_url), args.gate_calls, args.runs):
            print(line, flush=True)

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
