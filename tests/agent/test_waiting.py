""""What's waiting for me?" in a conversation: the requests themselves, how to decide them in the
channel the person is in, and never a decision. Judged on the reply and on the approval book."""

from __future__ import annotations

import pytest
from agent_stack import stack, user

from agent.api import Agent, Refused
from agent.backends.offline import OfflineBackend
from agent.conversation import Conversation
from agent.waiting import HOW_TO_DECIDE

APPROVER, MAYA = "approver@acme.com", "maya.chen@acme.com"
SEAT = "I need a DocuSign seat to send contracts"


@pytest.fixture
def waiting(tmp_path):
    """The real stack with Maya's seat request pending; yields (sandbox, runtime, its approval id)."""
    sandbox, rt = stack(tmp_path)
    asked = Conversation(rt, rt.actor(MAYA), OfflineBackend()).ask(SEAT)
    assert asked.outcome == "pending_approval", asked.text
    try:
        yield sandbox, rt, asked.approval_id
    finally:
        rt.close()


@pytest.mark.parametrize("channel", ["cli", "slack", "web", "mcp", "api"])
def test_an_approver_is_shown_the_request_and_how_to_decide_it_in_that_channel(waiting, channel):
    sandbox, rt, approval_id = waiting
    conv = Conversation(rt, rt.actor(APPROVER), OfflineBackend(), channel=channel)
    reply = conv.ask("what's waiting for me?")
    assert reply.outcome == "done" and [v.id for v in reply.waiting] == [approval_id]
    assert approval_id in reply.text and MAYA in reply.text and "DocuSign Sender" in reply.text
    how = HOW_TO_DECIDE[channel].format(id=approval_id, email=APPROVER)
    assert how in reply.text
    others = [HOW_TO_DECIDE[c].format(id=approval_id, email=APPROVER) for c in HOW_TO_DECIDE if c != channel]
    assert not any(other in reply.text for other in others)
    assert rt.approvals.get(approval_id).status == "pending" and user(sandbox.dump(), MAYA) is None


def test_a_non_approver_is_told_so_and_shown_their_own_pending_requests(waiting):
    _sandbox, rt, approval_id = waiting
    reply = Conversation(rt, rt.actor(MAYA), OfflineBackend(), channel="web").ask("show my approvals")
    assert reply.text.startswith("You are not an approver, so nothing waits for your decision.")
    assert approval_id in reply.text and "/inbox" not in reply.text
    other = Conversation(rt, rt.actor("sam.lee@acme.com"), OfflineBackend()).ask("anything to approve?")
    assert "You have no requests waiting for an approver" in other.text and approval_id not in other.text


def test_naming_a_request_in_chat_lists_it_and_never_approves_it(waiting):
    sandbox, rt, approval_id = waiting
    reply = Conversation(rt, rt.actor(APPROVER), OfflineBackend()).ask(f"approve {approval_id}")
    assert approval_id in reply.text and not reply.calls
    assert rt.approvals.get(approval_id).status == "pending" and user(sandbox.dump(), MAYA) is None


def test_an_approver_with_nothing_waiting_is_told_so(tmp_path):
    _sandbox, rt = stack(tmp_path)
    try:
        reply = Conversation(rt, rt.actor(APPROVER), OfflineBackend()).ask("what's waiting for me?")
        assert reply.text.startswith("Nothing is waiting for your approval.") and not reply.waiting
    finally:
        rt.close()


def test_the_public_api_answers_without_a_conversation_and_refuses_an_unknown_channel(waiting):
    _sandbox, rt, approval_id = waiting
    dsadmin = Agent(rt)
    text, requests = dsadmin.waiting(dsadmin.person(APPROVER), channel="web")
    assert [r.id for r in requests] == [approval_id] and "/inbox" in text
    with pytest.raises(Refused) as refused:
        dsadmin.session(dsadmin.person(APPROVER), backend="offline", channel="fax")
    assert refused.value.kind == "invalid" and "cli, slack, web, mcp, api" in refused.value.message
