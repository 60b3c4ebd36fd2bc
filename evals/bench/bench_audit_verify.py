"""Audit log at size: `audit verify` full and incremental, and filtered `audit tail`.

    python evals/bench/bench_audit_verify.py [--events 200000] [--runs 3] [--pg-url URL]

Builds a store of ``--events`` events (in batches, timestamps spread over 30 days, 40 actors
and one rare one, the gate's event kinds), then measures, each ``--runs`` times, median and min:
- full verify (every event re-hashed);
- incremental verify after 1,000 new events (from the point the previous verify proved);
- `tail -n 20` filtered by a rare actor, a common actor, a kind, a target, `--since 1h`, and
  `--since 7d --kind decision`.
Every figure is also given as a ratio to an anchor measured in the same run on the same store:
``SELECT count(*)`` over the events table (one scan of it), so a slower or busier machine moves
the anchor with the figures; the full verify also against a second one, fetching every row's
columns without hashing (its floor), and with this process's CPU time (on a loaded machine the
wall time is mostly waiting for a core). On SQLite the store is filled with bulk inserts (hashes
computed as ``append`` does), so a million events build in a minute rather than many.
PostgreSQL runs when ``--pg-url`` or DSADMIN_TEST_POSTGRES_URL is
set, in a throw-away schema.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from audit import AuditLog, open_store
from audit.checkpoints import Checkpointer
from audit.db import qualifier

KINDS = ("model_proposal", "decision", "docusign_request", "docusign_request", "action_result")
SPAN = timedelta(days=30)


def build(log: AuditLog, events: int, clock: list[datetime]) -> None:
    """``events`` events in batches of 2,000; ``clock[0]`` walks from 30 days ago to now."""
    step = SPAN / max(events, 1)
    written = 0
    while written < events:
        with log.batch():
            for _ in range(min(2000, events - written)):
                i = written
                actor = "rare@acme.com" if i % 50_000 == 7 else f"admin{i % 40}@acme.com"
                kind = KINDS[i % len(KINDS)]
                log.append(kind, session_id=f"s-{i // 5}", actor=actor, action="manage_user",
                           target=f"user{i % 5000}@acme.com",
                           payload={"seq": i, "status": 200, "path": "/v2/organizations/{id}/users"})
                clock[0] += step
                written += 1


def build_bulk(log: AuditLog, events: int, clock: list[datetime]) -> None:
    """The same events as ``build``, written straight into SQLite in chunks of 20,000 (hashes by
    ``audit._canonical.event_hash``, rows as the store's writer lays them out), then the chain
    head: a million events through ``append`` take minutes, and only ``verify`` is measured."""
    from audit._canonical import canonical_json, event_hash

    step = SPAN / max(events, 1)
    raw = log.engine.raw_connection()
    try:
        cur = raw.cursor()
        last_id, prev = cur.execute("SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1").fetchone()
        for start in range(0, events, 20_000):
            rows = []
            for i in range(start, min(start + 20_000, events)):
                ts = clock[0]
                clock[0] += step
                actor = "rare@acme.com" if i % 50_000 == 7 else f"admin{i % 40}@acme.com"
                fields = {"ts": ts, "session_id": f"s-{i // 5}", "actor": actor,
                          "kind": KINDS[i % len(KINDS)], "action": "manage_user",
                          "target": f"user{i % 5000}@acme.com",
                          "payload": {"seq": i, "status": 200, "path": "/v2/organizations/{id}/users"}}
                last_id += 1
                digest = event_hash(last_id, prev_hash=prev, **fields)
                rows.append((last_id, ts.strftime("%Y-%m-%d %H:%M:%S.%f"), fields["session_id"], actor,
                             fields["kind"], fields["action"], fields["target"],
                             canonical_json(fields["payload"]), prev, digest))
                prev = digest
            cur.executemany("INSERT INTO audit_events (id, ts, session_id, actor, kind, action, target, "
                            "payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            cur.execute("UPDATE audit_chain_head SET last_id = ?, last_hash = ? WHERE id = 1",
                        (last_id, prev))
            raw.commit()
    finally:
        raw.close()


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times), result


def line(name: str, med: float, best: float, anchor: float, note: str = "") -> str:
    return f"{name:<44} {med * 1000:>10.1f} {best * 1000:>10.1f} {med / anchor:>8.2f}x  {note}"


def bench(log: AuditLog, events: int, runs: int, label: str) -> list[str]:
    clock = [datetime.now(UTC) - SPAN]
    log._clock = lambda: clock[0]
    t0 = time.perf_counter()
    (build_bulk if log.engine.dialect.name == "sqlite" else build)(log, events, clock)
    built = time.perf_counter() - t0
    clock[0] = datetime.now(UTC)
    table = f"{qualifier(log.engine)}audit_events"

    def count() -> int:
        with log.engine.connect() as conn:
            return conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()

    anchor, anchor_min, n = timed(count, runs)
    how = "bulk inserts" if log.engine.dialect.name == "sqlite" else "appends in batches"
    out = [f"-- {label}: {n} events (built in {built:.1f} s, {n / built:.0f} events/s, {how})",
           line("anchor: SELECT count(*)", anchor, anchor_min, anchor)]
    def read_all() -> int:  # the floor of any full verify: every row fetched, nothing hashed
        with log.engine.connect() as conn:
            columns = "id, ts, session_id, actor, kind, action, target, payload, prev_hash, hash"
            return sum(1 for _ in conn.exec_driver_sql(f"SELECT {columns} FROM {table} ORDER BY id"))

    cpu: list[float] = []

    def verify_cpu() -> object:
        started = time.process_time()
        report = log.verify()
        cpu.append(time.process_time() - started)
        return report

    floor, floor_min, _ = timed(read_all, runs)
    out.append(line("anchor 2: fetch every row (no hashing)", floor, floor_min, anchor))
    med, best, report = timed(verify_cpu, runs)
    note = (f"ok={report.ok} checked={report.checked}; {med / floor:.2f}x anchor 2; "
            f"CPU of this process median {statistics.median(cpu):.1f} s")
    out.append(line("verify, full", med, best, anchor, note))

    incr = []
    for r in range(runs):
        with log.batch():
            for i in range(1000):
                log.append("docusign_request", actor="admin1@acme.com", payload={"new": r * 1000 + i})
        t = time.perf_counter()
        report = log.verify(incremental=True)
        incr.append(time.perf_counter() - t)
        assert report.ok and report.checked == 1000, report
    out.append(line("verify, incremental after 1,000 new", statistics.median(incr), min(incr), anchor,
                    f"ok={report.ok} checked={report.checked}"))

    now = datetime.now(UTC)
    filters = {
        "tail -n 20 --actor (rare)": {"actor": "rare@acme.com"},
        "tail -n 20 --actor (1 in 40)": {"actor": "admin3@acme.com"},
        "tail -n 20 --kind decision": {"kind": "decision"},
        "tail -n 20 --target (1 in 5000)": {"target": "user42@acme.com"},
        "tail -n 20 --since 1h": {"since": now - timedelta(hours=1)},
        "tail -n 20 --since 7d --kind decision": {"since": now - timedelta(days=7), "kind": "decision"},
    }
    for name, args in filters.items():
        med, best, rows = timed(lambda args=args: log.tail(20, **args), max(runs, 5))
        out.append(line(name, med, best, anchor, f"{len(rows)} rows"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="events in the store (default 200000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (at least 3)")
    parser.add_argument("--pg-url", default=os.environ.get("DSADMIN_TEST_POSTGRES_URL"))
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if args.events < 1000 or args.runs < 3:
        parser.error("--events must be at least 1000 and --runs at least 3")

    print(f"{'figure':<44} {'median ms':>10} {'min ms':>10} {'/anchor':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        signer = Checkpointer(Path(tmp) / "key", Path(tmp) / "sink.jsonl", every=10**9)
        if not args.skip_sqlite:
            engine = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
            log = AuditLog(engine, checkpoints=signer)
            for out in bench(log, args.events, args.runs, "sqlite"):
                print(out, flush=True)
            log.close()
            engine.dispose()
        if args.pg_url:
            from sqlalchemy import text

            schema = f"bench_{uuid.uuid4().hex[:10]}"
            engine = open_store(args.pg_url, schema=schema)
            try:
                log = AuditLog(engine, checkpoints=signer)
                for out in bench(log, args.events, args.runs, "postgresql"):
                    print(out, flush=True)
                log.close()
            finally:
                with engine.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                engine.dispose()
        else:
            print("postgresql: skipped (set DSADMIN_TEST_POSTGRES_URL or pass --pg-url)")


if __name__ == "__main__":
    main()
