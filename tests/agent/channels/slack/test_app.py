"""The Slack app end to end: signed events and button presses posted to /slack/events, a real stack
on the acme sandbox behind it, and a loopback fake of the Slack Web API recording what Slack was asked.

Every outcome is checked on the sandbox's final state and on the messages people would have seen.
"""

from __future__ import annotations

import json

import pytest
from slack_sdk import WebClient
from starlette.testclient import TestClient

from agent.channels.slack import messages as ui
from agent.channels.slack.app import build_app
from agent.channels.slack.web import asgi_app, slack_channel
from evals.slack_loopback import FakeSlack, SlackDriver, action_in
from tests.agent.agent_stack import membership, stack, user

SECRET = "test-signing-secret"
PEOPLE = {
    "UMAYA": "maya.chen@acme.com",      # an employee without a DocuSign user yet
    "USAM": "sam.lee@acme.com",         # another employee
    "UAPPR": "approver@acme.com",
    "UADMIN": "admin@acme.com",
    "UHIDDEN": None,                    # Slack shows no email for this person
    "UOUT": "someone@gmail.example",    # not among dsadmin's people
}
SEAT = "Hi, I just joined Acme and need a DocuSign seat as a DocuSign Sender, please."


class World:
    """The stack, the Slack app on it, the fake Slack, and the outbox worker delivering to Slack."""

    def __init__(self, tmp_path, monkeypatch):
        self.sandbox, self.rt = stack(tmp_path)
        self.slack = FakeSlack(PEOPLE)
        monkeypatch.setenv(self.rt.config.slack.bot_token_env, "xoxb-test")
        self.rt.config.slack.api_url = self.slack.url
        client = WebClient(token="xoxb-test", base_url=self.slack.url)
        channel = slack_channel(self.rt, client, backend="offline")
        self.http = TestClient(asgi_app(build_app(channel, SECRET, process_before_response=True)))
        self.driver = SlackDriver(self.http, SECRET)
        self.post, self.press = self.driver.post, self.driver.press

    def dm(self, *args, **kwargs):
        response = self.driver.dm(*args, **kwargs)
        self.deliver()
        return response

    def deliver(self) -> None:
        """One round of the notification outbox (as `dsadmin serve`'s worker runs it)."""
        from agent.channels.notify.worker import run_once

        run_once(self.rt)

    def submit_deny(self, user_id: str, view: dict, reason: str | None):
        values = {ui.REASON_BLOCK: {ui.REASON_INPUT: {"type": "plain_text_input", "value": reason}}}
        return self.driver.submit(user_id, view, values)

    def approval_message(self) -> tuple[dict, str]:
        """The approval request Slack was asked to post, and the approval id on its Approve button."""
        posted = [m for m in self.slack.sent("chat.postMessage") if _action(m, ui.APPROVE)]
        assert len(posted) == 1, posted
        return posted[0], _action(posted[0], ui.APPROVE)["value"]


_action = action_in


@pytest.fixture
def world(tmp_path, monkeypatch):
    w = World(tmp_path, monkeypatch)
    yield w
    w.slack.close()


def test_a_seat_request_in_a_dm_is_approved_with_a_button_and_everyone_hears_back(world):
    assert world.dm("UMAYA", SEAT).status_code == 200
    replies = [m for m in world.slack.sent("chat.postMessage") if m["channel"] == "DUMAYA"]
    assert len(replies) == 1 and "waiting for an approver" in replies[0]["text"]
    assert replies[0]["thread_ts"] == "1.0001"  # the reply is in the request's thread

    request, approval_id = world.approval_message()
    assert request["channel"] == "UAPPR"  # the approver's DM
    assert "maya.chen@acme.com" in request["text"] and "Expires" in request["text"]
    # the approver sees the rows the gate previewed, not only its one-line description
    assert "Acme Main: permission profile: (none) -> DocuSign Sender" in request["text"]
    assert user(world.sandbox.dump(), "maya.chen@acme.com") is None  # nothing before the approval

    pressed = world.press("UAPPR", ui.APPROVE, approval_id, {"ts": "777.1"}, "UAPPR")
    assert pressed.status_code == 200
    world.deliver()
    seat = membership(world.sandbox.dump(), "maya.chen@acme.com", "Acme Main")
    assert seat is not None and seat["permission_profile"] == "DocuSign Sender"
    updated = world.slack.sent("chat.update")
    assert len(updated) == 1 and updated[0]["ts"] == "777.1"
    assert "Approved by approver@acme.com" in updated[0]["text"]
    assert _action(updated[0], ui.APPROVE) is None  # the buttons are gone
    told = [m["text"] for m in world.slack.sent("chat.postMessage") if m["channel"] == "UMAYA"]
    assert any("approved" in t and approval_id in t for t in told)  # the approval, then the execution
    assert any("is done" in t for t in told)


