"""Benchmark: the offline planner's time per request, on a 10,000-user directory.

What one turn costs the planner: building it over the organization's vocabulary (the gazetteer is
compiled per turn, as the backend does) and planning the request; for a request that names a
person without an email, also matching the ``list_users`` page the directory returns for that
name (up to 100 rows of the generated 10,000) — the planner's whole share of a turn, no I/O.

Prints, per run (at least three), the p50, p95 and max of the per-request times, and the median
and min over the runs, each also as a ratio to an anchor measured in the same run: one
``re.findall`` word split of the same requests (so a slower machine moves both). Target: p50 < 2 ms.

    python evals/bench/bench_planner.py [--users 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from agent.backends.base import OrgVocabulary
from agent.backends.offline import Planner
from agent.backends.offline.frame import Frame
from tools.docusign.sandbox.generate import generate_org

REQUESTS = [
    (
        "admin@acme.com",
        'Provision a DocuSign user for maya.chen@acme.com on our main account with the "DocuSign '
        'Sender" permission profile and the Sales group',
    ),
    (
        "admin@acme.com",
        'List every DocuSign user in the org with status "pending" — who hasn\'t activated yet?',
    ),
    (
        "admin@acme.com",
        'Show me the permission profiles available on account "Acme Legal" so I can pick one for '
        "the new paralegal",
    ),
    (
        "admin@acme.com",
        'Change john.doe@acme.com\'s permission profile to "Account Administrator" on the EMEA account',
    ),
    (
        "admin@acme.com",
        "Close maya.chen@acme.com's membership in the Contractors account — she moved to full-time",
    ),
    ("sam.lee@acme.com", "I need a DocuSign seat to send contracts — can you get me access?"),
    ("sam.lee@acme.com", "Request sender permissions on my DocuSign account so I can send NDAs"),
    ("sam.lee@acme.com", "Which DocuSign accounts do I have access to, and what's my permission profile?"),
    ("admin@acme.com", "Do I have the DocuSign Viewer profile on EMEA?"),
    ("admin@acme.com", "Make john.doe@acme.com a Super Admin on EMEA"),
    ("admin@acme.com", "add sam.lee@acme.com to the HR Partners group on Acme Main"),
    ("admin@acme.com", "Which users haven't sent an envelope in 90 days?"),
    ("admin@acme.com", "pending users on emea pls"),
    ("admin@acme.com", "move {person} to viewer on acme legal"),  # a person of the directory, lower-case
    ("admin@acme.com", "Close {Person}'s membership on Contractors"),
    ("admin@acme.com", "zoe.muller@acme.com's last name is just Müller now - can you update it for her"),
]


def directory(users: int) -> tuple[OrgVocabulary, list[dict]]:
    org = generate_org(users)
    accounts = org["accounts"]
    vocabulary = OrgVocabulary(
        organization="Acme Corp",
        accounts=tuple(a["name"] for a in accounts),
        default_account=next(a["name"] for a in accounts if a.get("default")),
        profiles={a["name"]: tuple(a["permission_profiles"]) for a in accounts},
        groups={a["name"]: tuple(a["groups"]) for a in accounts},
    )
    rows = [
        {
            "email": u["email"],
            "name": f"{u.get('first_name', '')} {u.get('last_name', '')}".strip(),
            "memberships": [{"account": a, "status": "active"} for a in u.get("memberships", {})],
        }
        for u in org["users"]
    ]
    return vocabulary, rows


def _page(rows: list[dict], fragment: str) -> dict:
    """What list_users answers for name_contains=fragment (the first page of 100)."""
    low = fragment.lower()
    hits = [r for r in rows if low in r["name"].lower() or low in r["email"].lower()]
    return {"kind": "ok", "data": {"users": hits[:100]}, "next_cursor": "more" if len(hits) > 100 else None}


def one_turn(vocabulary: OrgVocabulary, rows: list[dict], actor: str, text: str) -> float:
    """Seconds the planner spends on ``text``, including matching the directory page for a name."""
    roles = ("admin",) if actor.startswith("admin") else ("employee",)
    start = time.perf_counter()
    planner = Planner(vocabulary, actor, roles)
    plan = planner.plan(text)
    pending = (plan.state or {}).get("pending") or {}
    if pending.get("lookup") == "person":
        elapsed = time.perf_counter() - start
        pages = [_page(rows, c.args["name_contains"]) for c in plan.calls or []]  # the directory's part
        start = time.perf_counter()
        planner.after_person_lookup(Frame.from_dict(pending["frame"]), pages)
        return elapsed + time.perf_counter() - start
    return time.perf_counter() - start


def anchor(texts: list[str]) -> float:
    """Seconds for one regex word split of each request: the yardstick measured in the same run."""
    start = time.perf_counter()
    for _ in range(200):
        for text in texts:
            re.findall(r"\w+", text.lower())
    return (time.perf_counter() - start) / (200 * len(texts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    vocabulary, rows = directory(args.users)
    person = rows[len(rows) // 2]["name"]
    requests = [(a, t.format(person=person.lower(), Person=person)) for a, t in REQUESTS]
    texts = [t for _, t in requests]
    for actor, text in requests:  # warm up (regex caches), not measured
        one_turn(vocabulary, rows, actor, text)
    p50s, p95s, ratios = [], [], []
    print(f"offline planner, {len(REQUESTS)} requests, directory of {len(rows)} users")
    for run in range(max(3, args.runs)):
        times = sorted(one_turn(vocabulary, rows, actor, text) for actor, text in requests)
        unit = anchor(texts)
        p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
        p50s.append(p50)
        p95s.append(p95)
        ratios.append(p50 / unit)
        print(
            f"run {run + 1}: p50 {p50 * 1000:.3f} ms  p95 {p95 * 1000:.3f} ms  "
            f"max {times[-1] * 1000:.3f} ms  "
            f"(anchor {unit * 1e6:.2f} µs, p50 = {p50 / unit:.0f}x anchor)"
        )
    print(
        f"p50 per request: median {statistics.median(p50s) * 1000:.3f} ms, min {min(p50s) * 1000:.3f} ms "
        f"(target < 2 ms); p95 median {statistics.median(p95s) * 1000:.3f} ms; "
        f"p50 / anchor: median {statistics.median(ratios):.0f}x, min {min(ratios):.0f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
