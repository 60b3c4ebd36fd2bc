"""Load on ``dsadmin serve``: 50 concurrent sessions against two instances sharing one PostgreSQL.

    python -m evals.bench.bench_serve [--seconds 60] [--sessions 50] [--pg-url URL]

Two service processes (each with its notification worker) on the embedded default: the file-backed
sandbox org, the offline planner, one PostgreSQL store in a throw-away schema. Sessions alternate
between the instances: most are employees asking for a seat (each request waits for an approver),
some are admins asking who is pending, some are approvers approving whatever waits (several may
press the same request; the losers get 409). Prints requests/s, p50/p99 latency, errors (anything
but a 2xx, or a 409 from a lost approval race), executions per approved request (from the audit
log: each must have been claimed for execution exactly once) and whether the audit chain verifies.
Not a test: figures only.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

ADMIN_ASKS = ("Who is still pending?", "Show the permission profiles on Acme Legal")
ACCOUNTS = ("EMEA", "Acme Legal", "Contractors", "Acme Main")


def instance(url: str, schema: str, port: int) -> None:
    """One ``serve`` instance (run in its own process by the benchmark)."""
    import uvicorn

    from agent.channels.web.app import create_app
    from agent.config import embedded_default
    from agent.runtime import build_runtime
    from audit.db import open_store

    config = embedded_default()
    config.notify.poll_seconds = 0.5
    rt = build_runtime(config, engine=open_store(url, schema=schema))
    uvicorn.run(create_app(rt), host="127.0.0.1", port=port, log_level="error", access_log=False)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(base: str) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"the instance at {base} did not start")


def run(args: argparse.Namespace) -> None:
    import httpx

    from agent.config import dsadmin_home
    from audit import AuditLog
    from audit.db import open_store
    from tools.docusign.sandbox import Sandbox
    from tools.docusign.sandbox._oidc import IdentityProvider, sandbox_people

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = open_store(args.pg_url, schema=schema)
    sandbox = Sandbox.open(dsadmin_home() / "sandbox", reset=True)
    people = [
        e
        for e, _ in sandbox_people(sandbox)()
        if e.endswith("@acme.com") and e not in ("admin@acme.com", "approver@acme.com")
    ]
    idp = IdentityProvider(dsadmin_home(), sandbox_people(sandbox))
    ports = [_free_port(), _free_port()]
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "evals.bench.bench_serve",
                "--instance",
                str(p),
                "--schema",
                schema,
                "--pg-url",
                args.pg_url,
            ],
            env=env,
        )
        for p in ports
    ]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    latencies: list[float] = []
    outcomes: Counter = Counter()
    lock = threading.Lock()
    try:
        for base in bases:
            _wait_up(base)
        tokens: dict[tuple[str, str], str] = {}

        def token(base: str, email: str) -> str:
            if (base, email) not in tokens:
                tokens[(base, email)] = idp.tokens_for(f"{base}/idp", email)["access_token"]
            return tokens[(base, email)]

        stop = time.monotonic() + args.seconds

        def session(n: int) -> None:
            base = bases[n % 2]
            role = "approver" if n % 10 == 0 else "admin" if n % 10 == 1 else "employee"
            email = {"approver": "approver@acme.com", "admin": "admin@acme.com"}.get(role) or people[
                n % len(people)
            ]
            rng = random.Random(n)
            with httpx.Client(
                base_url=base, timeout=120, headers={"Authorization": f"Bearer {token(base, email)}"}
            ) as http:
                while time.monotonic() < stop:
                    start = time.perf_counter()
                    try:
                        if role == "approver":
                            waiting = http.get("/api/v1/approvals", params={"status": "pending"}).json()
                            mine = [a for a in waiting if a["requester"] != email]
                            if not mine:
                                time.sleep(0.2)
                                continue
                            r = http.post(f"/api/v1/approvals/{rng.choice(mine)['id']}/approve", json={})
                        elif role == "admin":
                            r = http.post("/api/v1/ask", json={"text": rng.choice(ADMIN_ASKS)})
                        else:
                            text = f"Please give me a DocuSign Viewer seat on {rng.choice(ACCOUNTS)}"
                            r = http.post("/api/v1/ask", json={"text": text})
                        code = r.status_code
                        kind = "ok" if code < 300 else "lost_race" if code == 409 else f"http_{code}"
                    except httpx.HTTPError as exc:
                        kind = f"exception_{exc.__class__.__name__}"
                    with lock:
                        latencies.append(time.perf_counter() - start)
                        outcomes[kind] += 1

        threads = [threading.Thread(target=session, args=(n,)) for n in range(args.sessions)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    log = AuditLog(engine)
    executing = Counter(
        r.payload.get("approval_id")
        for r in log.records()
        if r.kind == "approval_decided" and r.payload.get("to") == "executing"
    )
    from sqlalchemy import func, select

    from audit.models import Approval
    from audit.service_tables import OutboxEntry

    with engine.connect() as conn:
        statuses = dict(conn.execute(select(Approval.status, func.count()).group_by(Approval.status)).all())
        notices = dict(
            conn.execute(select(OutboxEntry.status, func.count()).group_by(OutboxEntry.status)).all()
        )
    approved = statuses.get("executed", 0) + statuses.get("failed", 0)
    per_approval = sorted(set(executing.values())) or [0]
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    errors = sum(v for k, v in outcomes.items() if k not in ("ok", "lost_race"))
    report = log.verify()
    print(f"dsadmin serve: {args.sessions} sessions, 2 instances, PostgreSQL, offline planner, {wall:.0f} s")
    print(f"  requests:     {len(latencies)}  ({len(latencies) / wall:.1f} req/s)")
    print(f"  latency:      p50 {cuts[49] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms")
    print(f"  errors:       {errors}  {dict(outcomes)}")
    print(f"  approvals:    {dict(statuses)}")
    print(f"  executions per approved request: {per_approval} (over {approved} approved)")
    print(f"  notifications: {dict(notices)}")
    print(
        f"  audit chain:  {'verifies' if report.ok else 'BROKEN: ' + str(report.problem)} "
        f"({report.checked} events)"
    )
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--pg-url", default=os.environ.get("DSADMIN_TEST_POSTGRES_URL"))
    parser.add_argument("--instance", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.pg_url:
        raise SystemExit("needs PostgreSQL: pass --pg-url or set DSADMIN_TEST_POSTGRES_URL")
    if args.instance:
        instance(args.pg_url, args.schema, args.instance)
        return
    os.environ.setdefault("DSADMIN_HOME", tempfile.mkdtemp(prefix="dsadmin-bench-"))
    run(args)


if __name__ == "__main__":
    main()
