"""The ``dsadmin`` command line end to end: real processes sharing one temporary $DSADMIN_HOME.

Subprocesses are slow, so there are few: the README's main command, and a purge that needs the
requester's confirmation in a second process and an approver's approval in a third. Usage errors
run in-process through typer's runner.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from agent.channels.cli.main import app

DSADMIN = str(Path(sys.executable).with_name("dsadmin"))  # the installed console script
MAIN_COMMAND = "List every DocuSign user in the org with status pending"


def _dsadmin(home, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DSADMIN_HOME": str(home), "DSADMIN_FORBID_MODEL_REQUESTS": "1", "COLUMNS": "160"}
    env.pop("ANTHROPIC_API_KEY", None)
    return subprocess.run([DSADMIN, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def _sandbox_dump(home) -> dict:
    from tools.docusign.sandbox import Sandbox

    return Sandbox.open(home / "sandbox", fixture="acme").dump()


def test_readme_main_command_prints_the_pending_users_of_the_sandbox(tmp_path):
    from tools.docusign.sandbox import Sandbox

    expected = {
        u["email"]
        for u in Sandbox.from_fixture("acme").dump()["users"]
        if any(
            m.get("status") in ("activation_sent", "activation_required")
            for m in u.get("memberships", {}).values()
        )
    }
    done = _dsadmin(tmp_path, "ask", "--as", "admin@acme.com", MAIN_COMMAND)
    assert done.returncode == 0, done.stderr
    assert expected and all(email in done.stdout for email in expected)
    assert "sandbox" in done.stdout
    active_only = [
        u["email"] for u in Sandbox.from_fixture("acme").dump()["users"] if u["email"] not in expected
    ]
    assert not any(f"\n{email} " in done.stdout for email in active_only)


def test_purge_is_confirmed_and_approved_from_separate_processes(tmp_path):
    asked = _dsadmin(tmp_path, "ask", "--json", "--as", "admin@acme.com", "Purge tom.baker@acme.com")
    assert asked.returncode == 0, asked.stderr
    reply = json.loads(asked.stdout)
    assert reply["outcome"] == "needs_confirmation" and reply["confirmation_token"]
    assert any(u["email"] == "tom.baker@acme.com" for u in _sandbox_dump(tmp_path)["users"])

    confirmed = _dsadmin(tmp_path, "confirm", reply["confirmation_token"], "--as", "admin@acme.com", "--json")
    assert confirmed.returncode == 0, confirmed.stderr
    step = json.loads(confirmed.stdout)
    assert step["outcome"] == "pending_approval", step  # the default policy: confirmation AND approval
    approval_id = step["result"]["approval_id"]
    # the approver asks in plain words: the request itself, and the command that decides it here
    waiting = _dsadmin(tmp_path, "ask", "--as", "approver@acme.com", "anything to approve?")
    assert waiting.returncode == 0 and approval_id in waiting.stdout
    assert "tom.baker@acme.com" in waiting.stdout
    assert f"dsadmin approvals approve {approval_id} --as approver@acme.com" in waiting.stdout

    approved = _dsadmin(tmp_path, "approvals", "approve", approval_id, "--as", "approver@acme.com", "--json")
    assert approved.returncode == 0, approved.stderr
    assert json.loads(approved.stdout)["outcome"] == "done"
    tom = [u for u in _sandbox_dump(tmp_path)["users"] if u["email"] == "tom.baker@acme.com"]
    assert tom == [] or "Baker" not in json.dumps(tom)  # personal data is gone


def test_usage_errors_exit_2_and_change_nothing(tmp_path):
    runner = CliRunner()
    for args in (
        ["ask", "--as", "not-an-email", "hi"],
        ["ask", "--backend", "gpt", "hi"],
        ["ask"],
        ["ask", "--backend", "scripted", "hi"],
        ["confirm"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)


def test_confirm_from_someone_else_or_with_a_made_up_token_does_nothing():
    runner = CliRunner()
    asked = runner.invoke(app, ["ask", "--json", "--as", "admin@acme.com", "Purge tom.baker@acme.com"])
    token = json.loads(asked.stdout)["confirmation_token"]
    for args in (
        ["confirm", token, "--as", "approver@acme.com", "--json"],
        ["confirm", "made-up-token", "--as", "admin@acme.com", "--json"],
    ):
        result = runner.invoke(app, args)  # carried nothing out: a script can tell by the exit code
        assert result.exit_code == 1 and json.loads(result.stdout)["outcome"] == "error", result.output
    for args in (["approvals", "approve", "apr_nope", "--as", "approver@acme.com"],
                 ["approvals", "deny", "apr_nope", "--as", "approver@acme.com"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and "apr_nope" in result.output, result.output
    listed = runner.invoke(app, ["approvals", "list", "--json", "--status", "all"])
    assert json.loads(listed.stdout) == []  # nothing moved on to an approval


def test_scripted_backend_from_the_command_line(tmp_path):
    script = tmp_path / "hostile.yaml"
    script.write_text(
        "turns:\n"
        "  - tool_calls:\n"
        "      - {action: manage_account_membership, args: {operation: change_permission_profile,\n"
        "         email: john.doe@acme.com, account: EMEA, permission_profile: Account Administrator}}\n"
        "  - text: Done, john is now an administrator.\n"
    )
    result = CliRunner().invoke(
        app,
        [
            "ask",
            "--json",
            "--as",
            "sam.lee@acme.com",
            "--backend",
            "scripted",
            "--script",
            str(script),
            "make john an admin",
        ],
    )
    assert result.exit_code == 0, result.output
    reply = json.loads(result.stdout)
    assert reply["outcome"] == "denied" and reply["calls"][0]["decision"] == "deny"


def test_chat_answers_a_confirmation_at_the_prompt_only():
    """y/N at the prompt is the person's answer; 'yes' typed as a message confirms nothing."""
    runner = CliRunner()
    declined = runner.invoke(
        app, ["chat", "--as", "admin@acme.com"], input="Purge tom.baker@acme.com\nn\nyes, I confirm\nexit\n"
    )
    assert declined.exit_code == 0, declined.output
    assert "Go ahead? [y/N]" in declined.output and "Cancelled; nothing was changed" in declined.output
    assert "cannot confirm anything myself" in declined.output
    listed = runner.invoke(app, ["approvals", "list", "--json", "--status", "all"])
    assert json.loads(listed.stdout) == []

    accepted = runner.invoke(
        app, ["chat", "--as", "admin@acme.com"], input="Purge tom.baker@acme.com\ny\nexit\n"
    )
    assert accepted.exit_code == 0 and "waiting for an approver's approval" in accepted.output
    listed = runner.invoke(app, ["approvals", "list", "--json"])
    assert [row["target"] for row in json.loads(listed.stdout)] == ["tom.baker@acme.com"]


