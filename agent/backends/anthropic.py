"""Claude through the Messages API and the official ``anthropic`` SDK.

Why the request is built this way: the tools and the system prompt are the stable prefix of every
request in a conversation, and the transcript grows by appending, so four ``cache_control``
breakpoints (the last tool, the system prompt, the newest and the previous user message; the API
allows four) let each step read everything before it from the cache. The system prompt
(``anthropic_prompt``) gives the model the facts it would otherwise guess; tool results reach it
with DocuSign's text under ``untrusted_data``. ``output_config.effort`` and ``thinking`` come from
the configuration; thinking blocks are kept in the transcript unchanged, as the API requires during
tool use. Every request streams (``client.messages.stream``): ``on_text``, when a channel sets
it, receives the reply's text as it arrives.

``ALLOW_MODEL_REQUESTS`` is the switch tests turn off: with it off, only a loopback ``base_url``
(the local fake of the Messages API) may be called, so a test can never spend real tokens.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from agent.backends.anthropic_errors import backend_error
from agent.backends.anthropic_prompt import ASK_TOOL, ASK_TOOL_NAME, mark_untrusted, system_prompt
from agent.backends.base import CUT_OFF_STOPS, BackendError, ModelTurn, TurnContext, Usage
from tools.actions import ToolCall, tool_schemas


def _env_allows() -> bool:
    """``DSADMIN_FORBID_MODEL_REQUESTS`` read at each request, so a test session that sets it after
    this module was imported is still covered."""
    return os.environ.get("DSADMIN_FORBID_MODEL_REQUESTS", "") not in ("1", "true", "yes")


ALLOW_MODEL_REQUESTS = _env_allows()
MAX_TOKENS_PER_TURN = 8192  # thinking counts against it; the conversation's budget caps it further
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
CACHE = {"type": "ephemeral"}
CUT_OFF = {
    "max_tokens": "The model's reply was cut off at its token limit; nothing it was about to propose "
    "was run. Ask again, more narrowly.",
    "model_context_window_exceeded": "The conversation no longer fits the model's context window; "
    "nothing more was run. Start a new session.",
}


UNPARSABLE_INPUT = ("the model sent a tool call whose input is not valid JSON; nothing it proposed was run. "
                    "Ask again")


def make_client(base_url: str | None, *, timeout: float = 60.0, max_retries: int = 2) -> Any:
    """An ``anthropic.Anthropic`` client, refused when model requests are switched off (tests) and
    ``base_url`` is not loopback, or when ``ANTHROPIC_API_KEY`` is not set."""
    if not (ALLOW_MODEL_REQUESTS and _env_allows()) and not _loopback(base_url):
        raise BackendError(
            "model requests are switched off here (tests); only a loopback base_url may be called"
        )
    key = os.environ.get("ANTHROPIC_API_KEY")
    if not key:
        raise BackendError("ANTHROPIC_API_KEY is not set; export it, or use --backend offline")
    import anthropic

    return anthropic.Anthropic(api_key=key, base_url=base_url, timeout=timeout, max_retries=max_retries)


class AnthropicBackend:
    name = "anthropic"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        *,
        max_tokens: int = MAX_TOKENS_PER_TURN,
        timeout: float = 60.0,
        effort: str | None = None,
        thinking: str = "model_default",
        max_retries: int = 2,
    ):
        self.model = model
        self.base_url = base_url
        self.max_tokens = max_tokens
        self.timeout = timeout
        self.effort = effort
        self.thinking = thinking
        self.max_retries = max_retries
        self.on_text: Callable[[str], None] | None = None
        self._client: Any = None
        self._system: dict[str, str] = {}

    @classmethod
    def from_settings(cls, settings: Any) -> AnthropicBackend:
        """The backend the configuration's ``model`` section describes."""
        return cls(model=settings.name, base_url=settings.base_url,
                   effort=getattr(settings, "effort", None),
                   thinking=getattr(settings, "thinking", "model_default"))

    def next_turn(self, messages: list[dict[str, Any]], context: TurnContext) -> ModelTurn:
        import anthropic

        client = self._sdk()
        request = self.request(messages, context)
        try:
            with client.messages.stream(**request) as stream:
                if self.on_text is not None:
                    streamed = False
                    for text in stream.text_stream:
                        streamed = streamed or bool(text)
                        self.on_text(text)
                    if streamed:  # turns are joined by a blank line in the reply, so here too
                        self.on_text("\n\n")
                response = stream.get_final_message()
        except anthropic.AnthropicError as exc:
            raise backend_error(exc, model=self.model, base_url=self.base_url, client=client) from None
        except ValueError as exc:  # the SDK could not parse a tool call's streamed input: nothing runs
            if "tool parameter JSON" not in str(exc):
                raise
            raise BackendError(UNPARSABLE_INPUT) from None
        return turn_from(response, after_results=answers_results(messages))

    def request(self, messages: list[dict[str, Any]], context: TurnContext) -> dict[str, Any]:
        """The keyword arguments of one Messages request (what the golden files pin down)."""
        max_tokens = self.max_tokens
        if context.remaining_tokens is not None:
            max_tokens = max(1, min(max_tokens, context.remaining_tokens))
        request: dict[str, Any] = {
            "model": self.model,
            "max_tokens": max_tokens,
            "system": self._system_blocks(context),
            "tools": cached_tools(),
            "messages": cache_latest(wire_messages(messages)),
        }
        if self.effort:
            request["output_config"] = {"effort": self.effort}
        if self.thinking != "model_default":
            request["thinking"] = {"type": self.thinking}
        return request

    # -- request parts -------------------------------------------------------------------------

    def _sdk(self) -> Any:
        if self._client is None:
            self._client = make_client(self.base_url, timeout=self.timeout, max_retries=self.max_retries)
        return self._client

    def _system_blocks(self, context: TurnContext) -> list[dict[str, Any]]:
        # One text per person for the backend's life: the prompt must not change between steps, or
        # every step would write the cache anew.
        text = self._system.get(context.actor_email)
        if text is None:
            text = system_prompt(context)
            self._system[context.actor_email] = text
        return [{"type": "text", "text": text, "cache_control": CACHE}]


