"""The Slack app: DMs and mentions go to the agent; confirmations and approvals are buttons.

A thin adapter on the public API (``agent.api``), on purpose: a message becomes ``Session.ask`` as
the ``Person`` with the Slack user's verified email, a Confirm button becomes ``Session.confirm``
with the token the gate issued, an Approve or Deny button becomes ``Agent.decide`` as the person who
pressed it. The gate decides everything; the channel adds no behaviour of its own (the evals can
drive it), and it never reaches the runtime, the gate or the store (a contract in pyproject.toml).

Why a lock: the runtime (its store, the in-process sandbox) is shared by every listener, and Bolt
runs listeners on worker threads; one request at a time keeps a conversation's turns in order and
costs nothing at the rate people type.

Sessions: one dsadmin session per Slack thread and person (a thread in a channel can hold several
people's requests; each person's session is theirs alone, as the conversation requires). Top-level
messages in a DM are one conversation per day, so "and the same for EMEA" follows on from the
message before it without anyone having to open a thread.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App

from agent.api import Agent, ApiError, Person, Reply
from agent.channels.slack import messages as ui
from agent.channels.slack.identity import SlackDirectory

log = logging.getLogger("dsadmin.slack")
MENTION = re.compile(r"<@[A-Z0-9]+>\s*")
NO_EMAIL = ("Sorry — I can only help people whose Slack profile shows a verified email address, and "
            "yours doesn't. Ask your Slack admin to show it, or use `dsadmin` from a terminal.")
NO_ROLE = ("Sorry — {email} is not among the people dsadmin serves. Ask a DocuSign administrator "
           "to add you to the configuration's `people`.")


class SlackChannel:
    """The agent seen from Slack: who is asking, in which thread, and what the gate said.

    ``ledger`` answers whether an event id is seen for the first time (``dedupe.EventLedger``, on
    the shared store: built by ``web.slack_channel``, which wires the channel to a runtime)."""

    def __init__(self, agent: Agent, client: Any, *, ledger: Any, backend: str | None = None) -> None:
        self.agent = agent
        self.client = client
        self.people = SlackDirectory(client)
        self.ledger = ledger
        self._backend = backend
        self._lock = threading.Lock()
        # what each Slack turn came to, for observers such as the evals (the channel decides nothing)
        self.observers: list[Any] = []

    def _observe(self, outcome: Any) -> None:
        for observer in self.observers:
            observer(outcome)

    # -- identity ---------------------------------------------------------------------------------

    def actor_for(self, user_id: str) -> tuple[Person | None, str | None]:
        """(person, None) for a person dsadmin serves, else (None, the polite refusal to send)."""
        email = self.people.email_of(user_id)
        if email is None:
            return None, NO_EMAIL
        try:
            person = self.agent.person(email)
        except ApiError:
            return None, NO_EMAIL
        if not person.roles:
            return None, NO_ROLE.format(email=email)
        return person, None

    # -- conversations ----------------------------------------------------------------------------

    def on_message(self, event: dict[str, Any], event_id: str | None) -> None:
        if not self.ledger.first_time(event_id):
            return  # a retry of an event already handled (here or on another instance)
        channel, thread = event["channel"], event.get("thread_ts") or event["ts"]
        dm_day = event.get("channel_type") == "im" and not event.get("thread_ts")
        session_thread = f"day-{datetime.now(UTC):%Y-%m-%d}" if dm_day else thread
        actor, refusal = self.actor_for(event["user"])
        if actor is None:
            self.client.chat_postMessage(channel=channel, thread_ts=thread, text=refusal)
            return
        text = MENTION.sub("", event.get("text") or "").strip()
        key = hashlib.sha256(f"{event.get('team', '')}:{channel}:{session_thread}:{event['user']}".encode())
        try:
            with self._lock:
                session = self.agent.session(actor, backend=self.make_backend(), channel="slack",
                                             session_id=f"slack-{key.hexdigest()[:40]}")
                reply = session.ask(text)
        except ApiError as exc:  # e.g. a session id that is someone else's: said, nothing ran
            self.client.chat_postMessage(channel=channel, thread_ts=thread, text=exc.message)
            return
        self._observe(reply)
        self._post_reply(channel, thread, actor, reply, session.id)

    def make_backend(self) -> Any:
        """The backend each conversation gets: a name (None: the configuration's) or, for a test
        or an eval, a backend object."""
        return self._backend

    def _post_reply(self, channel: str, thread: str, actor: Person, reply: Reply, session_id: str) -> None:
        if reply.confirmation_token:
            blocks = ui.confirmation_blocks(reply.text, reply.confirmation_token, actor.email, session_id)
        else:
            blocks = ui.reply_blocks(reply.text)
        self.client.chat_postMessage(channel=channel, thread_ts=thread, text=reply.text[:3000], blocks=blocks)
        for view in reply.waiting:  # "what's waiting for me?": each request an approver may decide, with
            if view.requester != actor.email:  # its buttons (a requester's own are listed, not decided)
                self.client.chat_postMessage(channel=channel, thread_ts=thread,
                                             text=ui.approval_request_text(view)[:3000],
                                             blocks=ui.approval_blocks(view))
        # approvers hear of a new request through the notification outbox (exactly once, any channel)

    # -- confirmations ----------------------------------------------------------------------------

    def on_confirmation(self, body: dict[str, Any], accept: bool) -> None:
        answer = json.loads(body["actions"][0]["value"])
        where = {"channel": body["channel"]["id"], "ts": body["message"]["ts"]}
        actor, refusal = self.actor_for(body["user"]["id"])
        if actor is None or actor.email != answer["requester"]:
            self._tell(body, refusal or f"Only {answer['requester']} can answer this confirmation.")
            return
        try:
            with self._lock:
                session = self.agent.session(actor, backend=self.make_backend(), session_id=answer["session"],
                                             channel="slack")
                reply = session.confirm(accept, token=answer["token"])
        except ApiError as exc:
            self._tell(body, exc.message)
            return
        self._observe(reply)
        self.client.chat_update(**where, text=reply.text[:3000], blocks=ui.reply_blocks(reply.text))

    # -- approvals --------------------------------------------------------------------------------

    def on_approve(self, body: dict[str, Any]) -> None:
        approval_id = body["actions"][0]["value"]
        actor = self._decider(body, approval_id)
        if actor is None:
            return
        with self._lock:
            reply = self.agent.decide(actor, approval_id, approve=True,
                                      session_id=f"slack-approval-{approval_id}"[:64])
        self._decided(body, approval_id, actor, reply, f"Approved by {actor.email}")

    def on_deny_pressed(self, body: dict[str, Any]) -> None:
        approval_id = body["actions"][0]["value"]
        if self._decider(body, approval_id) is None:
            return
        where = {"channel": body["channel"]["id"], "ts": body["message"]["ts"]}
        self.client.views_open(trigger_id=body["trigger_id"], view=ui.deny_modal(approval_id, where))

    def on_deny_submitted(self, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = json.loads(view["private_metadata"])
        values = (view.get("state") or {}).get("values") or {}
        reason = (values.get(ui.REASON_BLOCK) or {}).get(ui.REASON_INPUT, {}).get("value")
        message = {"channel": {"id": meta["channel"]}, "message": {"ts": meta["ts"]}, "user": body["user"]}
        actor = self._decider(message, meta["approval_id"])
        if actor is None:
            return
        with self._lock:
            reply = self.agent.decide(actor, meta["approval_id"], approve=False, reason=reason or None)
        outcome = f"Denied by {actor.email}" + (f": {reason}" if reason else "")
        self._decided(message, meta["approval_id"], actor, reply, outcome)

    def _decider(self, body: dict[str, Any], approval_id: str) -> Person | None:
        """The person pressing, if there is still something for them to decide; else tell them why not."""
        actor, refusal = self.actor_for(body["user"]["id"])
        if actor is None:
            self._tell(body, refusal or "")
            return None
        status = self.agent.approval_status(approval_id)
        if status != "pending":
            self._tell(body, f"Request `{approval_id}` is {status or 'unknown'}; "
                       "there is nothing left to decide.")
            return None
        return actor

    def _decided(self, body: dict[str, Any], approval_id: str, actor: Person, reply: Reply,
                 headline: str) -> None:
        """Update the approval message when this press took the decision (the requester hears of it
        through the outbox); a refused press (the requester's own, no approver role) or a lost race is
        told to the presser only."""
        self._observe(reply)
        try:
            request = self.agent.approval(actor, approval_id)
        except ApiError:
            request = None
        if request is None or request.status == "pending" or request.approver != actor.email:
            self._tell(body, reply.text)
            return
        outcome = f"{headline}.\n{reply.text}"
        self.client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"], text=outcome[:3000],
                                blocks=ui.decided_blocks(request, outcome))

    def _tell(self, body: dict[str, Any], text: str) -> None:
        """An answer only the presser sees; the shared message stays as it was."""
        self.client.chat_postEphemeral(channel=body["channel"]["id"], user=body["user"]["id"], text=text)


def build_app(channel: SlackChannel, signing_secret: str, *, process_before_response: bool = False) -> App:
    """The Bolt app for ``channel``: Slack's signature checked on every request (stale ones refused)."""
    app = App(client=channel.client, signing_secret=signing_secret, token_verification_enabled=False,
              process_before_response=process_before_response, ignoring_self_events_enabled=False)

    @app.event("message")
    def _dm(event, body):  # direct messages only; edits, joins and bots' own messages are not requests
        if event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id"):
            channel.on_message(event, body.get("event_id"))

    @app.event("app_mention")
    def _mention(event, body):
        if not event.get("bot_id"):
            channel.on_message(event, body.get("event_id"))

    @app.action(ui.CONFIRM)
    def _confirm(ack, body):
        ack()
        channel.on_confirmation(body, accept=True)

    @app.action(ui.CANCEL)
    def _cancel(ack, body):
        ack()
        channel.on_confirmation(body, accept=False)

    @app.action(ui.APPROVE)
    def _approve(ack, body):
        ack()
        channel.on_approve(body)

    @app.action(ui.DENY)
    def _deny(ack, body):
        ack()
        channel.on_deny_pressed(body)

    @app.view(ui.DENY_MODAL)
    def _deny_reason(ack, body, view):
        ack()
        channel.on_deny_submitted(body, view)

    @app.error
    def _error(error, body):  # never a traceback to Slack; the person hears that it failed
        log.error("slack listener failed: %s", type(error).__name__)

    return app
