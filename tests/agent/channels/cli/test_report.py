"""``dsadmin report``: access reviews (export job or paging, same rows) and change detection."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import httpx
from typer.testing import CliRunner

from agent.channels.cli.main import app
from tools.docusign.sandbox import SANDBOX_ADMIN_URL, Sandbox

ADMIN = ["--as", "admin@acme.com"]


def _sandbox() -> Sandbox:
    return Sandbox.open(Path(os.environ["DSADMIN_HOME"]) / "sandbox", fixture="acme")


def test_access_review_reads_the_same_rows_by_export_and_by_paging():
    runner = CliRunner()
    exported = runner.invoke(app, ["report", "access", "--format", "json", "--via", "export", *ADMIN])
    paged = runner.invoke(app, ["report", "access", "--format", "json", "--via", "paging", *ADMIN])
    assert exported.exit_code == 0 and paged.exit_code == 0, exported.output + paged.output
    by_export, by_paging = json.loads(exported.output), json.loads(paged.output)
    assert by_export["via"] == "export" and by_paging["via"] == "paging"

    def key(rows):
        return [{k: v for k, v in r.items() if k != "last_modified"} for r in rows]

    assert key(by_export["rows"]) == key(by_paging["rows"])
    state = _sandbox().state
    expected = sum(len(u.memberships) for u in state.users.values() if u.redacted_on is None)
    assert len(by_export["rows"]) == expected
    jane = {
        (r["account"], r["permission_profile"])
        for r in by_export["rows"]
        if r["email"] == "jane.smith@acme.com"
    }
    assert jane == {("Acme Legal", "Account Administrator"), ("Acme Main", "DocuSign Sender")}
    assert all(r["last_modified"] for r in by_export["rows"])


def test_access_review_of_one_account_as_csv():
    result = CliRunner().invoke(
        app, ["report", "access", "--account", "acme legal", "--format", "csv", *ADMIN]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {r["account"] for r in rows} == {"Acme Legal"}
    assert {"maria.garcia@acme.com", "jane.smith@acme.com"} <= {r["email"] for r in rows}


def test_report_usage_errors_exit_2_or_refuse():
    runner = CliRunner()
    assert runner.invoke(app, ["report", "access", "--format", "xml", *ADMIN]).exit_code == 2
    assert runner.invoke(app, ["report", "changes", "--since", "yesterdayish", *ADMIN]).exit_code == 2
    unknown = runner.invoke(app, ["report", "access", "--account", "Acme Asia", *ADMIN])
    assert unknown.exit_code == 2 and "Acme Asia" in unknown.output
    employee = runner.invoke(app, ["report", "access", "--as", "sam.lee@acme.com"])
    assert employee.exit_code == 1 and "may not" in employee.output


def test_changes_are_matched_with_dsadmins_own_record(tmp_path):
    runner = CliRunner()
    _sandbox().advance_clock(hours=48)  # the fixture's users were all "modified" when it was built
    leaver = tmp_path / "leavers.csv"
    leaver.write_text("AccountID,UserEmail\nAcme Main,olivia.brown@acme.com\n")
    closed = runner.invoke(app, ["bulk", "close", str(leaver), "--yes", *ADMIN])
    assert closed.exit_code == 0, closed.output
    sb = _sandbox()  # someone changes a user in DocuSign's own admin, not through dsadmin
    with httpx.Client(transport=sb.transport(), base_url=SANDBOX_ADMIN_URL,
                      headers={"Authorization": f"Bearer {sb.issue_token()}"}) as api:  # fmt: skip
        org = f"/v2/organizations/{sb.organization_id}"
        gone = api.request("DELETE", f"{org}/users/{sb.user_id('wei.zhang@acme.com')}/accounts",
                           json={"accounts": [{"id": sb.account_id("Acme Main")}]})  # fmt: skip
        assert gone.status_code == 200
    result = runner.invoke(app, ["report", "changes", "--since", "1h", "--json", *ADMIN])
    assert result.exit_code == 0, result.output
    found = {c["email"]: c for c in json.loads(result.output)["changes"]}
    assert set(found) == {"olivia.brown@acme.com", "wei.zhang@acme.com"}
    assert found["wei.zhang@acme.com"]["outside_dsadmin"] is True
    assert found["olivia.brown@acme.com"]["outside_dsadmin"] is False
    assert "bulk close" in found["olivia.brown@acme.com"]["by_dsadmin"][0]
    text = runner.invoke(app, ["report", "changes", "--since", "1h", *ADMIN]).output
    assert "wei.zhang@acme.com on Acme Main: now closed -- OUTSIDE dsadmin" in text
