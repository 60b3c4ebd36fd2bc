"""Benchmark: lifecycle at scale through DocuSign's bulk jobs, against one by one, at 50 ms latency.

1. Provisioning users from a CSV (``dsadmin bulk add``): Admin API requests (status polls counted
   apart) and wall time, against provisioning the same number one by one through the gate.
2. An access review of a large org (``dsadmin report access``): requests and wall time via the
   user-list export job, against paging plus one drilldown per user.

Every run goes through the product's own code (gate, client, sandbox over its in-process
transport, with ``latency_ms`` of injected latency per request). The sandbox's job processing
time is its own model (``_bulk.ROWS_PER_SECOND``), not DocuSign's: polls advance the sandbox clock
instead of sleeping, so wall times here are the API round trips dsadmin makes, and the modelled
processing time is printed beside them. Figures: median and min of ``--repeat`` runs; the one by
one runs and the paging review are measured on ``--sample`` users and scaled per user (printed as
such) because at 50 ms a request they take minutes.

    python evals/bench/bench_bulk.py [--users 1000] [--review-users 50000] [--sample 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

POLL = "/imports/bulk_users/{importId}"
EXPORT_POLL = "/exports/user_list/{exportId}"


def _stack(users: int, latency_ms: float, home: Path):
    from agent.config import embedded_default
    from agent.runtime import build_runtime
    from tools.docusign.sandbox import Sandbox
    from tools.docusign.sandbox.generate import generate_org

    sb = Sandbox.from_fixture(generate_org(users, seed=1) if users > 50 else "acme")
    rt = build_runtime(embedded_default(), sandbox=sb, store_url=f"sqlite:///{home / 'store.db'}")
    rt.gate.directory.accounts()  # sign-in and the account list: the same for both ways, not measured
    sb.faults = {"latency_ms": latency_ms}
    return sb, rt


def _admin_requests(sb, since: int) -> tuple[int, int]:
    """(requests, status polls) served since index ``since``, OAuth excluded."""
    served = [r for r in sb.requests[since:] if r.path_template.startswith("/Management")]
    polls = [r for r in served if r.method == "GET" and r.path_template.endswith((POLL, EXPORT_POLL))]
    return len(served) - len(polls), len(polls)


def _csv(n: int, offset: int) -> str:
    lines = ["AccountID,UserName,UserEmail,PermissionSet,Group1"]
    lines += [
        f"Acme Main,New Hire{i},new.hire{i:05d}@acme.com,DocuSign Sender,Sales"
        for i in range(offset, offset + n)
    ]
    return "\n".join(lines) + "\n"


def bulk_add(users: int, latency_ms: float, home: Path) -> dict:
    from agent.channels.cli import bulk as bulk_cli
    from tools.docusign.sandbox import _bulk

    sb, rt = _stack(40, latency_ms, home)
    start = len(sb.requests)
    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the per-row JSON report is not the benchmark's output
        code = bulk_cli.run(rt, rt.actor("admin@acme.com"), "add", _csv(users, 0), yes=True, as_json=True,
                            sleep=lambda s: sb.advance_clock(seconds=s))  # fmt: skip
    wall = time.perf_counter() - began
    requests, polls = _admin_requests(sb, start)
    made = sum(1 for i in range(users) if sb.state.user_by_email(f"new.hire{i:05d}@acme.com"))
    rt.close()
    modelled = _bulk.QUEUED_SECONDS + users / _bulk.ROWS_PER_SECOND
    return {"ok": code == 0 and made == users, "wall": wall, "requests": requests, "polls": polls,
            "modelled": modelled}  # fmt: skip


def one_by_one(users: int, latency_ms: float, home: Path) -> dict:
    from tools.actions import ToolCall

    sb, rt = _stack(40, latency_ms, home)
    actor = rt.actor("admin@acme.com")
    start = len(sb.requests)
    began = time.perf_counter()
    results = [
        rt.gate.submit(actor, ToolCall(id=f"p{i}", action="manage_user", args={
            "operation": "provision", "email": f"new.hire{i:05d}@acme.com", "account": "Acme Main",
            "permission_profile": "DocuSign Sender", "groups": ["Sales"], "first_name": "New",
            "last_name": f"Hire{i}"}))
        for i in range(users)
    ]  # fmt: skip
    wall = time.perf_counter() - began
    requests, _ = _admin_requests(sb, start)
    rt.close()
    return {"ok": all(r.kind == "ok" for r in results), "wall": wall, "requests": requests}


def review(users: int, via: str, latency_ms: float, home: Path) -> dict:
    from tools.docusign import bulk
    from tools.operations import reviews

    sb, rt = _stack(users, latency_ms, home)
    start = len(sb.requests)
    began = time.perf_counter()

    def wait(poll):
        return bulk.wait(poll, sleep=lambda s: sb.advance_clock(seconds=s))

    rows, _ = reviews.access_rows(rt.gate, rt.actor("admin@acme.com"), via=via, wait=wait)
    wall = time.perf_counter() - began
    requests, polls = _admin_requests(sb, start)
    memberships = sum(len(u.memberships) for u in sb.state.users.values())
    rt.close()
    return {
        "ok": len(rows) == memberships,
        "wall": wall,
        "requests": requests,
        "polls": polls,
        "rows": len(rows),
    }


def _runs(fn, repeat: int, *args) -> list[dict]:
    out = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            out.append(fn(*args, Path(tmp)))
    return out


def _walls(runs: list[dict]) -> tuple[float, float]:
    walls = [r["wall"] for r in runs]
    return statistics.median(walls), min(walls)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--review-users", type=int, default=50_000)
    parser.add_argument("--sample", type=int, default=100, help="users measured one by one (scaled up)")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    lat, n = args.latency_ms, args.users

    bulk_runs = _runs(bulk_add, args.repeat, n, lat)
    single_runs = _runs(one_by_one, args.repeat, args.sample, lat)
    if not all(r["ok"] for r in bulk_runs + single_runs):
        print("a provisioning run did not create every user")
        return 1
    b_med, b_min = _walls(bulk_runs)
    s_med, s_min = (w * n / args.sample for w in _walls(single_runs))
    per_user = single_runs[0]["requests"] / args.sample
    print(f"provisioning {n} users at {lat:g} ms latency")
    print(
        f"  bulk job:    {bulk_runs[0]['requests']} Admin API requests "
        f"(+{bulk_runs[0]['polls']} status polls); wall median {b_med:.2f} s, min {b_min:.2f} s "
        f"(+{bulk_runs[0]['modelled']:.1f} s modelled processing)"
    )
    print(
        f"  one by one:  {per_user * n:.0f} requests ({per_user:.1f} per user, measured on {args.sample}); "
        f"wall median {s_med:.1f} s, min {s_min:.1f} s (scaled from {args.sample})"
    )
    print(
        f"  bulk / one by one wall: median {b_med / s_med:.4f}, min {b_min / s_min:.4f}; "
        f"with modelled processing {(b_med + bulk_runs[0]['modelled']) / s_med:.4f}"
    )

    export_runs = _runs(review, args.repeat, args.review_users, "export", lat)
    paging_runs = _runs(review, 1, args.sample * 10, "paging", lat)
    if not all(r["ok"] for r in export_runs + paging_runs):
        print("a review run missed rows")
        return 1
    e_med, e_min = _walls(export_runs)
    scale = args.review_users / (args.sample * 10)
    p_wall = paging_runs[0]["wall"] * scale
    p_requests = paging_runs[0]["requests"] * scale
    print(
        f"\naccess review of {args.review_users} users ({export_runs[0]['rows']} memberships) at {lat:g} ms"
    )
    print(
        f"  export job:  {export_runs[0]['requests']} requests (+{export_runs[0]['polls']} polls); "
        f"wall median {e_med:.2f} s, min {e_min:.2f} s"
    )
    print(
        f"  paging:      ~{p_requests:.0f} requests, ~{p_wall:.0f} s "
        f"(measured on {args.sample * 10} users: {paging_runs[0]['requests']} requests, "
        f"{paging_runs[0]['wall']:.1f} s)"
    )
    print(f"  export / paging wall: {e_med / p_wall:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