@pytest.mark.parametrize("how", ["unsigned", "bad signature", "stale"])
def test_unverified_requests_are_refused_and_change_nothing(world, how):
    before = world.sandbox.dump()
    body = json.dumps({"type": "event_callback", "event_id": "Ev9", "event": {
        "type": "message", "channel_type": "im", "channel": "DUMAYA", "user": "UMAYA", "text": SEAT,
        "ts": "1.1"}})
    if how == "unsigned":
        headers = {"Content-Type": "application/json"}
        response = world.http.post("/slack/events", content=body, headers=headers)
    elif how == "bad signature":
        response = world.post(body, "application/json", secret="not-the-secret")
    else:
        response = world.post(body, "application/json", age=60 * 10)
    assert response.status_code == 401
    assert world.slack.calls == []
    assert world.sandbox.dump() == before
    assert world.rt.approvals.list("pending") == []


def test_a_retried_event_is_handled_once(world):
    world.dm("UMAYA", SEAT, event_id="EvSame")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"}
    world.dm("UMAYA", SEAT, event_id="EvSame", headers=retry)
    assert len([m for m in world.slack.sent("chat.postMessage") if m["channel"] == "DUMAYA"]) == 1
    assert len(world.rt.approvals.list("pending")) == 1


@pytest.mark.parametrize("presser", ["USAM", "UMAYA"])  # an employee who is no approver; the requester
def test_an_approval_pressed_by_the_wrong_person_is_refused_and_runs_nothing(world, presser):
    world.dm("UMAYA", SEAT)
    _, approval_id = world.approval_message()
    world.press(presser, ui.APPROVE, approval_id, {"ts": "777.1"}, "UAPPR")
    assert user(world.sandbox.dump(), "maya.chen@acme.com") is None
    assert world.rt.approvals.get(approval_id).status == "pending"
    assert world.slack.sent("chat.update") == []
    ephemeral = world.slack.sent("chat.postEphemeral")
    assert len(ephemeral) == 1 and ephemeral[0]["user"] == presser and "Not allowed" in ephemeral[0]["text"]


def test_an_approval_pressed_twice_executes_once(world):
    world.dm("UMAYA", SEAT)
    _, approval_id = world.approval_message()
    world.press("UAPPR", ui.APPROVE, approval_id, {"ts": "777.1"}, "UAPPR")
    world.press("UAPPR", ui.APPROVE, approval_id, {"ts": "777.1"}, "UAPPR")
    assert world.rt.approvals.get(approval_id).status == "executed"
    assert len(world.slack.sent("chat.update")) == 1
    assert "nothing left to decide" in world.slack.sent("chat.postEphemeral")[0]["text"]
    events = world.rt.audit.tail(200)
    executed = [e for e in events if e.kind == "action_result" and e.actor == "maya.chen@acme.com"]
    assert len([e for e in executed if e.payload.get("outcome") == "done"]) == 1


def test_a_denial_with_a_reason_goes_through_a_modal_and_reaches_the_requester(world):
    before = world.sandbox.dump()
    world.dm("UMAYA", SEAT)
    _, approval_id = world.approval_message()
    world.press("UAPPR", ui.DENY, approval_id, {"ts": "777.1"}, "UAPPR")
    opened = world.slack.sent("views.open")
    assert len(opened) == 1 and opened[0]["view"]["callback_id"] == ui.DENY_MODAL
    assert world.submit_deny("UAPPR", opened[0]["view"], "Use the shared sender seat").status_code == 200
    world.deliver()
    assert world.rt.approvals.get(approval_id).status == "denied"
    assert world.sandbox.dump() == before
    told = [m for m in world.slack.sent("chat.postMessage") if m["channel"] == "UMAYA"]
    assert len(told) == 1 and "Use the shared sender seat" in told[0]["text"]


@pytest.mark.parametrize(("who", "says"), [("UHIDDEN", "verified email"), ("UOUT", "not among the people")])
def test_people_without_a_verified_email_or_a_role_are_refused_politely(world, who, says):
    before = world.sandbox.dump()
    world.dm(who, SEAT)
    (reply,) = world.slack.sent("chat.postMessage")
    assert says in reply["text"] and reply["channel"] == f"D{who}"
    assert world.sandbox.dump() == before and world.rt.approvals.list("pending") == []


