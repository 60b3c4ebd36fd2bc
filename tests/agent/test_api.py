"""The public Python API (``agent.api``): the README's example, typed replies, refusals that change nothing.

Every test asserts on the sandbox's final state and on what the caller was told, through the same
runtime the CLI builds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from agent_stack import membership, stack

from agent import Agent, DecisionKind, Outcome, Person, Refused, SetupFailed

PROJECT_ROOT = Path(__file__).resolve().parents[2]

GRANT = "Change john.doe@acme.com to Account Administrator on EMEA"
SEAT = "Please give me a DocuSign Viewer seat on EMEA"


def _readme_example() -> str:
    text = (PROJECT_ROOT / "README.md").read_text()
    block = text.split("<!-- api-example -->", 1)[1].split("<!-- /api-example -->", 1)[0]
    return block.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_example_runs_against_the_sandbox(_isolated_home, tmp_path, monkeypatch, capsys):
    from tools.docusign.sandbox import Sandbox

    monkeypatch.chdir(tmp_path)  # no ./dsadmin.yaml: the embedded sandbox, as for a first-time reader
    before = Sandbox.from_fixture("acme").dump()
    assert membership(before, "sam.lee@acme.com", "EMEA") is None
    exec(compile(_readme_example(), "README.md (api-example)", "exec"), {})
    after = Sandbox.open(_isolated_home / "sandbox", fixture="acme").dump()
    assert membership(after, "john.doe@acme.com", "EMEA")["permission_profile"] == "Account Administrator"
    assert membership(after, "sam.lee@acme.com", "EMEA")["permission_profile"] == "DocuSign Viewer"
    printed = capsys.readouterr().out
    assert "EMEA permission_profile: DocuSign Sender -> Account Administrator" in printed
    assert "sam.lee@acme.com add existing user sam.lee@acme.com to EMEA" in printed


@pytest.fixture
def api(tmp_path):
    sandbox, rt = stack(tmp_path)
    dsadmin = Agent(rt)
    yield sandbox, dsadmin
    dsadmin.close()


def test_a_reply_is_typed_and_a_declined_confirmation_changes_nothing(api):
    sandbox, dsadmin = api
    before = sandbox.dump()
    admin = dsadmin.person("admin@acme.com")
    reply = dsadmin.ask(admin, GRANT)
    assert reply.outcome is Outcome.NEEDS_CONFIRMATION and reply.confirmation_token
    assert [(c.account, c.field, c.before, c.after) for c in reply.previews] == [
        ("EMEA", "permission_profile", "DocuSign Sender", "Account Administrator")]
    assert [(r.action, r.decision, r.outcome) for r in reply.receipts] == [
        ("manage_account_membership", DecisionKind.NEEDS_CONFIRMATION, Outcome.NEEDS_CONFIRMATION)]
    pending = dsadmin.pending_confirmation(admin, reply.confirmation_token)
    assert pending is not None and pending.previews == reply.previews
    # someone else cannot answer it, and the owner's "no" runs nothing
    other = dsadmin.confirm(dsadmin.person("approver@acme.com"), reply.confirmation_token)
    assert other.outcome is Outcome.ERROR
    declined = dsadmin.confirm(admin, reply.confirmation_token, accept=False)
    assert declined.outcome is Outcome.DONE and "nothing was changed" in declined.text
    assert dsadmin.confirm(admin, reply.confirmation_token).outcome is Outcome.ERROR  # spent
    assert sandbox.dump() == before


def test_roles_come_from_the_configuration_never_from_the_caller(api):
    sandbox, dsadmin = api
    before = sandbox.dump()
    assert dsadmin.person("sam.lee@acme.com").roles == frozenset({"employee"})
    forged = Person("sam.lee@acme.com", frozenset({"admin"}))
    reply = dsadmin.ask(forged, "Change john.doe@acme.com to DocuSign Viewer on EMEA")
    assert reply.outcome is Outcome.DENIED and "only for themselves" in reply.text
    assert reply.receipts[0].decision is DecisionKind.DENY
    assert sandbox.dump() == before


def test_bad_input_is_refused_naming_the_fix(api, tmp_path):
    sandbox, dsadmin = api
    before = sandbox.dump()
    with pytest.raises(Refused, match="not an email address") as caught:
        dsadmin.person("admin at acme")
    assert caught.value.kind == "invalid"
    with pytest.raises(Refused, match="use one of offline, anthropic, scripted"):
        dsadmin.session(dsadmin.person("admin@acme.com"), backend="gpt")
    with pytest.raises(Refused, match="no identity"):
        dsadmin.ask(Person(""), "List every user")
    with pytest.raises(SetupFailed, match="people"):
        Agent.open({"store": {"url": f"sqlite:///{tmp_path / 'other.db'}"}})
    with pytest.raises(SetupFailed, match="no such configuration file"):
        Agent.open(tmp_path / "missing.yaml")
    assert sandbox.dump() == before


def test_approvals_list_and_decide_as_an_approver(api):
    sandbox, dsadmin = api
    sam, approver = dsadmin.person("sam.lee@acme.com"), dsadmin.person("approver@acme.com")
    asked = dsadmin.ask(sam, SEAT)
    assert asked.outcome is Outcome.PENDING_APPROVAL and asked.approval_id
    assert ("EMEA", "permission_profile", None, "DocuSign Viewer") in [
        (c.account, c.field, c.before, c.after) for c in asked.previews]
    before = sandbox.dump()
    # the requester cannot decide it; someone without a part in it does not even see it
    with pytest.raises(Refused) as own:
        dsadmin.decide(sam, asked.approval_id, approve=True, strict=True)
    assert own.value.kind == "forbidden"
    with pytest.raises(Refused) as unseen:
        dsadmin.approval(dsadmin.person("emma.johnson@acme.com"), asked.approval_id)
    assert unseen.value.kind == "not_found"
    assert sandbox.dump() == before
    listed = dsadmin.approvals(approver, mine=True)
    assert [(r.id, r.requester, r.status) for r in listed] == [(asked.approval_id, sam.email, "pending")]
    done = dsadmin.decide(approver, asked.approval_id, approve=True)
    assert done.outcome is Outcome.DONE
    assert membership(sandbox.dump(), sam.email, "EMEA")["permission_profile"] == "DocuSign Viewer"
    with pytest.raises(Refused) as again:
        dsadmin.decide(approver, asked.approval_id, approve=True, strict=True)
    assert again.value.kind == "conflict"


def test_the_outcome_is_the_backends_typed_flag_never_the_words(api, tmp_path):
    _sandbox, dsadmin = api
    admin = dsadmin.person("admin@acme.com")
    script = tmp_path / "turns.yaml"
    script.write_text('- text: "Sure. Anything else I can do?"\n')
    assert dsadmin.ask(admin, "hello", script=script).outcome is Outcome.DONE
    script.write_text('- {text: "Tell me the account, please.", clarify: true}\n')
    assert dsadmin.ask(admin, "close john.doe@acme.com", script=script).outcome is Outcome.CLARIFY


def test_audit_payloads_keep_their_stored_words(api):
    _sandbox, dsadmin = api
    dsadmin.ask(dsadmin.person("admin@acme.com"), GRANT)
    decisions = dsadmin.runtime.audit.tail(5, kind="decision")
    assert decisions and decisions[-1].payload["decision"] == "needs_confirmation"
    assert type(decisions[-1].payload["decision"]) is str  # read back as plain JSON, as before the enums


# -- what channels need of the API (Slack, MCP): one call, a token answered later, request status -----


def test_a_clients_own_model_calls_one_action_through_the_gate(api):
    sandbox, dsadmin = api
    admin = dsadmin.person("admin@acme.com")
    specs = {t.name: t for t in dsadmin.tools()}
    assert specs["manage_user"].writes and not specs["list_users"].writes
    listed = dsadmin.call(admin, "list_users", {"status": "pending"})
    assert listed.outcome is Outcome.DONE and not listed.is_error
    assert listed.receipts[0].action == "list_users"
    before = sandbox.dump()
    bad = dsadmin.call(admin, "manage_user", {"operation": "close", "email": 42})
    assert bad.is_error and bad.outcome is Outcome.ERROR and bad.confirmation_token is None
    asked = dsadmin.call(admin, "manage_account_membership", {
        "operation": "change_permission_profile", "email": "john.doe@acme.com", "account": "EMEA",
        "permission_profile": "Account Administrator"}, session_id="client-1")
    assert asked.outcome is Outcome.NEEDS_CONFIRMATION and asked.confirmation_token
    assert asked.receipts[0].args["account"] == "EMEA"
    assert sandbox.dump() == before  # nothing ran before the person's answer
    done = dsadmin.confirm(admin, asked.confirmation_token, session_id="client-1")
    assert done.outcome is Outcome.DONE
    assert membership(sandbox.dump(), "john.doe@acme.com", "EMEA")["permission_profile"] == \
        "Account Administrator"


def test_a_session_answers_a_token_it_issued_and_takes_a_backend_object(api):
    from agent.backends.offline import OfflineBackend

    sandbox, dsadmin = api
    admin = dsadmin.person("admin@acme.com")
    first = dsadmin.session(admin, session_id="chan-thread-1")
    asked = first.ask(GRANT)
    assert asked.model_turns >= 1 and asked.tokens >= 0 and asked.confirmation_token
    # a later button press: a new Session on the same conversation, with the token the button carried
    later = dsadmin.session(admin, backend=OfflineBackend(), session_id="chan-thread-1")
    assert later.pending_confirmation is None
    done = later.confirm(True, token=asked.confirmation_token)
    assert done.outcome is Outcome.DONE and done.model_turns == 0
    assert membership(sandbox.dump(), "john.doe@acme.com", "EMEA")["permission_profile"] == \
        "Account Administrator"


def test_request_status_notice_and_decidability_for_channels(api):
    sandbox, dsadmin = api
    sam, approver = dsadmin.person("sam.lee@acme.com"), dsadmin.person("approver@acme.com")
    asked = dsadmin.ask(sam, SEAT)
    approval_id = asked.approval_id
    assert dsadmin.approval_status(approval_id) == "pending" and dsadmin.approval_status("apr_nope") is None
    notice = dsadmin.approval_for_notice(approval_id)
    assert notice is not None and notice.requester == sam.email and notice.previews == asked.previews
    assert [r.id for r in dsadmin.approvals(sam, own=True)] == [approval_id]
    assert dsadmin.approvals(approver, own=True) == []
    assert dsadmin.check_decidable(approver, approval_id, approve=False).id == approval_id
    with pytest.raises(Refused) as own:
        dsadmin.check_decidable(sam, approval_id, approve=True)
    assert own.value.kind == "forbidden"
    assert "EMEA" in dsadmin.organization(sam).accounts
    assert sandbox.dump()["users"] and dsadmin.approval_status(approval_id) == "pending"  # nothing decided


def test_a_request_longer_than_the_channels_take_is_refused_before_anything_runs(api):
    """The web page and the HTTP API take at most 4,000 characters; ``ask`` from the command line or a
    program used to take any length, audit its first 4,000 and give the model 20,000, so what the model
    read (16,000 characters of it) was on no record. One limit now, refused with the fix."""
    from agent.conversation import MAX_REQUEST_CHARS

    sandbox, dsadmin = api
    before, events = sandbox.dump(), len(dsadmin.runtime.audit.tail(1000))
    admin = dsadmin.person("admin@acme.com")
    long = "Close emma.johnson@acme.com on every account. " + "x" * 20_000
    with pytest.raises(Refused, match="at most 4,000 characters") as caught:
        dsadmin.ask(admin, long)
    assert caught.value.kind == "invalid"
    assert sandbox.dump() == before and len(dsadmin.runtime.audit.tail(1000)) == events
    edge = "List every user with status pending " + "." * (MAX_REQUEST_CHARS - 36)
    assert len(edge) == MAX_REQUEST_CHARS
    assert dsadmin.ask(admin, edge).outcome is not Outcome.ERROR
    said = dsadmin.runtime.audit.tail(50, kind="user_message")[-1].payload["text"]
    assert said == edge  # the whole request the model read is on the record


def test_a_sandbox_state_that_is_not_a_database_is_a_setup_failure_naming_reset(_isolated_home):
    (_isolated_home / "sandbox").mkdir(parents=True, exist_ok=True)
    (_isolated_home / "sandbox" / "state.db").write_bytes(b"garbage" * 200)
    with pytest.raises(SetupFailed, match="dsadmin sandbox reset"):
        Agent.open()