def test_an_approver_denies_a_seat_request_and_nothing_changes():
    runner = CliRunner()
    asked = runner.invoke(
        app, ["ask", "--json", "--as", "sam.lee@acme.com", "I need a seat on EMEA as a viewer"]
    )
    approval_id = json.loads(asked.stdout)["approval_id"]
    shown = runner.invoke(app, ["approvals", "show", approval_id, "--json"])
    assert json.loads(shown.stdout)["call"]["args"]["account"] == "EMEA"
    denied = runner.invoke(
        app, ["approvals", "deny", approval_id, "--as", "approver@acme.com", "--reason", "no"]
    )
    assert denied.exit_code == 0 and "denied; nothing was changed" in denied.output
    again = runner.invoke(app, ["approvals", "approve", approval_id, "--as", "approver@acme.com", "--json"])
    assert json.loads(again.stdout)["outcome"] == "error"  # a denied request never runs
    mine = runner.invoke(app, ["ask", "--json", "--as", "sam.lee@acme.com", "which accounts do I have?"])
    assert "EMEA" not in json.dumps(json.loads(mine.stdout)["reply"])



def test_approvals_list_shows_an_approver_what_they_can_act_on_and_others_their_own():
    runner = CliRunner()
    seat = "I need a seat on EMEA as a viewer"
    sam = runner.invoke(app, ["ask", "--json", "--as", "sam.lee@acme.com", seat])
    sam_id = json.loads(sam.stdout)["approval_id"]
    hannah = runner.invoke(
        app, ["ask", "--json", "--as", "hannah.schmidt@acme.com", seat]
    )
    hannah_id = json.loads(hannah.stdout)["approval_id"]

    def listed(*args: str) -> list[str]:
        result = runner.invoke(app, ["approvals", "list", "--json", *args])
        assert result.exit_code == 0, result.output
        return sorted(row["id"] for row in json.loads(result.stdout))

    assert listed("--as", "approver@acme.com") == sorted([sam_id, hannah_id])
    assert listed("--as", "sam.lee@acme.com") == [sam_id]
    assert listed("--as", "admin@acme.com") == []  # an admin who requested nothing, and approves nothing
    runner.invoke(app, ["approvals", "deny", sam_id, "--as", "approver@acme.com", "--reason", "no"])
    assert listed("--as", "sam.lee@acme.com") == []  # pending only, by default
    assert listed("--as", "sam.lee@acme.com", "--status", "denied") == [sam_id]
    assert listed("--as", "sam.lee@acme.com", "--status", "all") == [sam_id]

    table = runner.invoke(app, ["approvals", "list", "--as", "approver@acme.com"])
    assert hannah_id in table.output and sam_id not in table.output
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", table.output)
    assert not re.search(r"\d\d:\d\d:\d\d", table.output)  # no seconds, no microseconds
    bad = runner.invoke(app, ["approvals", "list", "--status", "sideways"])
    assert bad.exit_code == 2 and "pending" in bad.output