def test_a_purge_is_confirmed_with_a_button_only_the_requester_can_press(world):
    world.dm("UADMIN", "Purge tom.baker@acme.com")
    (asked,) = [m for m in world.slack.sent("chat.postMessage") if m["channel"] == "DUADMIN"]
    button = _action(asked, ui.CONFIRM)
    assert button is not None and "tom.baker@acme.com" in asked["text"]
    message = {"ts": "555.1", "thread_ts": "1.0001"}

    world.press("UAPPR", ui.CONFIRM, button["value"], message, "DUADMIN")  # not the requester
    assert world.rt.approvals.list("pending") == []
    assert "Only admin@acme.com" in world.slack.sent("chat.postEphemeral")[0]["text"]

    world.press("UADMIN", ui.CONFIRM, button["value"], message, "DUADMIN")
    world.deliver()
    (updated,) = world.slack.sent("chat.update")
    assert updated["ts"] == "555.1" and "approver" in updated["text"]
    _, approval_id = world.approval_message()  # the purge now waits for an approver, who is told
    assert world.rt.approvals.get(approval_id).requester == "admin@acme.com"
    assert any(u["email"] == "tom.baker@acme.com" for u in world.sandbox.dump()["users"])


def test_a_message_longer_than_a_request_may_be_is_refused_with_the_limit_and_runs_nothing(world):
    """Slack takes 40,000 characters in a message; dsadmin reads at most 4,000 (what the audit log
    keeps), so a longer one is refused with the limit, not cut to a prefix the person never chose."""
    before, events = world.sandbox.dump(), len(world.rt.audit.tail(1000))
    long = "Close emma.johnson@acme.com on every account. " + "x" * 5_000
    assert world.dm("UADMIN", long).status_code == 200
    told = [m["text"] for m in world.slack.sent("chat.postMessage") if m["channel"] == "DUADMIN"]
    assert len(told) == 1 and "at most 4,000 characters" in told[0]
    assert world.sandbox.dump() == before
    assert not [e for e in world.rt.audit.tail(1000)[events:] if e.kind == "user_message"]


def test_a_new_message_instead_of_the_button_withdraws_the_change_it_asked_about(world):
    """The Confirm button of a change the person moved away from ("no wait, make it EMEA") runs
    nothing when pressed later: the DM's next message withdrew it, and the reply said so."""
    world.dm("UADMIN", "make david.kim@acme.com an Account Administrator on Acme Main")
    (asked,) = [m for m in world.slack.sent("chat.postMessage") if m["channel"] == "DUADMIN"]
    button = _action(asked, ui.CONFIRM)
    assert button is not None
    before = membership(world.sandbox.dump(), "david.kim@acme.com", "Acme Main")

    world.dm("UADMIN", "no wait, make it EMEA")
    told = [m["text"] for m in world.slack.sent("chat.postMessage") if m["channel"] == "DUADMIN"][-1]
    assert "Withdrawn, nothing of it was done" in told

    world.press("UADMIN", ui.CONFIRM, button["value"], {"ts": "556.1", "thread_ts": "1.0001"}, "DUADMIN")
    (updated,) = world.slack.sent("chat.update")
    assert "declined" in updated["text"]
    assert membership(world.sandbox.dump(), "david.kim@acme.com", "Acme Main") == before


def test_whats_waiting_shows_an_approver_each_request_with_its_buttons_in_slack(world):
    """'what's waiting for me?' in a DM lists the request itself and how to decide it *in Slack* (the
    buttons, posted with each request), never a command line; pressing one decides it."""
    world.dm("UMAYA", SEAT)
    _, approval_id = world.approval_message()
    sent = len(world.slack.sent("chat.postMessage"))
    world.dm("UAPPR", "what's waiting for me?")
    new = world.slack.sent("chat.postMessage")[sent:]
    reply = next(m for m in new if m["channel"] == "DUAPPR" and "waiting for your decision" in m["text"])
    assert approval_id in reply["text"] and "maya.chen@acme.com" in reply["text"]
    assert "Approve and Deny buttons" in reply["text"] and "dsadmin approvals" not in reply["text"]
    buttons = [m for m in new if m["channel"] == "DUAPPR" and _action(m, ui.APPROVE)]
    assert [_action(m, ui.APPROVE)["value"] for m in buttons] == [approval_id]
    assert user(world.sandbox.dump(), "maya.chen@acme.com") is None  # asking decided nothing
    world.press("UAPPR", ui.APPROVE, approval_id, {"ts": "888.1"}, "DUAPPR")
    assert membership(world.sandbox.dump(), "maya.chen@acme.com", "Acme Main") is not None


def test_whats_waiting_tells_a_non_approver_so_and_lists_their_own_requests_without_buttons(world):
    world.dm("UMAYA", SEAT)
    _, approval_id = world.approval_message()
    sent = len(world.slack.sent("chat.postMessage"))
    world.dm("UMAYA", "anything waiting on approval?")
    new = [m for m in world.slack.sent("chat.postMessage")[sent:] if m["channel"] == "DUMAYA"]
    assert len(new) == 1 and new[0]["text"].startswith("You are not an approver")
    assert approval_id in new[0]["text"] and _action(new[0], ui.APPROVE) is None