def cached_tools() -> list[dict[str, Any]]:
    """The catalogue's tools, then the adapter's own ``ask_person`` (the typed question back)."""
    tools = [*tool_schemas(), ASK_TOOL]
    tools[-1] = {**tools[-1], "cache_control": CACHE}
    return tools


def wire_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The transcript as the API wants it: only role and content, same-role neighbours merged,
    tool results with DocuSign's text under ``untrusted_data``. The stored transcript is not changed."""
    out: list[dict[str, Any]] = []
    for message in messages:
        content = message["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else [
            _wire_block(b) for b in content
        ]
        if out and out[-1]["role"] == message["role"]:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": message["role"], "content": blocks})
    return out


def _wire_block(block: dict[str, Any]) -> dict[str, Any]:
    if block.get("type") == "tool_result":
        return {**block, "content": mark_untrusted(block.get("content"))}
    return dict(block)


def cache_latest(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Breakpoints on the newest message's last block, so the next step reads the whole transcript
    so far from the cache, and on the previous user message's, where the last request wrote its
    entry: the API looks back only about 20 blocks for an earlier entry, and one step with many
    parallel tool calls adds more than that. With the tools' and the system prompt's, that is the
    API's limit of four."""
    users = [m for m in messages if m["role"] == "user" and m["content"]]
    for message in users[-2:]:
        message["content"][-1] = {**copy.deepcopy(message["content"][-1]), "cache_control": CACHE}
    return messages


def answers_results(messages: list[dict[str, Any]]) -> bool:
    """Whether the turn being asked for follows tool results (the newest message carries them),
    rather than the person's own words."""
    last = messages[-1] if messages else {}
    content = last.get("content")
    return last.get("role") == "user" and isinstance(content, list) and any(
        isinstance(b, dict) and b.get("type") == "tool_result" for b in content
    )


def turn_from(response: Any, *, after_results: bool = False) -> ModelTurn:
    """One Messages response as a ``ModelTurn``, and how its kind is decided, as a table:

    ======================================  ===================================================
    stop_reason ``refusal``                 no call runs (the conversation reports a refusal)
    stop_reason ``max_tokens``, context     no call runs (cut off mid-way), the reply says so
    a call to ``ask_person``                a question back (``clarify``); no other call runs
    text only, after tool results           the answer
    text only, first turn of the request    a question back if its last line asks one (the
                                            fallback for a model that did not use ask_person)
    ======================================  ===================================================
    """
    texts, calls, reasoning, questions = [], [], [], []
    for block in response.content:
        if block.type == "text":
            texts.append(block.text)
        elif block.type == "tool_use" and block.name == ASK_TOOL_NAME:
            questions.append(_question(block.input))
        elif block.type == "tool_use":
            args = block.input if isinstance(block.input, dict) else {"value": block.input}
            calls.append(ToolCall(id=block.id, action=block.name, args=args))
        elif block.type in ("thinking", "redacted_thinking"):
            reasoning.append(block.model_dump(mode="json", exclude_none=True))
    u = response.usage
    usage = Usage(
        u.input_tokens or 0,
        u.output_tokens or 0,
        getattr(u, "cache_creation_input_tokens", 0) or 0,
        getattr(u, "cache_read_input_tokens", 0) or 0,
    )
    stop = response.stop_reason or "end_turn"
    stopped = stop == "refusal" or stop in CUT_OFF_STOPS
    if stopped or questions:
        calls = []  # never run a refusal's calls, calls cut off mid-way, or calls beside a question
    if stop in CUT_OFF_STOPS:
        texts.append(CUT_OFF.get(stop, CUT_OFF["max_tokens"]))
    asked = bool(questions) and not stopped
    if asked:
        texts += [q for q in questions if q and q not in texts]
        if not any(t.strip() for t in texts):
            texts.append(NO_QUESTION)
    text = "\n".join(texts).strip()
    return ModelTurn(
        text=text,
        tool_calls=calls,
        stop_reason=stop,
        usage=usage,
        model=response.model,
        reasoning=reasoning if calls else [],
        clarify=asked or (stop == "end_turn" and not calls and not after_results and asks_back(text)),
    )


NO_QUESTION = "I need one more detail to go on: what exactly should I do, and for whom?"


def _question(given: Any) -> str:
    """The question ``ask_person`` carries ('' when its input is malformed: the turn's text stands)."""
    question = given.get("question") if isinstance(given, dict) else given
    return question.strip() if isinstance(question, str) else ""


def asks_back(text: str) -> bool:
    """The fallback when Claude answers a first turn in plain text: whether its last line asks.

    Why only there: after tool results a plain-text turn is the answer (a question about what was
    found comes through ``ask_person``), and a question's mark alone is weak evidence; the typed
    signal is the ``ask_person`` call the system prompt asks for."""
    last = next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "")
    return last.endswith("?")


def _loopback(base_url: str | None) -> bool:
    return bool(base_url) and (urlparse(base_url).hostname or "") in LOOPBACK_HOSTS
