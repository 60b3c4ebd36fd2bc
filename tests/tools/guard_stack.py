"""A gate on a sandbox and a given store (SQLite or a PostgreSQL schema), for the guard tests.

Also runnable as a worker process: ``python guard_stack.py STATE_DIR STORE_URL SCHEMA ACTOR EMAIL``
opens the file-backed sandbox and the store, prints ``ready``, waits for a line on stdin, then
demotes EMAIL on EMEA to DocuSign Sender as ACTOR and prints the result as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ADMINS = ["admin@acme.com", "jane.smith@acme.com", "bjorn.nilsson@acme.com"]
PEOPLE = {"admins": ADMINS, "approvers": ["approver@acme.com"], "employees": ["@acme.com"]}


class Stack:
    """The product's gate wired as ``agent.runtime`` does, on ``sandbox`` and ``engine``."""

    def __init__(self, sandbox: Any, engine: Any) -> None:
        from audit import AuditLog
        from policies import load_policy
        from policies.approvals import ApprovalBook
        from policies.confirmations import ConfirmationBook
        from tools.docusign import AdminClient, JWTAuth, RetryPolicy
        from tools.docusign.sandbox import SANDBOX_ADMIN_URL, SANDBOX_OAUTH_URL
        from tools.gate import Gate

        self.sandbox = sandbox
        self.audit = AuditLog(engine)
        key, user_id, pem, _account = sandbox.demo_integration
        auth = JWTAuth(SANDBOX_OAUTH_URL, key, user_id, pem, transport=sandbox.transport())
        self.client = AdminClient(SANDBOX_ADMIN_URL, auth, transport=sandbox.transport(),
                                  retry=RetryPolicy(base_delay=0.0, max_delay=0.0, sleep=lambda _s: None))
        clock = sandbox.clock.now
        self.approvals = ApprovalBook(engine, self.audit, clock=clock)
        self.confirmations = ConfirmationBook(engine, self.audit, clock=clock)
        self.gate = Gate(self.client, load_policy(), self.audit, self.approvals, self.confirmations,
                         organization_id=sandbox.organization_id, clock=clock, actors=self.actor)
        self.calls = 0

    @staticmethod
    def actor(email: str) -> Any:
        from policies.call import resolve_actor

        return resolve_actor(email, **PEOPLE)

    def submit(self, who: str, action: str, /, **args: Any) -> Any:
        from tools.actions import ToolCall

        self.calls += 1
        return self.gate.submit(self.actor(who), ToolCall(id=f"g{self.calls}", action=action, args=args),
                                session_id="s-guard")

    def profile(self, email: str, account: str) -> str | None:
        user = next(u for u in self.sandbox.dump()["users"] if u["email"] == email)
        return (user["memberships"].get(account) or {}).get("permission_profile")

    def status(self, email: str, account: str) -> str | None:
        user = next(u for u in self.sandbox.dump()["users"] if u["email"] == email)
        return (user["memberships"].get(account) or {}).get("status")

    def events(self, kind: str) -> list[Any]:
        return [e for e in self.audit.records() if e.kind == kind]

    def close(self) -> None:
        self.client.close()


def _worker(state_dir: str, url: str, schema: str, actor: str, email: str) -> None:
    from audit import open_store
    from tools.docusign.sandbox import Sandbox

    stack = Stack(Sandbox.open(state_dir), open_store(url, schema=schema or None))
    stack.gate.directory.accounts()  # names cached before the race, so both start on even terms
    print("ready", flush=True)
    sys.stdin.readline()
    result = stack.submit(actor, "manage_account_membership", operation="change_permission_profile",
                          email=email, account="EMEA", permission_profile="DocuSign Sender")
    print(json.dumps(result.model_dump(mode="json")), flush=True)
    stack.close()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    _worker(*sys.argv[1:6])
