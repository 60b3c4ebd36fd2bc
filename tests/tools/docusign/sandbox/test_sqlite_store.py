"""The file-backed sandbox on SQLite: real processes never lose a write, a request reads only its rows,
and the database answers listings exactly as the in-memory sandbox does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from tools.docusign.sandbox import SANDBOX_ADMIN_URL, Sandbox

DSADMIN = str(Path(sys.executable).with_name("dsadmin"))

_WRITER = textwrap.dedent(
    """
    import sys, time, httpx
    from tools.docusign.sandbox import SANDBOX_ADMIN_URL, Sandbox
    state_dir, index, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    while time.time() < start:
        time.sleep(0.005)
    sb = Sandbox.open(state_dir)  # opening while the others write must not overwrite them
    api = httpx.Client(transport=sb.transport(), base_url=SANDBOX_ADMIN_URL,
                       headers={"Authorization": f"Bearer {sb.issue_token()}"})
    org = f"/v2/organizations/{sb.organization_id}"
    emea = sb.account_id("EMEA")
    for n in range(3):
        r = api.post(f"{org}/users", json={"email": f"p{index}.{n}@acme.com", "first_name": "P",
                     "last_name": f"{index}.{n}", "accounts": [{"id": emea}]})
        assert r.status_code == 200, r.text
    john = sb.user_id("john.doe@acme.com")
    r = api.post(f"{org}/users/profiles", json={"users": [{"id": john, "site_id": 1,
                 "memberships": [{"account_id": emea, "job_title": f"title {index}"}]}]})
    assert r.json()["success"], r.text
    print("ok")
    """
)


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "DSADMIN_HOME": str(home), "DSADMIN_FORBID_MODEL_REQUESTS": "1", "COLUMNS": "160"}


def test_eight_processes_writing_at_once_lose_nothing(tmp_path):
    import time

    state = tmp_path / "state"  # not created yet: the eight first starts race too
    start = time.time() + 2.0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(state), str(i), str(start)],
            env=_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    dump = Sandbox.open(state).dump()
    emails = {u["email"] for u in dump["users"]}
    assert {f"p{i}.{n}@acme.com" for i in range(8) for n in range(3)} <= emails
    john = next(u for u in dump["users"] if u["email"] == "john.doe@acme.com")
    assert john["memberships"]["EMEA"]["job_title"] in {f"title {i}" for i in range(8)}
    assert len(emails) == len(dump["users"])  # no user twice


def test_eight_approvers_racing_execute_once_and_the_change_stays(tmp_path):
    asked = subprocess.run(
        [DSADMIN, "ask", "--json", "--as", "sam.lee@acme.com", "I need a seat on EMEA as a viewer"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert asked.returncode == 0, asked.stderr
    approval_id = json.loads(asked.stdout)["approval_id"]
    procs = [
        subprocess.Popen(
            [DSADMIN, "approvals", "approve", approval_id, "--as", "approver@acme.com", "--json"],
            env=_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    outcomes = [json.loads(p.communicate(timeout=180)[0])["outcome"] for p in procs]
    assert outcomes.count("done") == 1, outcomes
    sam = next(
        u for u in Sandbox.open(tmp_path / "sandbox").dump()["users"] if u["email"] == "sam.lee@acme.com"
    )
    assert "EMEA" in sam["memberships"]  # executed once, and the change is in the sandbox


def test_a_write_rewrites_only_its_rows(tmp_path):
    sb = Sandbox.open(tmp_path)
    api = httpx.Client(
        transport=sb.transport(),
        base_url=SANDBOX_ADMIN_URL,
        headers={"Authorization": f"Bearer {sb.issue_token()}"},
    )
    import sqlite3

    def rows() -> dict[str, str]:
        with sqlite3.connect(tmp_path / "state.db") as conn:
            return dict(conn.execute("SELECT id, data FROM users"))

    before = rows()
    john = sb.user_id("john.doe@acme.com")
    response = api.post(
        f"/v2/organizations/{sb.organization_id}/users/profiles",
        json={"users": [{"id": john, "site_id": 1, "first_name": "Johnny"}]},
    )
    assert response.json()["success"] is True
    after = rows()
    assert [k for k in before if before[k] != after[k]] == [john]


def test_a_legacy_json_state_is_imported_once(tmp_path):
    memory = Sandbox.from_fixture("acme")
    memory.merge({"users": [{"email": "jon.doe@acme.com", "absent": True}]})
    legacy = {"version": 1, "extras": {"clock_offset_seconds": 7200.0}, "state": memory.state.to_json()}
    (tmp_path / "state.json").write_text(json.dumps(legacy))
    sb = Sandbox.open(tmp_path)
    assert "jon.doe@acme.com" not in {u["email"] for u in sb.dump()["users"]}
    assert sb.clock.offset_seconds >= 7200
    assert not (tmp_path / "state.json").exists() and (tmp_path / "state.json.imported").exists()


QUERIES = [
    {"account_id": "Acme Main"},
    {"account_id": "EMEA", "membership_status": "activation_sent"},
    {"account_id": "Acme Main", "status": "closed"},
    {"account_id": "EMEA", "status": "created"},
    {"email": "JOHN.DOE@acme.com"},
    {"account_id": "Acme Main", "last_modified_since": "2000-01-01T00:00:00Z", "take": "3", "start": "2"},
    {"account_id": "Acme Main", "email_user_name_like": "doe"},
    {"account_id": "Acme Main", "membership_status": "active", "take": "5"},
]


@pytest.mark.parametrize("query", QUERIES, ids=[json.dumps(q) for q in QUERIES])
def test_the_database_answers_listings_as_the_in_memory_sandbox_does(tmp_path, query):
    memory, disk = Sandbox.from_fixture("acme"), Sandbox.open(tmp_path)
    answers = []
    for sb in (memory, disk):
        api = httpx.Client(
            transport=sb.transport(),
            base_url=SANDBOX_ADMIN_URL,
            headers={"Authorization": f"Bearer {sb.issue_token()}"},
        )
        params = {k: sb.account_id(v) if k == "account_id" else v for k, v in query.items()}
        response = api.get(f"/v2/organizations/{sb.organization_id}/users", params=params)
        assert response.status_code == 200, response.text
        answers.append(_timeless(response.json()))
    assert answers[0] == answers[1] and answers[0]["users"]


def _timeless(body: dict) -> dict:
    """The two orgs were built a moment apart: compare everything but timestamps."""
    users = [{k: v for k, v in row.items() if not k.endswith("_on")} for row in body["users"]]
    return {**body, "users": users}


def test_closing_the_last_admin_is_refused_on_disk_too(tmp_path):
    sb = Sandbox.open(tmp_path)
    sb.merge(
        {
            "users": [
                {
                    "email": "solo@acme.com",
                    "memberships": {"EMEA": {"permission_profile": "Account Administrator"}},
                }
            ]
        }
    )
    admins = [
        u["email"]
        for u in sb.dump()["users"]
        if u["memberships"].get("EMEA", {}).get("permission_profile") == "Account Administrator"
        and u["memberships"]["EMEA"]["status"] == "active"
    ]
    api = httpx.Client(
        transport=sb.transport(),
        base_url=SANDBOX_ADMIN_URL,
        headers={"Authorization": f"Bearer {sb.issue_token()}"},
    )
    emea = sb.account_id("EMEA")
    results = []
    for email in admins:
        if email == "admin@acme.com":
            continue
        body = api.request(
            "DELETE",
            f"/v2/organizations/{sb.organization_id}/users/{sb.user_id(email)}/accounts",
            json={"accounts": [{"id": emea}]},
        ).json()
        results.append(body["accounts"][0].get("error_details", {}).get("error"))
    still = [
        u["email"]
        for u in Sandbox.open(tmp_path).dump()["users"]
        if u["memberships"].get("EMEA", {}).get("permission_profile") == "Account Administrator"
        and u["memberships"]["EMEA"]["status"] == "active"
    ]
    assert still  # one active administrator always remains
    if "admin@acme.com" not in admins:
        assert results[-1] == "cannot_close_last_active_admin"


def test_the_status_filters_take_one_value_as_the_spec_says(api, org, sb):
    emea = sb.account_id("EMEA")
    both = api.get(f"{org}/users", params={"account_id": emea, "membership_status": "activation_sent,active"})
    assert both.status_code == 400 and "one value per request" in both.json()["error_description"]
    one = api.get(f"{org}/users", params={"account_id": emea, "membership_status": "ACTIVE"})
    assert one.status_code == 200 and {u["membership_status"] for u in one.json()["users"]} == {"active"}


def test_a_state_file_that_is_not_a_database_is_named_and_reset_starts_over(tmp_path):
    """A truncated copy or a stray file as state.db: every command names it and the fix
    (`dsadmin sandbox reset`), and reset, whose job is to throw the state away, does."""
    from typer.testing import CliRunner

    from agent.channels.cli.main import app

    (tmp_path / "state.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(ValueError, match=r"state\.db: is not a sandbox database .*dsadmin sandbox reset"):
        Sandbox.open(tmp_path)
    runner = CliRunner()
    dumped = runner.invoke(app, ["sandbox", "dump", "--state-dir", str(tmp_path)])
    assert dumped.exit_code == 1 and "dsadmin sandbox reset" in dumped.output
    reset = runner.invoke(app, ["sandbox", "reset", "--state-dir", str(tmp_path)])
    assert reset.exit_code == 0, reset.output

    def people(dump: dict) -> dict:
        return {u["email"]: {a: m["status"] for a, m in u.get("memberships", {}).items()}
                for u in dump["users"]}

    assert people(Sandbox.open(tmp_path).dump()) == people(Sandbox.from_fixture("acme").dump())
