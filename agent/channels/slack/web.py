"""Slack over HTTP: the ``/slack/events`` route (events, buttons and modals share it), and socket mode.

The route is mountable in any Starlette app (``dsadmin serve`` mounts it); ``dsadmin slack serve``
runs it alone. Socket mode is for organizations that cannot expose an endpoint to Slack.
"""

from __future__ import annotations

import os
from typing import Any

from starlette.routing import Route

from agent.channels.slack.app import SlackChannel, build_app

PATH = "/slack/events"


class SlackSetupError(RuntimeError):
    """A missing token or secret, worded for the admin who sets the app up."""


def secret(name: str, what: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SlackSetupError(f"${name} is not set: export {what} (see the README's Slack section)")
    return value


def web_client(runtime: Any, token: str) -> Any:
    from slack_sdk import WebClient

    base = runtime.config.slack.api_url
    return WebClient(token=token, base_url=base) if base else WebClient(token=token)


def slack_app(runtime: Any, *, backend: str | None = None, process_before_response: bool = False) -> Any:
    """The Bolt app on ``runtime``, with the bot token and signing secret from the environment."""
    settings = runtime.config.slack
    token = secret(settings.bot_token_env, "the app's Bot User OAuth Token (xoxb-…)")
    signing = secret(settings.signing_secret_env, "the app's Signing Secret")
    channel = slack_channel(runtime, web_client(runtime, token), backend=backend)
    return build_app(channel, signing, process_before_response=process_before_response)


def slack_channel(runtime: Any, client: Any, *, backend: Any = None) -> SlackChannel:
    """The channel wired to ``runtime`` (which its caller owns and closes): the public API on it,
    and the event ledger on its store."""
    from agent.api import Agent
    from agent.channels.slack.dedupe import EventLedger

    return SlackChannel(Agent(runtime), client, ledger=EventLedger(runtime.engine), backend=backend)


def slack_routes(bolt_app: Any) -> list[Route]:
    from slack_bolt.adapter.starlette import SlackRequestHandler

    handler = SlackRequestHandler(bolt_app)

    async def events(request):
        return await handler.handle(request)

    return [Route(PATH, endpoint=events, methods=["POST"])]


def asgi_app(bolt_app: Any) -> Any:
    from starlette.applications import Starlette

    return Starlette(routes=slack_routes(bolt_app))


def run_socket_mode(runtime: Any, bolt_app: Any) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    token = secret(runtime.config.slack.app_token_env, "an App-Level Token (xapp-…) with connections:write")
    SocketModeHandler(bolt_app, token).start()
