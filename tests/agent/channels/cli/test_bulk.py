"""``dsadmin bulk``: rows judged first, one job through the gate, outcomes read back, resumable."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from agent_stack import membership, stack, user
from typer.testing import CliRunner

import policies
from agent.channels.cli import bulk as bulk_cli
from agent.channels.cli.main import app
from policies import load_policy
from tools.docusign.guard import GateBypassError

IMPORT_ADD = "/Management/v2/organizations/{organizationId}/imports/bulk_users/add"


def _run(sb, rt, kind, text, actor="admin@acme.com", **options):
    return bulk_cli.run(
        rt, rt.actor(actor), kind, text, sleep=lambda s: sb.advance_clock(seconds=s), **options
    )


def _posts(sb, template=IMPORT_ADD):
    return [r for r in sb.requests if r.method == "POST" and r.path_template == template]


def test_add_provisions_every_row_in_one_job_and_audits_each_outcome(tmp_path, capsys):
    sb, rt = stack(tmp_path)
    text = (
        "AccountID,UserName,UserEmail,PermissionSet,Group1,UserTitle\n"
        "Acme Main,Ida One,ida.one@acme.com,DocuSign Sender,Sales,AE\n"
        f"{sb.account_id('EMEA')},Ida Two,ida.two@acme.com,DocuSign Viewer,,\n"
        "Acme Main,Sam Again,sam.lee@acme.com,DocuSign Viewer,,\n"
    )
    assert _run(sb, rt, "add", text, yes=True) == 0
    told = capsys.readouterr().out
    dump = sb.dump()
    one = membership(dump, "ida.one@acme.com", "Acme Main")
    assert one["permission_profile"] == "DocuSign Sender" and "Sales" in one["groups"]
    assert membership(dump, "ida.two@acme.com", "EMEA")["permission_profile"] == "DocuSign Viewer"
    assert membership(dump, "sam.lee@acme.com", "Acme Main")["permission_profile"] == "DocuSign Sender"
    assert len(_posts(sb)) == 1
    assert "line 4: sam.lee@acme.com -> no_action_taken_user_exists" in told
    # sam exists: DocuSign took no action, so he is not counted as done
    assert "2 of 3 row(s) done, 1 left unchanged (DocuSign took no action)" in told
    events = [e for e in rt.audit.records() if e.action == "bulk_import"]
    outcome = next(e for e in events if e.kind == "action_result" and e.payload.get("rows"))
    assert [r["result"] for r in outcome.payload["rows"]] == [
        "user_added", "user_added", "no_action_taken_user_exists",
    ]  # fmt: skip
    assert any(e.kind == "decision" and e.payload.get("stage") == "submitting" for e in events)


def test_an_invalid_row_stops_the_whole_file_unless_skipped(tmp_path, capsys):
    sb, rt = stack(tmp_path)
    text = (
        "AccountID,UserEmail\nAcme Main,olivia.brown@acme.com\nAcme Mian,sam.lee@acme.com\n"
        "Acme Main,nobody@acme.com\n"
    )
    before = sb.dump()
    assert _run(sb, rt, "close", text, yes=True) == 1
    told = capsys.readouterr().out
    assert sb.dump() == before
    assert "line 3: sam.lee@acme.com [invalid]" in told and "Acme Main" in told
    assert "line 4: nobody@acme.com [invalid]" in told and "nothing was sent" in told
    assert _run(sb, rt, "close", text, yes=True, skip_invalid=True) == 0
    dump = sb.dump()
    assert membership(dump, "olivia.brown@acme.com", "Acme Main")["status"] == "closed"
    assert membership(dump, "sam.lee@acme.com", "Acme Main")["status"] == "active"


def test_dry_run_and_a_declined_prompt_send_nothing(tmp_path, capsys):
    sb, rt = stack(tmp_path)
    text = "AccountID,UserEmail,PermissionSet\nAcme Main,sam.lee@acme.com,DocuSign Viewer\n"
    assert _run(sb, rt, "update", text, dry_run=True, as_json=True) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["sent"] == 0 and shown["rows"][0]["preview"] == [
        {
            "account": "Acme Main",
            "field": "permission_profile",
            "before": "DocuSign Sender",
            "after": "DocuSign Viewer",
        }
    ]
    assert _run(sb, rt, "update", text) == 0  # no terminal, no --yes: nothing is sent
    assert membership(sb.dump(), "sam.lee@acme.com", "Acme Main")["permission_profile"] == "DocuSign Sender"
    assert not [r for r in sb.requests if r.method == "POST" and "imports" in r.path_template]


def test_rows_needing_an_approver_become_one_request_and_are_not_sent(tmp_path, capsys):
    sb, rt = stack(tmp_path)
    _approval_policy(tmp_path, rt)
    csv_text = (
        "AccountID,UserName,UserEmail,PermissionSet\nEMEA,Ad One,ad.one@acme.com,Account Administrator\n"
        "EMEA,Ad Two,ad.two@acme.com,Account Administrator\n"
        "EMEA,Plain One,plain.one@acme.com,DocuSign Sender\n"
    )
    assert _run(sb, rt, "add", csv_text, yes=True, as_json=True) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["sent"] == 1 and shown["approval_id"]
    dump = sb.dump()
    assert user(dump, "plain.one@acme.com") and not user(dump, "ad.one@acme.com")
    waiting = rt.approvals.list("pending")
    assert len(waiting) == 1 and waiting[0].id == shown["approval_id"]
    assert {p["after"] for p in waiting[0].preview if p["field"] == "user"} == {
        "ad.one@acme.com",
        "ad.two@acme.com",
    }


def test_a_rerun_of_the_same_add_file_reports_nothing_done(tmp_path, capsys):
    sb, rt = stack(tmp_path)
    text = "AccountID,UserName,UserEmail,PermissionSet\nAcme Main,Ida One,ida.one@acme.com,DocuSign Sender\n"
    assert _run(sb, rt, "add", text, yes=True) == 0
    assert "1 of 1 row(s) done." in capsys.readouterr().out
    after_first = sb.dump()
    assert _run(sb, rt, "add", text, yes=True, as_json=True) == 0
    shown = json.loads(capsys.readouterr().out)
    assert sb.dump() == after_first
    assert shown["rows"][0]["outcome"] == "no_action_taken_user_exists"
    assert "0 of 1 row(s) done, 1 left unchanged" in shown["summary"]


def _approval_policy(tmp_path, rt) -> None:
    policy_file = tmp_path / "policy.yaml"
    text = (Path(policies.__file__).parent / "default.yaml").read_text()
    text = text.replace(
        "approval_required_profiles: []",
        'approval_required_profiles: ["Account Administrator"]\n'
        "  profile_approval: {role: approver, ttl_seconds: 86400}",
    )
    policy_file.write_text(text)
    rt.gate.policy = load_policy(policy_file)


def test_a_rerun_or_a_declined_prompt_never_files_a_second_approval_request(tmp_path, capsys):
    sb, rt = stack(tmp_path)
    _approval_policy(tmp_path, rt)
    csv_text = (
        "AccountID,UserName,UserEmail,PermissionSet\nEMEA,Ad One,ad.one@acme.com,Account Administrator\n"
        "EMEA,Plain One,plain.one@acme.com,DocuSign Sender\n"
    )
    assert _run(sb, rt, "add", csv_text) == 0  # no terminal, no --yes: the job is not sent
    told = capsys.readouterr().out
    waiting = rt.approvals.list("pending")
    assert len(waiting) == 1 and f"wait in request {waiting[0].id}" in told  # the person is told of it
    assert _run(sb, rt, "add", csv_text, yes=True, as_json=True) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [a.id for a in rt.approvals.list("pending")] == [waiting[0].id] == [shown["approval_id"]]
    assert user(sb.dump(), "plain.one@acme.com") and not user(sb.dump(), "ad.one@acme.com")


def test_an_interrupted_run_resumes_the_same_import(tmp_path, capsys):
    sb, rt = stack(tmp_path)
    text = (
        "AccountID,UserName,UserEmail,PermissionSet\nAcme Main,Res Umed,res.umed@acme.com,DocuSign Sender\n"
    )

    def interrupted(_seconds):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        bulk_cli.run(rt, rt.actor("admin@acme.com"), "add", text, yes=True, sleep=interrupted)
    assert len(_posts(sb)) == 1 and user(sb.dump(), "res.umed@acme.com") is None
    # the person is told the file already went, and that the same command follows it
    told = capsys.readouterr().err
    assert "already sent to DocuSign" in told and "run the same command again" in told
    assert _run(sb, rt, "add", text, yes=True) == 0
    assert "Resuming import" in capsys.readouterr().out
    assert len(_posts(sb)) == 1  # not sent twice
    assert membership(sb.dump(), "res.umed@acme.com", "Acme Main")["permission_profile"] == "DocuSign Sender"


def test_the_job_cannot_be_submitted_outside_the_gate_or_for_another_file(tmp_path):
    from policies.call import BatchCall
    from tools.docusign import bulk

    sb, rt = stack(tmp_path)
    with pytest.raises(GateBypassError):
        bulk.submit_import(rt.client, sb.organization_id, "close", "AccountID,UserEmail\n")
    actor = rt.actor("admin@acme.com")
    token, _ = rt.confirmations.issue(
        actor, BatchCall(({"kind": "close", "csv_sha256": "0" * 64, "fingerprint": "x"},)), "bulk close"
    )
    with pytest.raises(Exception, match="differs from the one confirmed"):
        rt.gate.submit_bulk(
            actor, token, "close", f"AccountID,UserEmail\n{sb.account_id('EMEA')},john.doe@acme.com\n"
        )
    assert not [r for r in sb.requests if "imports" in r.path_template]


def test_command_line_usage_errors_change_nothing(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(app, ["bulk", "add", str(tmp_path / "none.csv"), "--as", "admin@acme.com"])
    assert missing.exit_code == 2 and "cannot read" in missing.output
    bad = tmp_path / "bad.csv"
    bad.write_text("Email,Account\nx@acme.com,EMEA\n")
    result = runner.invoke(app, ["bulk", "close", str(bad), "--as", "admin@acme.com", "--json"])
    assert result.exit_code == 1
    assert "AccountID" in json.loads(result.output)["error"]


def test_an_approved_bulk_request_runs_each_row_once(tmp_path, capsys):
    sb, rt = stack(tmp_path)
    policy_file = tmp_path / "policy.yaml"
    text = (Path(policies.__file__).parent / "default.yaml").read_text()
    policy_file.write_text(
        text.replace(
            "approval_required_profiles: []",
            'approval_required_profiles: ["Account Administrator"]\n'
            "  profile_approval: {role: approver, ttl_seconds: 86400}",
        )
    )
    rt.gate.policy = load_policy(policy_file)
    csv_text = (
        "AccountID,UserName,UserEmail,PermissionSet\nEMEA,Ad One,ad.one@acme.com,Account Administrator\n"
        "Acme Main,Ad Two,ad.two@acme.com,Account Administrator\n"
    )
    assert _run(sb, rt, "add", csv_text, yes=True, as_json=True) == 0
    approval_id = json.loads(capsys.readouterr().out)["approval_id"]
    assert user(sb.dump(), "ad.one@acme.com") is None
    approver = rt.actor("approver@acme.com")
    done = rt.gate.approve(approver, approval_id)
    assert done.kind == "ok", done
    dump = sb.dump()
    assert membership(dump, "ad.one@acme.com", "EMEA")["permission_profile"] == "Account Administrator"
    assert membership(dump, "ad.two@acme.com", "Acme Main")["permission_profile"] == "Account Administrator"
    again = rt.gate.approve(approver, approval_id)
    assert again.kind != "ok"
    assert rt.approvals.get(approval_id).status == "executed"


def test_a_stored_import_docusign_does_not_know_is_not_resent(tmp_path, capsys):
    from tools.operations import bulk

    sb, rt = stack(tmp_path)
    text = "AccountID,UserEmail\nAcme Main,olivia.brown@acme.com\n"
    rows = bulk.read_csv(text, "close")
    bulk.judge(rt.gate, rt.actor("admin@acme.com"), "close", rows)
    digest = hashlib.sha256(f"close\n{bulk.job_csv('close', rows)}".encode()).hexdigest()
    stored = bulk_cli._resume_file(digest)
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_text(json.dumps({"import_id": "00000000-0000-4000-8000-000000000000", "kind": "close"}))
    assert _run(sb, rt, "close", text, yes=True) == 1
    assert "unknown to DocuSign" in capsys.readouterr().err
    assert not stored.exists()
    assert membership(sb.dump(), "olivia.brown@acme.com", "Acme Main")["status"] == "active"
    assert not [r for r in sb.requests if r.method == "POST" and "imports" in r.path_template]


def test_an_import_submitted_by_a_process_that_died_is_resumed_by_the_next(tmp_path):
    """Two processes: the first is killed right after DocuSign took the import; the second finds
    the import id and the sandbox's job (kept in its SQLite state), follows it and sends nothing."""
    import os
    import subprocess
    import sys

    from tools.docusign.sandbox import Sandbox

    csv_file = tmp_path / "new_hires.csv"
    csv_file.write_text(
        "AccountID,UserName,UserEmail,PermissionSet\nAcme Main,Two Proc,two.proc@acme.com,DocuSign Sender\n"
    )
    dsadmin = str(Path(sys.executable).with_name("dsadmin"))  # the installed console script
    command = [dsadmin, "bulk", "add", str(csv_file), "--yes", "--json", "--as", "admin@acme.com"]
    env = {**os.environ, "DSADMIN_TEST_CRASH_AT": "after_bulk_submit"}
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == -9, first.stderr
    stored = json.loads(next((Path(os.environ["DSADMIN_HOME"]) / "bulk").glob("*.json")).read_text())
    env.pop("DSADMIN_TEST_CRASH_AT")
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    shown = json.loads(second.stdout)
    assert shown["import_id"] == stored["import_id"] and shown["status"] == "completed"
    assert [r["outcome"] for r in shown["rows"]] == ["user_added"]
    sb = Sandbox.open(Path(os.environ["DSADMIN_HOME"]) / "sandbox")
    assert len(sb.state.jobs.of_kind(export=False)) == 1  # submitted once, by the first process
    assert membership(sb.dump(), "two.proc@acme.com", "Acme Main")["permission_profile"] == "DocuSign Sender"


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ("AccountID,UserEmail\nEMEA,j\xe9r\xf4me@acme.com\n".encode("latin-1"), "not UTF-8 text"),
        ("AccountID,UserEmail\nEMEA,john.doe@acme.com\n".encode("utf-16"), "saved as UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
    ],
)
def test_a_file_that_is_not_utf8_csv_names_the_fix_not_the_codec(tmp_path, raw, named):
    """A spreadsheet saved as 'CSV (Windows)' or 'Unicode text' is the usual mistake: the person is
    told what the file is and to save it as UTF-8, not Python's codec error."""
    runner = CliRunner()
    before = runner.invoke(app, ["sandbox", "dump", "--json"]).output
    bad = tmp_path / "leavers.csv"
    bad.write_bytes(raw)
    result = runner.invoke(app, ["bulk", "close", str(bad), "--as", "admin@acme.com"])
    assert result.exit_code == 2, result.output
    assert named in result.output and "UTF-8" in result.output
    assert "codec" not in result.output
    assert isinstance(result.exception, SystemExit)  # a handled refusal, not a crash
    assert runner.invoke(app, ["sandbox", "dump", "--json"]).output == before


def test_a_file_saved_with_semicolons_names_the_separator_and_the_fix(tmp_path, capsys):
    """A spreadsheet in a locale whose list separator is ';' saves 'CSV' with semicolons."""
    sb, rt = stack(tmp_path)
    before = sb.dump()
    text = ("AccountID;UserEmail;PermissionSet;UserName\n"
            "Acme Main;semi.colon@acme.com;DocuSign Sender;Semi Colon\n")
    assert _run(sb, rt, "add", text, yes=True) == 1
    told = capsys.readouterr().err
    assert "separated by ';', not commas" in told and "comma delimited" in told
    assert sb.dump() == before and not _posts(sb)
