"""File-backed sandboxes: changes survive a reopen, other processes' changes are seen, writes are atomic."""

from __future__ import annotations

import httpx

from tools.docusign.sandbox import SANDBOX_ADMIN_URL, Sandbox


def test_changes_survive_reopen(tmp_path):
    sb = Sandbox.open(tmp_path / "state")
    api = httpx.Client(
        transport=sb.transport(),
        base_url=SANDBOX_ADMIN_URL,
        headers={"Authorization": f"Bearer {sb.issue_token()}"},
    )
    sam = sb.user_id("sam.lee@acme.com")
    response = api.request(
        "DELETE",
        f"/v2/organizations/{sb.organization_id}/users/{sam}/accounts",
        json={"accounts": [{"id": sb.account_id("Acme Main")}]},
    )
    assert response.json()["success"] is True
    sb.advance_clock(hours=25)
    again = Sandbox.open(tmp_path / "state")
    sam_now = next(u for u in again.dump()["users"] if u["email"] == "sam.lee@acme.com")
    assert sam_now["user_status"] == "closed"
    assert again.clock.offset_seconds >= 25 * 3600
    assert (tmp_path / "state" / "state.db").stat().st_mode & 0o077 == 0  # created 0600


def test_one_instance_sees_what_another_wrote(tmp_path):
    server = Sandbox.open(tmp_path)
    cli = Sandbox.open(tmp_path)
    token = cli.issue_token()  # `dsadmin sandbox token` in one process ...
    api = httpx.Client(
        transport=server.transport(), base_url=SANDBOX_ADMIN_URL, headers={"Authorization": f"Bearer {token}"}
    )
    assert api.get("/v2/organizations").status_code == 200  # ... accepted by `serve` in another
    cli.merge(
        {
            "users": [
                {
                    "email": "maya.chen@acme.com",
                    "first_name": "Maya",
                    "last_name": "Chen",
                    "memberships": {"EMEA": {}},
                }
            ]
        }
    )
    profile = api.get(
        f"/v2/organizations/{server.organization_id}/users/profile", params={"email": "maya.chen@acme.com"}
    ).json()
    assert profile["users"][0]["memberships"][0]["account_name"] == "EMEA"


def test_reset_and_in_memory_sandboxes_leave_no_files(tmp_path, _isolated_home):
    sb = Sandbox.open(tmp_path)
    sb.merge({"users": [{"email": "jon.doe@acme.com", "absent": True}]})
    reopened = Sandbox.open(tmp_path, reset=True)
    assert "jon.doe@acme.com" in {u["email"] for u in reopened.dump()["users"]}
    Sandbox.from_fixture("acme").merge({"users": [{"email": "jon.doe@acme.com", "absent": True}]})
    assert not (_isolated_home / "sandbox").exists()
    assert (_isolated_home / "sandbox-demo-integration.pem").stat().st_mode & 0o077 == 0


def test_a_clock_move_is_persisted_and_seen_by_the_other_instance(tmp_path):
    first, second = Sandbox.open(tmp_path), Sandbox.open(tmp_path)
    first.clock.advance(hours=30)
    second.dump()  # any use reloads a changed file
    assert second.clock.offset_seconds >= 30 * 3600
    assert Sandbox.open(tmp_path).clock.offset_seconds >= 30 * 3600


def test_writers_in_two_instances_lose_nothing(tmp_path):
    """Two handles on one state directory (as two processes would hold) write at the same time;
    the state lock keeps every change."""
    import threading

    handles = [Sandbox.open(tmp_path / "state") for _ in range(2)]
    start = threading.Barrier(2)
    failures: list[str] = []

    def create(index: int, sb: Sandbox) -> None:
        api = httpx.Client(transport=sb.transport(), base_url=SANDBOX_ADMIN_URL,
                           headers={"Authorization": f"Bearer {sb.issue_token()}"})
        start.wait()
        for n in range(8):
            response = api.post(f"/v2/organizations/{sb.organization_id}/users", json={
                "email": f"new{index}.{n}@acme.com", "first_name": "New", "last_name": f"{index}.{n}",
                "accounts": [{"id": sb.account_id("EMEA")}]})
            if response.status_code != 200:
                failures.append(response.text)

    threads = [threading.Thread(target=create, args=(i, sb)) for i, sb in enumerate(handles)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    emails = {u["email"] for u in Sandbox.open(tmp_path / "state").dump()["users"]}
    assert {f"new{i}.{n}@acme.com" for i in range(2) for n in range(8)} <= emails


def test_bulk_jobs_outlive_the_instance_that_took_them(tmp_path):
    """`sandbox serve` restarted mid-job: the new instance answers for the import and finishes it;
    a merge keeps the jobs, a reset drops them."""
    first = Sandbox.open(tmp_path)
    org, main = first.organization_id, first.account_id("Acme Main")
    api = httpx.Client(transport=first.transport(), base_url=SANDBOX_ADMIN_URL,
                       headers={"Authorization": f"Bearer {first.issue_token()}"})  # fmt: skip
    text = f"AccountID,UserName,UserEmail,PermissionSet\n{main},Job Kept,job.kept@acme.com,DocuSign Sender\n"
    job = api.post(f"/v2/organizations/{org}/imports/bulk_users/add",
                   files={"file.csv": ("users.csv", text, "text/csv")}).json()  # fmt: skip
    assert job["status"] == "queued"
    restarted = Sandbox.open(tmp_path)
    restarted.merge({"users": [{"email": "merged.in@acme.com", "first_name": "Mer", "last_name": "Ged",
                                "memberships": {"EMEA": {"status": "active"}}}]})  # fmt: skip
    restarted.advance_clock(seconds=5)
    again = httpx.Client(transport=restarted.transport(), base_url=SANDBOX_ADMIN_URL,
                         headers={"Authorization": f"Bearer {restarted.issue_token()}"})  # fmt: skip
    done = again.get(f"/v2/organizations/{org}/imports/bulk_users/{job['id']}").json()
    assert done["status"] == "completed" and done["added_user_count"] == 1
    results = again.get(f"/v2/organizations/{org}/imports/bulk_users/{job['id']}/results_csv").text
    assert "job.kept@acme.com" in results and "user_added" in results
    assert any(u["email"] == "job.kept@acme.com" for u in restarted.dump()["users"])
    restarted.reset()
    gone = again.get(f"/v2/organizations/{org}/imports/bulk_users/{job['id']}")
    assert gone.status_code in (401, 404)
