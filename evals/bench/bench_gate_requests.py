"""How many DocuSign requests each kind of request costs through the gate, cold and warm.

Run: ``python -m evals.bench.bench_gate_requests`` (the embedded acme sandbox; nothing external).

Cold: a fresh gate (empty name cache: the organization, profiles and groups are fetched).
Warm: the same gate after a similar request for someone else (names cached; users never are,
because a write must be planned on what DocuSign holds now). "Minimum" is the fewest requests
the Admin API allows for the job: one user lookup plus the writes it needs, one request per
account for an organization-wide listing, and so on. Confirmation and approval flows count
every step (ask, confirm, approve), since each step re-checks the current state.
"""

from __future__ import annotations

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
    auth = JWTAuth(SANDBOX_OAUTH_URL, key, user_id, pem, transport=sandbox.transport())
    seen: list[Any] = []

    def on_request(record: Any) -> None:
        seen.append(record)
        auditor(record)

    client = AdminClient(SANDBOX_ADMIN_URL, auth, transport=transport or sandbox.transport(),
                         on_request=on_request, **({"retry": retry} if retry is not None else {}))
    clock = sandbox.clock.now
    bench = kind(sandbox, engine, audit, client, ApprovalBook(engine, audit, clock=clock),
                 ConfirmationBook(engine, audit, clock=clock), seen=seen)
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
         _read("list_users", status="pending"), 4, "1 users page per linked account (4)"),
    Case("permission profiles of an account", _read("list_account", operation="groups", account="Acme Legal"),
         _read("list_account", operation="permission_profiles", account="Acme Legal"), 1,
         "1 GET permissions"),
    Case("a user's memberships",
         _read("list_account", operation="user_memberships", email="sam.lee@acme.com"),
         _read("list_account", operation="user_memberships", email="jane.smith@acme.com"), 1,
         "1 GET users/profile"),
]


def measure() -> list[tuple[Case, int, int, str]]:
    from tools.docusign.sandbox import Sandbox

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(CASES):
            counts, outcomes = [], set()
            for warm in (False, True):
                sandbox = Sandbox.from_fixture("acme")
                if case.setup:
                    sandbox.merge(case.setup)
                sandbox.clock.advance(hours=25)  # every closed fixture user is now purgeable
                bench = open_bench(sandbox, f"sqlite:///{Path(tmp) / f'{i}-{int(warm)}.db'}")
                if warm:
                    case.warm_up(bench)
                start = len(bench.seen)
                outcomes.add(case.measured(bench).kind)
                counts.append(len(bench.seen) - start)
                bench.client.close()
            rows.append((case, counts[0], counts[1], "/".join(sorted(outcomes))))
    return rows


def main() -> int:
    rows = measure()
    width = max(len(case.name) for case, *_ in rows)
    print(f"{'request':<{width}}  cold  warm  min  result  (minimum = ...)")
    for case, cold, warm, outcome in rows:
        over = f"  [+{warm - case.minimum} over minimum]" if warm > case.minimum else ""
        counts = f"{cold:>4}  {warm:>4}  {case.minimum:>3}"
        print(f"{case.name:<{width}}  {counts}  {outcome:<6}  {case.why}{over}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
