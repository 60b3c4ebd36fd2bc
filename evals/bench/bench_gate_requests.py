"""How many DocuSign requests each kind of request costs through the gate, cold and warm.

Run: ``python -m evals.bench.bench_gate_requests`` (the embedded acme sandbox; nothing external).

Cold: a fresh gate (empty name cache: the organization, profiles and groups are fetched).
Warm: the same gate after a similar request for someone else (names cached; users never are,
because a write must be planned on what DocuSign holds now). "Minimum" is the fewest requests
the Admin API allows for the job: one user lookup plus the writes it needs, one request per
account for an organization-wide listing, and so on. Confirmation and approval flows count
every step (ask, confirm, approve), since each step re-checks the current state. Token requests
(the JWT grant) are counted apart, in their own column.

Two more sections, each the median and min of ``--runs`` (>= 3) runs:
- "who is pending" at 10,000 users (a generated org, cold gate): the minimum is the organization,
  then per account and pending status (the spec's ``membership_status`` takes one value) one
  page of 100 per started hundred of matching users, at least one;
- a profile change end to end: real ``dsadmin ask`` processes (offline planner, its vocabulary
  prefetch included), counted from the audit log (Admin API) and the sandbox (tokens issued):
  the first command in a new home, one with the token reused but the directory cache emptied
  (the cold figure of issue 16: minimum 4 = organization, the account's permission profiles, the
  user, the write), and a warm one. Every request counts: the planner's reads of names before the
  gate runs (its prefetch) are Admin API requests in the audit log like the gate's own, and token
  requests are counted from the sandbox, apart and in the total.

The table above drives the gate directly (no planner): its cold column is the gate's own reads.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ADMIN, APPROVER = "admin@acme.com", "approver@acme.com"
PEOPLE = {"admins": [ADMIN], "approvers": [APPROVER], "employees": ["@acme.com"]}


@dataclass
class Bench:
    """The whole stack on a sandbox: real client (JWT grant), directory, policy, audit log, books, gate.

    ``seen`` holds the client's record of every DocuSign request, in order. Tests build on it too.
    """

    sandbox: Any
    engine: Any
    audit: Any
    client: Any
    approvals: Any
    confirmations: Any
    gate: Any = None
    seen: list[Any] = field(default_factory=list)
    tokens: list[Any] = field(default_factory=list)  # JWT grant requests (not Admin API ones)
    calls: int = 0

    def actor(self, email: str) -> Any:
        from policies.call import resolve_actor

        return resolve_actor(email, **PEOPLE)

    def submit(self, who: str, action: str, /, **args: Any) -> Any:
        from tools.actions import ToolCall

        self.calls += 1
        call = ToolCall(id=f"t{self.calls}", action=action, args=args)
        return self.gate.submit(self.actor(who), call, session_id="s-bench")


def open_bench(sandbox: Any, store_url: str, *, transport: Any = None, retry: Any = None,
               kind: type[Bench] = Bench) -> Bench:
    """Wire the stack the way ``agent.runtime`` does, on ``sandbox`` (its clock drives every expiry)."""
    from audit import AuditLog, open_store
    from policies import load_policy
    from policies.approvals import ApprovalBook
    from policies.confirmations import ConfirmationBook
    from tools.docusign import AdminClient, JWTAuth
    from tools.docusign.sandbox import SANDBOX_ADMIN_URL, SANDBOX_OAUTH_URL
    from tools.gate import Gate, request_auditor

    engine = open_store(store_url)
    audit = AuditLog(engine)
    auditor = request_auditor(audit)
    # the JWT grant, as in production: it renews the token when the sandbox clock moves past it
    key, user_id, pem, _account = sandbox.demo_integration
    seen: list[Any] = []
    tokens: list[Any] = []
    auth = JWTAuth(SANDBOX_OAUTH_URL, key, user_id, pem, transport=sandbox.transport(),
                   on_request=tokens.append)

    def on_request(record: Any) -> None:
        seen.append(record)
        auditor(record)

    client = AdminClient(SANDBOX_ADMIN_URL, auth, transport=transport or sandbox.transport(),
                         on_request=on_request, **({"retry": retry} if retry is not None else {}))
    clock = sandbox.clock.now
    bench = kind(sandbox, engine, audit, client, ApprovalBook(engine, audit, clock=clock),
                 ConfirmationBook(engine, audit, clock=clock), seen=seen, tokens=tokens)
    bench.gate = Gate(client, load_policy(), audit, bench.approvals, bench.confirmations,
                      organization_id=sandbox.organization_id, clock=clock, actors=bench.actor)
    return bench


def _provision(email: str) -> Callable[[Bench], Any]:
    return lambda b: b.submit(ADMIN, "manage_user", operation="provision", email=email, account="Acme Main",
                              permission_profile="DocuSign Sender", groups=["Sales"])


def _change(email: str, account: str) -> Callable[[Bench], Any]:
    return lambda b: b.submit(ADMIN, "manage_account_membership", operation="change_permission_profile",
                              email=email, account=account, permission_profile="Account Administrator")


def _close(email: str) -> Callable[[Bench], Any]:
    return lambda b: b.submit(ADMIN, "manage_user", operation="close", email=email, account="Acme Main")


def _reactivate(email: str) -> Callable[[Bench], Any]:
    return lambda b: b.submit(ADMIN, "manage_user", operation="reactivate", email=email, account="Acme Main",
                              permission_profile="DocuSign Viewer")


def _seat(email: str) -> Callable[[Bench], Any]:
    def run(b: Bench) -> Any:
        pending = b.submit(email, "manage_user", operation="provision", email=email, account="Acme Main",
                           permission_profile="DocuSign Sender")
        return b.gate.approve(b.actor(APPROVER), pending.approval_id)

    return run


def _purge(email: str) -> Callable[[Bench], Any]:
    def run(b: Bench) -> Any:
        asked = b.submit(ADMIN, "manage_user", operation="purge", email=email)
        pending = b.gate.confirm(b.actor(ADMIN), asked.token)
        return b.gate.approve(b.actor(APPROVER), pending.approval_id)

    return run


def _read(action: str, **args: Any) -> Callable[[Bench], Any]:
    return lambda b: b.submit(ADMIN, action, **args)


MAYA = {"users": [{"email": "maya.chen@acme.com", "first_name": "Maya", "last_name": "Chen", "memberships": {
    "Acme Main": {"permission_profile": "DocuSign Sender", "groups": ["Sales"]}}}]}


@dataclass(frozen=True)
class Case:
    name: str
    warm_up: Callable[[Bench], Any]  # a similar request for someone else: fills the name cache
    measured: Callable[[Bench], Any]
    minimum: int
    why: str
    setup: dict | None = None  # merged into the sandbox first (fixture shape)


CASES = [
    Case("provision new user", _provision("bench.one@acme.com"), _provision("maya.chen@acme.com"), 2,
         "1 user lookup + 1 POST users"),
    Case("provision again (no-op)", _provision("sam.lee@acme.com"), _provision("maya.chen@acme.com"), 1,
         "1 user lookup", setup=MAYA),
    Case("change permission profile", _change("lucas.martin@acme.com", "EMEA"),
         _change("john.doe@acme.com", "EMEA"), 2, "1 user lookup + 1 POST users/profiles"),
    Case("close one membership", _close("sam.lee@acme.com"), _close("liam.oconnor@acme.com"), 2,
         "1 user lookup + 1 DELETE users/{id}/accounts"),
    Case("reactivate with new profile", _reactivate("lisa.wong@acme.com"), _reactivate("tom.baker@acme.com"),
         4, "lookup + membership id (users list) + activate + profile update"),
    Case("employee seat request + approval", _seat("new.one@acme.com"), _seat("new.two@acme.com"), 3,
         "a lookup to ask, a lookup to re-check on approval, 1 POST users"),
    Case("purge: ask, confirm, approve", _purge("pat.murphy@gigworks.example"),
         _purge("omar.haddad@acme.com"),
         5, "ask: lookup + closed time (not in the profile); confirm: lookup; approve: lookup + redact"),
    Case("list pending users (all accounts)", _read("list_users", status="pending", account="EMEA"),
         _read("list_users", status="pending"), 8,
         "1 users page per linked account (4) and pending status (2: membership_status takes one value)"),
    Case("permission profiles of an account", _read("list_account", operation="groups", account="Acme Legal"),
         _read("list_account", operation="permission_profiles", account="Acme Legal"), 1,
         "1 GET permissions"),
    Case("who are the admins on EMEA (16 members)",
         _read("list_users", account="EMEA", permission_profile="DocuSign Viewer"),
         _read("list_users", account="EMEA", permission_profile="Account Administrator"), 17,
         "1 users page + 1 drilldown per member: the listing carries no profile (GetProfileV2 does)"),
    Case("is one person an admin on EMEA",
         _read("list_users", email="zoe.muller@acme.com", account="EMEA",
               permission_profile="DocuSign Viewer"),
         _read("list_users", email="bjorn.nilsson@acme.com", account="EMEA",
               permission_profile="Account Administrator"), 1, "1 GET users/profile"),
    Case("a user's memberships",
         _read("list_account", operation="user_memberships", email="sam.lee@acme.com"),
         _read("list_account", operation="user_memberships", email="jane.smith@acme.com"), 1,
         "1 GET users/profile"),
]


def measure() -> list[tuple[Case, int, int, int, str]]:
    from tools.docusign.sandbox import Sandbox

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(CASES):
            counts, outcomes, tokens = [], set(), 0
            for warm in (False, True):
                sandbox = Sandbox.from_fixture("acme")
                if case.setup:
                    sandbox.merge(case.setup)
                sandbox.clock.advance(hours=25)  # every closed fixture user is now purgeable
                bench = open_bench(sandbox, f"sqlite:///{Path(tmp) / f'{i}-{int(warm)}.db'}")
                if warm:
                    case.warm_up(bench)
                start, start_tokens = len(bench.seen), len(bench.tokens)
                outcomes.add(case.measured(bench).kind)
                counts.append(len(bench.seen) - start)
                tokens = max(tokens, len(bench.tokens) - start_tokens)
                bench.client.close()
            rows.append((case, counts[0], counts[1], tokens, "/".join(sorted(outcomes))))
    return rows


def pending_at_scale(users: int, runs: int) -> tuple[list[int], int, int]:
    """Requests for "who is pending" over every account of a generated org (cold gate, each run),
    the minimum the spec allows, and how many users the answer listed."""
    from tools.docusign.sandbox import Sandbox
    from tools.docusign.sandbox.generate import generate_org

    sandbox = Sandbox.from_fixture(generate_org(users))
    dump = sandbox.dump()
    per: dict[tuple[str, str], int] = {}
    for user in dump["users"]:
        for account, m in user["memberships"].items():
            if m["status"] in ("activation_required", "activation_sent"):
                per[(account, m["status"])] = per.get((account, m["status"]), 0) + 1
    accounts = [a["name"] for a in dump["accounts"]]
    pages = sum(max(1, -(-per.get((a, s), 0) // 100)) for a in accounts for s in ("activation_required",
                                                                                  "activation_sent"))
    counts, listed = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(runs):
            bench = open_bench(sandbox, f"sqlite:///{Path(tmp) / f'pending-{n}.db'}")
            start = len(bench.seen)
            result = bench.submit(ADMIN, "list_users", status="pending")
            counts.append(len(bench.seen) - start)
            listed = result.data["total"]
            bench.client.close()
    return counts, 1 + pages, listed


E2E_REQUEST = "Change john.doe@acme.com's permission profile on EMEA to {profile}"


def profile_change_end_to_end(runs: int) -> dict[str, list[tuple[int, int]]]:
    """(Admin API requests, token requests) of `dsadmin ask` processes, per kind of start."""
    import sqlite3

    from evals.bench.bench_profile_change_scale import PROFILES, _requests, _run

    def tokens(home: Path) -> int:
        with sqlite3.connect(home / "sandbox" / "state.db") as conn:
            return conn.execute("SELECT count(*) FROM entities WHERE kind = 'token'").fetchone()[0]

    def ask(home: Path, n: int) -> tuple[int, int]:
        before = (_requests(home), tokens(home) if (home / "sandbox" / "state.db").exists() else 0)
        _, done = _run(home, "ask", "--json", "--as", ADMIN, E2E_REQUEST.format(profile=PROFILES[n % 2]))
        if done.returncode != 0 or '"outcome": "done"' not in done.stdout:
            raise SystemExit(f"the profile change failed: {done.stdout or done.stderr}")
        return _requests(home) - before[0], tokens(home) - before[1]

    out: dict[str, list[tuple[int, int]]] = {"first command": [], "token reused, cold cache": [], "warm": []}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            out["first command"].append(ask(home, 0))
            with sqlite3.connect(home / "dsadmin.db") as conn:
                conn.execute("DELETE FROM directory_cache")
            out["token reused, cold cache"].append(ask(home, 1))
            out["warm"].append(ask(home, 0))
    return out


def _spread(values: list[int]) -> str:
    return f"median {statistics.median(values):g}, min {min(values)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=10_000, help="org size for 'who is pending'")
    parser.add_argument("--skip-end-to-end", action="store_true", help="no `dsadmin ask` processes")
    args = parser.parse_args(argv)
    runs = max(3, args.runs)
    rows = measure()
    width = max(len(case.name) for case, *_ in rows)
    print(f"{'request':<{width}}  cold  warm  min  token  result  (minimum = ...)")
    for case, cold, warm, tokens, outcome in rows:
        over = f"  [+{warm - case.minimum} over minimum]" if warm > case.minimum else ""
        figures = f"{cold:>4}  {warm:>4}  {case.minimum:>3}  {tokens:>5}"
        print(f"{case.name:<{width}}  {figures}  {outcome:<6}  {case.why}{over}")

    counts, minimum, listed = pending_at_scale(args.users, runs)
    print(f"\n'who is pending' at {args.users} users (cold gate, {runs} runs): requests {_spread(counts)}; "
          f"minimum {minimum}; ratio {statistics.median(counts) / minimum:.2f}x (target <= 1.25x); "
          f"{listed} users listed")
    if args.skip_end_to_end:
        return 0
    print(f"\nprofile change end to end (`dsadmin ask`, offline planner), {runs} runs; minimum 4 Admin API:")
    for kind, pairs in profile_change_end_to_end(runs).items():
        admin = [a for a, _ in pairs]
        token = [t for _, t in pairs]
        print(f"  {kind:<26} Admin API {_spread(admin)} ({statistics.median(admin) / 4:.2f}x minimum); "
              f"token requests {_spread(token)}; all requests {_spread([a + t for a, t in pairs])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
