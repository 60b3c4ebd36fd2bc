"""Bulk changes asked for in a conversation: the same gate path as ``dsadmin bulk``.

Every test asserts on the sandbox's final state and on what the person was told: rows checked
first (nothing sent while a line is invalid), one confirmation with counts and previews, one
import job after the yes, rows needing an approver in one request, and a file path confined to
the bulk folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agent_stack import membership, stack, user
from fake_messages_api import FakeMessagesAPI, text_turn, tool_turn

import policies
from agent.backends.offline import OfflineBackend
from agent.conversation import Conversation
from policies import load_policy

ADMIN = "admin@acme.com"
IMPORTS = "/Management/v2/organizations/{organizationId}/imports/bulk_users/"
NEW_HIRES = (
    "AccountID,UserName,UserEmail,PermissionSet,Group1\n"
    "Acme Main,Ida One,ida.one@acme.com,DocuSign Sender,Sales\n"
    "EMEA,Ida Two,ida.two@acme.com,DocuSign Viewer,\n"
)


def _chat(tmp_path, setup=None, backend=None):
    sb, rt = stack(tmp_path, setup)
    folder = tmp_path / "bulk"
    folder.mkdir()
    rt.gate.bulk_files = folder
    rt.gate.job_sleep = lambda s: sb.advance_clock(seconds=s)
    return sb, rt, folder, Conversation(rt, rt.actor(ADMIN), backend or OfflineBackend())


def _admin_grants_need_an_approver(rt, tmp_path):
    text = (Path(policies.__file__).parent / "default.yaml").read_text()
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(text.replace(
        "approval_required_profiles: []",
        'approval_required_profiles: ["Account Administrator"]\n'
        "  profile_approval: {role: approver, ttl_seconds: 86400}"))  # fmt: skip
    rt.gate.policy = load_policy(policy_file)


def _imports(sb):
    return [r for r in sb.requests if r.method == "POST" and r.path_template.startswith(IMPORTS)]


def test_provisioning_a_file_asks_once_with_counts_and_previews_then_runs_one_job(tmp_path):
    sb, rt, folder, chat = _chat(tmp_path)
    (folder / "new_hires.csv").write_text(NEW_HIRES)
    before = sb.dump()
    asked = chat.ask("Provision everyone in new_hires.csv")
    assert asked.outcome == "needs_confirmation" and sb.dump() == before and not _imports(sb)
    assert "2 row(s): 2 ready" in asked.text
    assert "user: (none) -> ida.one@acme.com" in asked.text and "groups: (none) -> Sales" in asked.text
    assert [c.action for c in asked.calls] == ["bulk_users"]

    done = chat.confirm(True)
    assert done.outcome == "done", done.text
    assert "2 of 2 row(s) done" in done.text
    dump = sb.dump()
    assert membership(dump, "ida.one@acme.com", "Acme Main")["permission_profile"] == "DocuSign Sender"
    assert "Sales" in membership(dump, "ida.one@acme.com", "Acme Main")["groups"]
    assert membership(dump, "ida.two@acme.com", "EMEA")["permission_profile"] == "DocuSign Viewer"
    assert len(_imports(sb)) == 1
    outcome = [e for e in rt.audit.records() if e.action == "bulk_import" and e.payload.get("rows")]
    assert [r["result"] for r in outcome[-1].payload["rows"]] == ["user_added", "user_added"]


def test_closing_everyone_in_a_file_of_leavers(tmp_path):
    sb, _rt, folder, chat = _chat(tmp_path)
    (folder / "leavers.csv").write_text("AccountID,UserEmail\nAcme Main,olivia.brown@acme.com\n")
    asked = chat.ask("close everyone in leavers.csv")
    assert asked.outcome == "needs_confirmation" and "status: active -> closed" in asked.text
    assert membership(sb.dump(), "olivia.brown@acme.com", "Acme Main")["status"] == "active"
    assert chat.confirm(True).outcome == "done"
    assert membership(sb.dump(), "olivia.brown@acme.com", "Acme Main")["status"] == "closed"
    assert [r.path_template.rsplit("/", 1)[-1] for r in _imports(sb)] == ["close"]


def test_an_invalid_line_is_named_with_its_fix_and_nothing_is_sent(tmp_path):
    sb, _rt, folder, chat = _chat(tmp_path)
    bad_line = "Acme Mian,Ida Three,ida.three@acme.com,DocuSign Sender,\n"
    (folder / "new_hires.csv").write_text(NEW_HIRES + bad_line)
    before = sb.dump()
    reply = chat.ask("import users from new_hires.csv")
    assert reply.outcome == "error" and reply.confirmation_token is None
    assert "1 of 3 line(s) in new_hires.csv need fixing; nothing was sent" in reply.text
    assert "line 4:" in reply.text and "Acme Mian" in reply.text
    assert sb.dump() == before and not _imports(sb)
    skipped = chat.ask("import users from new_hires.csv, skip the invalid lines")
    assert skipped.outcome == "needs_confirmation" and "2 ready, 1 invalid" in skipped.text
    assert chat.confirm(True).outcome == "done"
    dump = sb.dump()
    assert user(dump, "ida.one@acme.com") and user(dump, "ida.two@acme.com")
    assert user(dump, "ida.three@acme.com") is None


@pytest.mark.parametrize("named", [
    "/etc/passwd", "~/.ssh/id_rsa", "../outside.csv", "lists/../../outside.csv", ".secret/leavers.csv",
    "link.csv",
])  # fmt: skip
def test_a_file_outside_the_bulk_folder_is_refused_and_never_read(tmp_path, named):
    sb, _rt, folder, chat = _chat(tmp_path)
    outside = tmp_path / "outside.csv"
    outside.write_text("AccountID,UserEmail\nAcme Main,olivia.brown@acme.com\n")
    (folder / "link.csv").symlink_to(outside)
    (folder / ".secret").mkdir()
    (folder / ".secret" / "leavers.csv").write_text(outside.read_text())
    before = sb.dump()
    reply = chat.ask(f"close everyone in {named}")
    assert reply.outcome == "error" and reply.confirmation_token is None
    assert any(w in reply.text for w in ("outside the bulk folder", "climbs out", "hidden", "leads outside"))
    assert "olivia.brown" not in reply.text  # nothing of the file was read back
    assert sb.dump() == before and not _imports(sb)


def test_a_missing_file_names_the_files_that_are_there(tmp_path):
    _sb, _rt, folder, chat = _chat(tmp_path)
    (folder / "new_hires.csv").write_text(NEW_HIRES)
    reply = chat.ask("provision everyone in new_hire.csv")
    assert reply.outcome == "error" and "no file 'new_hire.csv'" in reply.text
    assert "the CSV files there: new_hires.csv" in reply.text


def test_a_file_changed_after_the_confirmation_was_asked_is_not_sent(tmp_path):
    sb, _rt, folder, chat = _chat(tmp_path)
    (folder / "new_hires.csv").write_text(NEW_HIRES)
    assert chat.ask("provision everyone in new_hires.csv").outcome == "needs_confirmation"
    (folder / "new_hires.csv").write_text(NEW_HIRES.replace("DocuSign Viewer", "DocuSign Sender"))
    reply = chat.confirm(True)
    assert reply.outcome == "error" and "changed since you confirmed" in reply.text
    assert not _imports(sb) and user(sb.dump(), "ida.one@acme.com") is None


def test_rows_needing_an_approver_become_one_request_listing_every_row(tmp_path):
    sb, rt, folder, chat = _chat(tmp_path)
    _admin_grants_need_an_approver(rt, tmp_path)
    (folder / "admins.csv").write_text(
        "AccountID,UserName,UserEmail,PermissionSet\nEMEA,Ad One,ad.one@acme.com,Account Administrator\n"
        "EMEA,Ad Two,ad.two@acme.com,Account Administrator\n"
        "EMEA,Plain One,plain.one@acme.com,DocuSign Sender\n"
    )
    asked = chat.ask("add everyone in admins.csv")
    assert asked.outcome == "needs_confirmation" and "2 needs an approver" in asked.text
    waiting = rt.approvals.list("pending")
    assert len(waiting) == 1 and waiting[0].id in asked.text
    users = {p["after"] for p in waiting[0].preview if p["field"] == "user"}
    assert users == {"ad.one@acme.com", "ad.two@acme.com"}
    assert chat.confirm(True).outcome == "done"
    dump = sb.dump()
    assert user(dump, "plain.one@acme.com") and user(dump, "ad.one@acme.com") is None
    assert len(_imports(sb)) == 1


def test_an_employee_cannot_bulk_change_other_people(tmp_path):
    sb, rt, folder, _chat_admin = _chat(tmp_path)
    (folder / "leavers.csv").write_text("AccountID,UserEmail\nAcme Main,olivia.brown@acme.com\n")
    chat = Conversation(rt, rt.actor("sam.lee@acme.com"), OfflineBackend())
    reply = chat.ask("close everyone in leavers.csv")
    assert reply.outcome == "error" and "line 2" in reply.text and reply.confirmation_token is None
    assert membership(sb.dump(), "olivia.brown@acme.com", "Acme Main")["status"] == "active"
    assert not _imports(sb)


def test_claude_can_propose_a_bulk_import_through_the_same_gate(tmp_path, monkeypatch):
    from agent.backends.anthropic import AnthropicBackend
    from agent.config import ModelSettings

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")
    turns = [tool_turn(("bulk_users", {"operation": "add", "file": "new_hires.csv"})),
             text_turn("Please confirm the import at the prompt.")]  # fmt: skip
    with FakeMessagesAPI(turns) as api:
        settings = ModelSettings().model_copy(update={"base_url": api.base_url})
        sb, _rt, folder, chat = _chat(tmp_path, backend=AnthropicBackend.from_settings(settings))
        (folder / "new_hires.csv").write_text(NEW_HIRES)
        asked = chat.ask("Import the users in new_hires.csv")
    tools = {t["name"]: t for t in api.requests[0]["tools"]}
    assert set(tools["bulk_users"]["input_schema"]["properties"]) == {"operation", "file", "skip_invalid"}
    assert asked.outcome == "needs_confirmation" and "2 row(s): 2 ready" in asked.text
    assert json.dumps(api.requests[1]).count(asked.confirmation_token) == 0  # the model never sees the token
    assert chat.confirm(True).outcome == "done"
    assert membership(sb.dump(), "ida.two@acme.com", "EMEA")["permission_profile"] == "DocuSign Viewer"


def test_an_import_interrupted_in_a_conversation_is_followed_when_asked_again_not_resent(tmp_path):
    sb, rt, folder, chat = _chat(tmp_path)
    (folder / "new_hires.csv").write_text(NEW_HIRES)
    assert chat.ask("Provision everyone in new_hires.csv").outcome == "needs_confirmation"

    def interrupted(_seconds):
        raise KeyboardInterrupt

    rt.gate.job_sleep = interrupted
    with pytest.raises(KeyboardInterrupt):
        chat.confirm(True)
    assert len(_imports(sb)) == 1 and user(sb.dump(), "ida.one@acme.com") is None
    rt.gate.job_sleep = lambda s: sb.advance_clock(seconds=s)
    again = Conversation(rt, rt.actor(ADMIN), OfflineBackend()).ask("Provision everyone in new_hires.csv")
    assert again.outcome == "done" and "Followed the earlier import" in again.text
    assert "2 of 2 row(s) done" in again.text
    assert len(_imports(sb)) == 1  # never sent twice
    assert membership(sb.dump(), "ida.two@acme.com", "EMEA")["permission_profile"] == "DocuSign Viewer"


def test_a_held_bulk_call_asks_the_approver_for_its_rows_before_sending_the_rest(tmp_path):
    """The blast-radius stop (a question, or too many writes) plans the file without sending it;
    the yes then sends the job and the approver's rows still wait in one request."""
    from tools.actions import ToolCall

    sb, rt, folder, _chat_unused = _chat(tmp_path)
    _admin_grants_need_an_approver(rt, tmp_path)
    (folder / "admins.csv").write_text(
        "AccountID,UserName,UserEmail,PermissionSet\nEMEA,Ad One,ad.one@acme.com,Account Administrator\n"
        "EMEA,Plain One,plain.one@acme.com,DocuSign Sender\n"
    )
    actor = rt.actor(ADMIN)
    call = ToolCall(id="t1", action="bulk_users", args={"operation": "add", "file": "admins.csv"})
    [held] = rt.gate.hold(actor, [call], why="the request reads as a question")
    assert held.kind == "needs_confirmation" and not _imports(sb) and not rt.approvals.list("pending")
    [done] = rt.gate.confirm_all(actor, held.token)
    assert done.kind == "ok", done
    dump = sb.dump()
    assert user(dump, "plain.one@acme.com") and user(dump, "ad.one@acme.com") is None
    waiting = rt.approvals.list("pending")
    assert len(waiting) == 1 and {p["after"] for p in waiting[0].preview if p["field"] == "user"} == {
        "ad.one@acme.com"
    }


def test_asking_again_for_a_file_already_imported_reports_nothing_done(tmp_path):
    sb, _rt, folder, chat = _chat(tmp_path)
    (folder / "new_hires.csv").write_text(NEW_HIRES)
    chat.ask("Provision everyone in new_hires.csv")
    assert "2 of 2 row(s) done" in chat.confirm(True).text
    after_first = sb.dump()
    chat.ask("Provision everyone in new_hires.csv")
    again = chat.confirm(True)
    assert sb.dump() == after_first
    assert "0 of 2 row(s) done, 2 left unchanged" in again.text, again.text
    assert [r.changed for r in again.results] == [False]  # the receipt does not say it changed
