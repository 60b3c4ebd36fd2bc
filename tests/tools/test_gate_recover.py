"""A crash at each step of an approval, then `dsadmin approvals recover`: one write, a true status.

Real processes on a file-backed sandbox and store in a temporary $DSADMIN_HOME: an employee asks
for a seat, an approver approves in a process that is killed (SIGKILL, through the
DSADMIN_TEST_CRASH_AT hook) at a named point, and a later process recovers. On SQLite and on
PostgreSQL (the store in a schema of its own, named through the connection's search_path).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

DSADMIN = str(Path(sys.executable).with_name("dsadmin"))
SAM, APPROVER = "sam.lee@acme.com", "approver@acme.com"
SEAT = "I need a seat on EMEA as a viewer"

PEOPLE = ("people:\n  admins: [admin@acme.com]\n  approvers: [approver@acme.com]\n"
          "  employees: ['@acme.com']\n"
          "  default_actor: admin@acme.com\n")


@pytest.fixture(params=["sqlite", "postgres"])
def home(request, tmp_path):
    """$DSADMIN_HOME, with a config naming a PostgreSQL store for the postgres run."""
    if request.param == "sqlite":
        yield tmp_path
        return
    url = os.environ.get("DSADMIN_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("DSADMIN_TEST_POSTGRES_URL is not set (a real PostgreSQL is needed)")
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    (tmp_path / "dsadmin.yaml").write_text(
        f"store:\n  url: {url}{sep}options=-csearch_path%3D{schema}\n" + PEOPLE)
    yield tmp_path
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def dsadmin(home: Path, *args: str, crash: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DSADMIN_HOME": str(home), "DSADMIN_FORBID_MODEL_REQUESTS": "1", "COLUMNS": "160"}
    for var in ("ANTHROPIC_API_KEY", "DSADMIN_TEST_CRASH_AT", "DSADMIN_CONFIG"):
        env.pop(var, None)
    if (home / "dsadmin.yaml").is_file():
        env["DSADMIN_CONFIG"] = str(home / "dsadmin.yaml")
    if crash:
        env["DSADMIN_TEST_CRASH_AT"] = crash
    return subprocess.run([DSADMIN, *args], env=env, cwd=home, capture_output=True, text=True, timeout=180)


def emea_memberships(home: Path) -> list[dict]:
    """Sam's memberships on EMEA as the sandbox keeps them (a dump keys them by account name)."""
    from tools.docusign.sandbox import Sandbox

    users = Sandbox.open(home / "sandbox", fixture="acme").dump()["users"]
    (sam,) = [u for u in users if u["email"] == SAM]
    return [m for account, m in sam["memberships"].items() if account == "EMEA"]


def approval(home: Path, approval_id: str) -> dict:
    shown = dsadmin(home, "approvals", "show", approval_id, "--json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def audit_events(home: Path) -> list[dict]:
    done = dsadmin(home, "audit", "tail", "-n", "1000", "--json")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def writes(events: list[dict]) -> list[dict]:
    return [e for e in events if e["kind"] == "docusign_request" and e["payload"]["method"] != "GET"]


@pytest.mark.parametrize(("point", "left_as", "written"), [
    ("after_approve", "approved", False),    # approved, never claimed
    ("after_claim", "executing", False),     # claimed, the write not yet sent
    ("during_write", "executing", True),     # DocuSign applied it; nothing recorded after
])
def test_a_crash_at_each_step_is_recovered_with_one_write(home, point, left_as, written):
    asked = dsadmin(home, "ask", "--json", "--as", SAM, SEAT)
    assert asked.returncode == 0, asked.stderr
    approval_id = json.loads(asked.stdout)["approval_id"]
    assert emea_memberships(home) == []

    crashed = dsadmin(home, "approvals", "approve", approval_id, "--as", APPROVER, crash=point)
    assert crashed.returncode == -signal.SIGKILL, (crashed.returncode, crashed.stderr)
    assert approval(home, approval_id)["status"] == left_as
    assert bool(emea_memberships(home)) is written

    early = dsadmin(home, "approvals", "recover", "--json")  # within the lease: left alone
    assert early.returncode == 0 and json.loads(early.stdout) == []
    recovered = dsadmin(home, "approvals", "recover", "--older-than", "0", "--json")
    assert recovered.returncode == 0, recovered.stderr
    (entry,) = json.loads(recovered.stdout)
    assert entry["id"] == approval_id and entry["outcome"] == "done", entry

    assert approval(home, approval_id)["status"] == "executed"
    (membership,) = emea_memberships(home)  # the seat, once
    assert membership["status"] == "active" and membership["permission_profile"] == "DocuSign Viewer"
    events = audit_events(home)
    start = max(e["id"] for e in events if e["kind"] == "model_proposal"
                and e["payload"].get("origin") == "recovery")
    recovery_writes = writes([e for e in events if e["id"] > start])
    assert len(recovery_writes) == (0 if written else 1)  # a write that landed is not made again
    assert len(writes(events)) <= 1
    if written:
        assert "nothing" in entry["result"]["summary"].lower() or not entry["result"]["changed"]

    again = dsadmin(home, "approvals", "recover", "--older-than", "0", "--json")
    assert again.returncode == 0 and json.loads(again.stdout) == []
    assert dsadmin(home, "audit", "verify").returncode == 0
