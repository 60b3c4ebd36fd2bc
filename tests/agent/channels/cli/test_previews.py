"""What the person sees before a consequential write, on the command line: preview, token, receipt.

In-process through typer's runner (each test has its own $DSADMIN_HOME, so its own sandbox and
store); the sandbox's state is read back from its files after every command.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from agent.channels.cli.main import app

EXAMPLE = "Change john.doe@acme.com's permission profile to \"Account Administrator\" on the EMEA account"
ROW = {"account": "EMEA", "field": "permission_profile", "before": "DocuSign Sender",
       "after": "Account Administrator"}


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def _john_on_emea() -> str:
    from tools.docusign.sandbox import Sandbox

    users = Sandbox.open(fixture="acme").dump()["users"]
    john = next(u for u in users if u["email"] == "john.doe@acme.com")
    return john["memberships"]["EMEA"]["permission_profile"]


def test_the_products_example_asks_with_its_preview_then_completes_on_confirm():
    asked = _run("ask", "--json", "--as", "admin@acme.com", EXAMPLE)
    assert asked.exit_code == 0, asked.output
    reply = json.loads(asked.stdout)
    assert reply["outcome"] == "needs_confirmation" and reply["preview"] == [ROW]
    assert reply["confirmation_token"] and _john_on_emea() == "DocuSign Sender"
    assert reply["reply"].rstrip().splitlines()[-1].startswith("- waits for your confirmation: change")

    done = _run("confirm", reply["confirmation_token"], "--as", "admin@acme.com")
    assert done.exit_code == 0, done.output
    shown, ran = done.stdout.split("\n\n", 1)
    assert shown.startswith("Confirming: change john.doe@acme.com's permission profile on EMEA")
    assert "EMEA: permission profile: DocuSign Sender -> Account Administrator" in shown
    assert "Changed john.doe@acme.com's permission profile" in ran
    assert _john_on_emea() == "Account Administrator"


def test_ask_dry_run_plans_decides_and_previews_but_writes_nothing():
    planned = _run("ask", "--dry-run", "--as", "admin@acme.com", EXAMPLE)
    assert planned.exit_code == 0, planned.output
    assert "Would change john.doe@acme.com's permission profile" in planned.stdout
    assert "would need your confirmation" in planned.stdout
    assert "EMEA: permission profile: DocuSign Sender -> Account Administrator" in planned.stdout
    assert "dsadmin confirm" not in planned.stdout and _john_on_emea() == "DocuSign Sender"
    as_json = json.loads(_run("ask", "--dry-run", "--json", "--as", "admin@acme.com", EXAMPLE).stdout)
    assert as_json["outcome"] == "dry_run" and as_json["calls"][0]["decision"] == "needs_confirmation"
    assert _john_on_emea() == "DocuSign Sender"


def test_an_approver_sees_what_a_request_would_change():
    asked = json.loads(_run("ask", "--json", "--as", "sam.lee@acme.com",
                            "I need a seat on EMEA as a viewer").stdout)
    approval_id = asked["approval_id"]
    shown = _run("approvals", "show", approval_id)
    assert shown.exit_code == 0, shown.output
    assert "EMEA: permission profile: (none) -> DocuSign Viewer" in shown.stdout
    listed = json.loads(_run("approvals", "list", "--json").stdout)
    row = next(r for r in listed if r["id"] == approval_id)
    assert {"account": "EMEA", "field": "permission_profile", "before": None,
            "after": "DocuSign Viewer"} in row["preview"]
    table = _run("approvals", "list", "--as", "approver@acme.com")
    assert "DocuSign Viewer" in table.stdout and "->" in table.stdout


def test_chat_shows_the_gates_description_and_preview_before_its_y_n():
    session = CliRunner().invoke(app, ["chat", "--as", "admin@acme.com"], input=f"{EXAMPLE}\nn\nexit\n")
    assert session.exit_code == 0, session.output
    before_prompt = session.stdout.split("Go ahead?")[0]
    prompt = before_prompt.rsplit("dsadmin asks your confirmation", 1)[1]
    assert "change john.doe@acme.com's permission profile on EMEA" in prompt
    assert "EMEA: permission profile: DocuSign Sender -> Account Administrator" in prompt
    assert "gives someone an administrator profile" in prompt
    assert "Cancelled; nothing was changed." in session.stdout and _john_on_emea() == "DocuSign Sender"
