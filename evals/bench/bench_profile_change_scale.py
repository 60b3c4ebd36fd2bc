"""Benchmark: one permission-profile change through `dsadmin ask`, on a 1,000-user and a 50,000-user org.

The same request against orgs of two sizes makes the same DocuSign requests; what differs is
what the product does with the org's size (the file-backed sandbox used to load and rewrite the
whole org at open, at token issue and after each write). Each size gets its own $DSADMIN_HOME,
reset with ``dsadmin sandbox reset --users N`` (timed separately), and one untimed warm-up
command (so both sizes reuse a token and the directory cache alike). Then the change is made
``--runs`` times per size, sizes interleaved, each a real process (interpreter start included),
alternating between two profiles so that every run writes. Printed: median and min wall time per
size, the requests each run made (from the audit log), and the ratio of the medians.

    python -m evals.bench.bench_profile_change_scale [--small 1000] [--large 50000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DSADMIN = str(Path(sys.executable).with_name("dsadmin"))
PROFILES = ("DocuSign Viewer", "DocuSign Sender")
REQUEST = "Change sam.lee@acme.com's permission profile on Acme Main to {profile}"


def _run(home: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "DSADMIN_HOME": str(home), "DSADMIN_FORBID_MODEL_REQUESTS": "1"}
    env.pop("ANTHROPIC_API_KEY", None)
    started = time.perf_counter()
    done = subprocess.run([DSADMIN, *args], env=env, capture_output=True, text=True, timeout=900, check=False)
    return time.perf_counter() - started, done


def _requests(home: Path) -> int:
    """Admin API requests the audit log holds so far (0 before the first command made the store)."""
    if not (home / "dsadmin.db").exists():
        return 0
    with sqlite3.connect(home / "dsadmin.db") as conn:
        return conn.execute("SELECT count(*) FROM audit_events WHERE kind = 'docusign_request'").fetchone()[0]


def _change(home: Path, n: int) -> tuple[float, int]:
    before = _requests(home)
    text = REQUEST.format(profile=PROFILES[n % 2])
    wall, done = _run(home, "ask", "--json", "--as", "admin@acme.com", text)
    if done.returncode != 0 or json.loads(done.stdout)["outcome"] != "done":
        raise SystemExit(f"the profile change failed: {done.stdout or done.stderr}")
    return wall, _requests(home) - before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = (args.small, args.large)
    with tempfile.TemporaryDirectory(prefix="dsadmin-bench-") as tmp:
        homes = {size: Path(tmp) / f"home-{size}" for size in sizes}
        for size, home in homes.items():
            wall, done = _run(home, "sandbox", "reset", "--users", str(size))
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            print(f"sandbox reset --users {size}: {wall:.1f} s")
            _change(home, 1)  # warm-up: the token and the directory cache, as on any later command
        walls: dict[int, list[float]] = {size: [] for size in sizes}
        counts: dict[int, set[int]] = {size: set() for size in sizes}
        for n in range(max(3, args.runs)):
            for size in sizes:
                wall, requests = _change(homes[size], n)
                walls[size].append(wall)
                counts[size].add(requests)
    for size in sizes:
        w = walls[size]
        print(
            f"{size:>7} users: median {statistics.median(w):.2f} s, min {min(w):.2f} s "
            f"({', '.join(f'{x:.2f}' for x in w)}); DocuSign requests per run: {sorted(counts[size])}"
        )
    ratio = statistics.median(walls[args.large]) / statistics.median(walls[args.small])
    best = min(walls[args.large]) / min(walls[args.small])
    print(f"wall {args.large} / {args.small} users: {ratio:.2f}x (medians), {best:.2f}x (mins); "
          "target <= 1.5x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
