"""Scenarios driven through the Slack app (``dsadmin eval --channel slack``).

Why: the Slack channel must add no behaviour of its own, and the way to show it is to run the very
same scenarios through it and get the same scores. Each ``say`` becomes a signed DM event; a
``confirm`` presses the Confirm (or Cancel) button on the newest confirmation posted to the actor;
``approve`` presses Approve on the newest approval request as the approver's Slack user; ``deny``
goes through the reason modal. Slack's side is the loopback fake; identities are Slack users whose
verified emails are the scenario's people.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from evals.harness import AgentHarness, AgentSession, no_approval
from evals.runner import TurnResult
from evals.scenario import Scenario
from policies.decision import Outcome

SECRET = "dsadmin-eval-signing-secret"


def _slack_id(email: str) -> str:
    return "U" + hashlib.sha256(email.lower().encode()).hexdigest()[:10].upper()


class SlackSession(AgentSession):
    def __init__(self, harness: AgentHarness, scenario: Scenario, sandbox: Any, store_url: str):
        from slack_sdk import WebClient
        from starlette.testclient import TestClient

        from agent.channels.slack.app import build_app
        from agent.channels.slack.web import asgi_app, slack_channel
        from evals.slack_loopback import FakeSlack, SlackDriver

        super().__init__(harness, scenario, sandbox, store_url)
        emails = ({scenario.actor} | {who for t in scenario.turns if (who := t.approve or t.deny)}
                  | {e for e in harness.config.people.approvers if not e.startswith("@")})
        self.slack = FakeSlack({_slack_id(e): e for e in emails})
        # approvers and requesters hear through the notification outbox, delivered to this fake Slack
        self._token_env = self.rt.config.slack.bot_token_env
        self._saved_token = os.environ.get(self._token_env)
        os.environ[self._token_env] = "xoxb-eval"
        self.rt.config.slack.api_url = self.slack.url
        channel = slack_channel(self.rt, WebClient(token="xoxb-eval", base_url=self.slack.url))
        # the harness's watched backend, not a new one
        channel.make_backend = lambda: self.backend  # type: ignore[method-assign]  # a test double's seam
        channel.observers.append(self._seen)
        app = build_app(channel, SECRET, process_before_response=True)
        self.driver = SlackDriver(TestClient(asgi_app(app)), SECRET)
        self.me = _slack_id(scenario.actor)
        self.last: Any = None

    def _seen(self, outcome: Any) -> None:
        self.last = outcome

    def _deliver(self) -> None:
        from agent.channels.notify.worker import run_once

        run_once(self.rt)

    def _turn(self) -> TurnResult:
        self._deliver()
        seen, self.last = self.last, None  # the public API's Reply the channel handled
        if seen is None:
            return TurnResult(outcome=Outcome.ERROR, text="the Slack app answered nothing")
        if seen.model_turns:  # a conversation's reply (a confirmation or a decision took no model turn)
            return TurnResult(outcome=seen.outcome, text=seen.text or "", tool_calls=len(seen.receipts),
                              model_turns=seen.model_turns, tokens=seen.tokens,
                              actions=[r.action for r in seen.receipts])
        return TurnResult(outcome=seen.outcome, text=seen.text or "")

    def say(self, text: str) -> TurnResult:
        self.driver.dm(self.me, text)
        return self._turn()

    def confirm(self, accept: bool) -> TurnResult:
        from agent.channels.slack import messages as ui
        from evals.slack_loopback import action_in

        posted = [m for m in self.slack.sent("chat.postMessage") if action_in(m, ui.CONFIRM)]
        if not posted or not self.rt.confirmations.pending(self.actor, limit=1):
            return TurnResult(outcome=Outcome.ERROR, text="There is no pending confirmation to answer.",
                              nothing_pending=True)
        button = action_in(posted[-1], ui.CONFIRM if accept else ui.CANCEL)
        if button is None:
            return TurnResult(outcome=Outcome.ERROR, text="The confirmation has no button to press.",
                              nothing_pending=True)
        self.driver.press(self.me, button["action_id"], button["value"], {"ts": "1.0"}, posted[-1]["channel"])
        return self._turn()

    def _approval_button(self, action_id: str) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        """The newest approval request's button; when no other approver was there to be sent one (the
        requester is the only approver), the press comes from a shared approvals channel instead."""
        from evals.slack_loopback import action_in

        posted = [m for m in self.slack.sent("chat.postMessage") if action_in(m, action_id)]
        if posted:
            return posted[-1], action_in(posted[-1], action_id)
        newest = self._newest_pending_approval()
        return ({"channel": "CAPPROVALS"}, {"value": newest}) if newest else None

    def _press_approval(self, approver: str, action_id: str) -> bool:
        """Press the pending approval's ``action_id`` button as ``approver``; False if there is none."""
        found = self._approval_button(action_id)
        if found is None or self._newest_pending_approval() is None:
            return False
        message, button = found
        if button is None:
            return False
        self.driver.press(_slack_id(approver), action_id, button["value"], {"ts": "2.0"}, message["channel"])
        return True

    def approve(self, approver: str) -> TurnResult:
        from agent.channels.slack import messages as ui

        if not self._press_approval(approver, ui.APPROVE):
            return no_approval()
        return self._turn()

    def deny(self, approver: str) -> TurnResult:
        from agent.channels.slack import messages as ui

        if not self._press_approval(approver, ui.DENY):
            return no_approval()
        opened = self.slack.sent("views.open")
        if not opened:  # refused before the modal: the refusal went to the presser only
            return TurnResult(outcome=Outcome.DENIED, text="the approval could not be decided by this person")
        reason = {"type": "plain_text_input", "value": "denied in an eval"}
        values = {ui.REASON_BLOCK: {ui.REASON_INPUT: reason}}
        self.driver.submit(_slack_id(approver), opened[-1]["view"], values)
        return self._turn()

    def close(self) -> None:
        if self._saved_token is None:
            os.environ.pop(self._token_env, None)
        else:
            os.environ[self._token_env] = self._saved_token
        self.slack.close()
        super().close()


class SlackHarness(AgentHarness):
    """The product's runtime behind the Slack app, on the chosen backend."""

    def start(self, scenario: Scenario, sandbox: Any, store_url: str) -> AgentSession:
        return SlackSession(self, scenario, sandbox, store_url)
