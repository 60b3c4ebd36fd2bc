"""Slack as one more channel of the notification outbox.

Why through the outbox and not straight from the conversation: a request may be made anywhere (the
CLI, the web pages, the API, MCP, Slack itself), and approvers must hear of each one exactly once
however many instances run; the outbox already guarantees that for email and webhooks. So a new
request reaches approvers in Slack as a message with the exact change, the expiry and Approve /
Deny buttons, and requesters hear of approval, denial, execution and expiry in their DM.
"""

from __future__ import annotations

from typing import Any

from agent.api import Agent
from agent.channels.slack import messages as ui
from agent.channels.slack.identity import SlackDirectory


class SlackNotices:
    def __init__(self, agent: Agent, client: Any, directory: SlackDirectory | None = None) -> None:
        self.agent = agent
        self.client = client
        self.people = directory or SlackDirectory(client)

    def send(self, notice: Any) -> None:
        """Deliver one outbox notice; raises on a Slack failure so the worker retries it."""
        if notice.event == "requested":
            view = self.agent.approval_for_notice(notice.approval_id)
            if view is None:
                return
            for channel in self._approver_channels(notice.recipients):
                self.client.chat_postMessage(channel=channel, text=ui.approval_request_text(view)[:3000],
                                             blocks=ui.approval_blocks(view))
            return
        for email in notice.recipients:
            user_id = self.people.user_id_of(email)
            if user_id:
                text = f"*{notice.subject}*\n{notice.text}"
                self.client.chat_postMessage(channel=user_id, text=text[:3000])

    def _approver_channels(self, approvers: tuple[str, ...]) -> list[str]:
        configured = self.agent.config.slack.approvals_channel
        if configured:
            return [configured]
        ids = [self.people.user_id_of(email) for email in approvers]
        return [i for i in ids if i]


def outbox_channel(runtime: Any) -> Any | None:
    """The Slack send function for the outbox worker, when the bot token is configured; else None."""
    import os

    settings = runtime.config.slack
    token = os.environ.get(settings.bot_token_env, "").strip()
    if not token:
        return None
    from agent.channels.slack.web import web_client

    return SlackNotices(Agent(runtime), web_client(runtime, token)).send