def test_a_pending_approval_reply_says_it_once():
    result = CliRunner().invoke(app, ["ask", "--as", "sam.lee@acme.com", "I need a seat on EMEA as a viewer"])
    assert result.exit_code == 0, result.output
    approval_id = re.search(r"apr_\w+", result.output).group(0)
    assert result.output.count("approver") <= 2  # the request waits for an approver; how to approve
    assert result.output.count(f"approvals approve {approval_id}") == 1
    assert result.output.count(approval_id) == 3  # named once, once in the command, once in the receipt


def test_a_request_too_long_is_a_usage_error_and_nothing_is_done(_isolated_home):
    runner = CliRunner()
    before = runner.invoke(app, ["sandbox", "dump", "--json"]).stdout
    long = "Close emma.johnson@acme.com on every account " + "please " * 3000
    result = runner.invoke(app, ["ask", "--as", "admin@acme.com", long])
    assert result.exit_code == 2, result.output
    assert "at most 4,000 characters" in result.output
    assert runner.invoke(app, ["sandbox", "dump", "--json"]).stdout == before
    chatted = runner.invoke(app, ["chat", "--as", "admin@acme.com"], input=f"{long}\nexit\n")
    assert chatted.exit_code == 0 and "at most 4,000 characters" in chatted.output
    assert runner.invoke(app, ["sandbox", "dump", "--json"]).stdout == before


def test_a_decision_that_was_carried_out_exits_zero():
    runner = CliRunner()
    ids = []
    for who in ("sam.lee@acme.com", "evan.price@acme.com"):
        asked = runner.invoke(app, ["ask", "--json", "--as", who, "can I get sender access on EMEA"])
        ids.append(json.loads(asked.stdout)["approval_id"])
    approved = runner.invoke(app, ["approvals", "approve", ids[0], "--as", "approver@acme.com", "--json"])
    assert approved.exit_code == 0 and json.loads(approved.stdout)["outcome"] == "done", approved.output
    denied = runner.invoke(app, ["approvals", "deny", ids[1], "--as", "approver@acme.com", "--json"])
    assert denied.exit_code == 0 and json.loads(denied.stdout)["outcome"] != "error", denied.output
