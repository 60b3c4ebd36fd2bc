"""Benchmark: list a 10,000-user account through the sandbox with 50 ms of latency per request.

Prints the requests the client made, the minimum possible (one per page of 100), the wall time
(median and min of ``--repeat`` >= 3 runs), and the ratio of wall time to the ideal for the
client's concurrency, for two paths: the in-process transport, and real HTTP to the sandbox
served on loopback (uvicorn), as a deployed client would talk. The ideal: the first page alone (it
tells the total), then the other pages in waves of ``concurrency``, each wave costing one latency
plus one page of the emulator's own work (measured on the same path without injected latency, one
request at a time): a lower bound, as if the emulator served a whole wave in parallel. A ratio
near 1 means the client adds nothing but the unavoidable round trips.

    python evals/bench/bench_client_paging.py [--users 10000] [--latency-ms 50] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.docusign._sender import RequestRecord

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

PAGE = 100
ACCOUNT = "Big Account"


def large_account(users: int) -> dict:
    """An org whose one account has ``users`` members, in the sandbox's fixture shape.

    The sandbox's ``generate_org`` spreads its users over four accounts (about a quarter each);
    the benchmark wants one account of exactly ``users``, so it writes that fixture itself.
    """
    admin = {
        "email": "admin@bench.example",
        "first_name": "Bench",
        "last_name": "Admin",
        "organization_admin": True,
        "memberships": {ACCOUNT: {"permission_profile": "Account Administrator"}},
    }
    members = [
        {
            "email": f"user{i:06d}@bench.example",
            "first_name": "User",
            "last_name": f"{i:06d}",
            "memberships": {ACCOUNT: {"permission_profile": "DocuSign Sender"}},
        }
        for i in range(users - 1)
    ]
    return {
        "organization": {"name": "Bench Corp", "domains": ["bench.example"]},
        "accounts": [
            {
                "name": ACCOUNT,
                "default": True,
                "permission_profiles": ["DocuSign Sender", "DocuSign Viewer", "Account Administrator"],
                "groups": ["Everyone", "Sales"],
            }
        ],
        "users": [admin, *members],
    }


def build_sandbox(users: int):
    from tools.docusign.sandbox import Sandbox

    return Sandbox.from_fixture(large_account(users))


def run(sb, concurrency: int, latency_ms: float, http_url: str | None = None) -> dict:
    """List the account once; ``http_url``: over HTTP to the served sandbox, else in process."""
    from tools.docusign import AdminClient, TokenAuth
    from tools.docusign.sandbox import SANDBOX_ADMIN_URL

    sb.faults = {"latency_ms": latency_ms}
    token = sb.issue_token("admin@bench.example")
    records: list[RequestRecord] = []
    account_id = sb.account_id(ACCOUNT)
    with AdminClient(
        http_url or SANDBOX_ADMIN_URL,
        TokenAuth(token),
        transport=None if http_url else sb.transport(),
        max_concurrency=concurrency,
        on_request=records.append,
    ) as client:
        started = time.perf_counter()
        users = client.users(sb.organization_id, account_id=account_id)
        wall = time.perf_counter() - started
    return {
        "users": len(users),
        "unique": len({u.id for u in users}),
        "requests": len(records),
        "wall": wall,
        "page_ms": [r.duration_ms for r in records],
    }


def ideal_seconds(pages: int, concurrency: int, latency_s: float, service_s: float) -> float:
    return (latency_s + service_s) * (1 + math.ceil((pages - 1) / concurrency))


def bench_path(sb, label: str, http_url: str | None, args) -> int:
    pages = math.ceil(args.users / PAGE)
    latency = args.latency_ms / 1000
    baseline = run(sb, 1, 0.0, http_url)
    service_ms = statistics.median(baseline["page_ms"])
    print(
        f"\n== {label} ==\none page without injected latency, one at a time: median {service_ms:.1f} ms "
        "(the sandbox's own work, the transport and the client's parsing; it adds to every request)"
    )
    walls = {}
    for concurrency in sorted({1, args.concurrency}):
        runs = [run(sb, concurrency, args.latency_ms, http_url) for _ in range(max(3, args.repeat))]
        result = runs[0]
        ideal = ideal_seconds(pages, concurrency, latency, service_ms / 1000)
        complete = all(r["users"] == r["unique"] == args.users for r in runs)
        w = [r["wall"] for r in runs]
        walls[concurrency] = statistics.median(w)
        print(
            f"concurrency {concurrency}: listed {result['users']} users "
            f"({'all, no duplicates' if complete else 'INCOMPLETE OR DUPLICATED'})"
        )
        print(f"  requests made      {sorted({r['requests'] for r in runs})}")
        print(f"  minimum possible   {pages} (pages of {PAGE})")
        print(f"  wall time          median {statistics.median(w):.2f} s, min {min(w):.2f} s "
              f"({', '.join(f'{x:.2f}' for x in w)})")
        waves = f"(1 + ceil({pages - 1}/{concurrency}))"
        formula = f"({args.latency_ms:g} + {service_ms:.1f}) ms x {waves}"
        print(f"  ideal              {ideal:.2f} s  = {formula}")
        print(f"  wall / ideal       median {statistics.median(w) / ideal:.2f}, min {min(w) / ideal:.2f}")
        if not complete:
            return 1
    if len(walls) == 2:
        speedup = walls[1] / walls[args.concurrency]
        print(f"concurrent paging is {speedup:.1f}x faster (medians) than page by page")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="runs per setting (at least 3): median and min")
    args = parser.parse_args(argv)

    built = time.perf_counter()
    sb = build_sandbox(args.users)
    print(f"sandbox with {args.users} users built in {time.perf_counter() - built:.1f}s")
    status = bench_path(sb, "in-process transport", None, args)
    from tools.docusign.sandbox.serve import serve_in_thread

    served = serve_in_thread(sb)
    try:
        status = status or bench_path(sb, f"HTTP on loopback ({served.admin_url})", served.admin_url, args)
    finally:
        served.stop()
    return status


if __name__ == "__main__":
    sys.exit(main())
