"""The Claude path when things go wrong: each failure ends in a clear sentence and no write.

Through the real ``anthropic`` SDK against the local fake Messages API, on the real stack (gate,
sandbox, store). Failures of the service (429, 529, 5xx, a timeout) and a turn cut off at its token
limit end the request with ``failed`` and nothing changed; a malformed tool input is the model's
to fix, so it goes back to the model as a ``tool_result`` with ``is_error`` and nothing runs.
"""

from __future__ import annotations

import json
import time

import pytest
from agent_stack import stack
from fake_messages_api import FakeMessagesAPI, overloaded, rate_limited, text_turn, tool_turn

from agent.backends.anthropic import AnthropicBackend
from agent.conversation import Conversation
from policies.decision import Outcome

ADMIN, JOHN = "admin@acme.com", "john.doe@acme.com"
CLOSE = ("manage_user", {"operation": "close", "email": JOHN, "all_accounts": True})


def server_error() -> dict:
    return {"status": 500, "error_type": "api_error", "message": "Internal server error"}


def gateway_timeout() -> dict:
    return {"status": 504, "error_type": "timeout_error", "message": "Request timed out"}


def slow(seconds: float):
    def answer(_body: dict) -> dict:
        time.sleep(seconds)
        return tool_turn(CLOSE)
    return answer


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")
    sandbox, rt = stack(tmp_path)
    yield sandbox, rt
    rt.close()


def _ask(rt, api, text: str, **backend):
    claude = AnthropicBackend(model="m", base_url=api.base_url, **backend)
    return Conversation(rt, rt.actor(ADMIN), claude).ask(text)


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        (rate_limited, "rate limiting this API key (HTTP 429)"),
        (overloaded, "Claude is overloaded right now (HTTP 529)"),
        (server_error, "failed on its side (HTTP 5xx)"),
        (gateway_timeout, "timed out"),
    ],
)
def test_a_lasting_service_failure_is_a_clear_failed_reply_and_no_write(world, failure, says):
    sandbox, rt = world
    before = sandbox.dump()
    # the first step reads; the SDK then retries the failing second step twice before giving up
    with FakeMessagesAPI([tool_turn(("list_users", {"status": "pending"})), *(failure() for _ in range(3)),
                          tool_turn(CLOSE)]) as api:
        reply = _ask(rt, api, f"who is pending? then close {JOHN}")
    assert reply.failed and reply.outcome is Outcome.ERROR
    assert "The model backend failed: " in reply.text and says in reply.text
    assert "Traceback" not in reply.text and len(api.requests) == 4  # the scripted close never came
    assert sandbox.dump() == before


def test_a_timeout_is_worded_as_one_and_changes_nothing(world):
    sandbox, rt = world
    before = sandbox.dump()
    with FakeMessagesAPI([slow(1.5)]) as api:
        reply = _ask(rt, api, f"close {JOHN} everywhere", timeout=0.3, max_retries=0)
    assert reply.failed and "the Anthropic API timed out; ask again in a moment" in reply.text
    assert "cannot reach" not in reply.text
    assert sandbox.dump() == before


@pytest.mark.parametrize("bad_input", [{"operation": "close", "email": 42},
                                       {"operation": "close", "email": JOHN, "reason": "planted field"},
                                       {"operation": "close"}])
def test_malformed_tool_input_goes_back_to_the_model_as_an_error_result(world, bad_input):
    sandbox, rt = world
    before = sandbox.dump()
    malformed = {"content": [{"type": "tool_use", "name": "manage_user", "input": bad_input}],
                 "stop_reason": "tool_use"}
    with FakeMessagesAPI([malformed, text_turn("That call was malformed; nothing was done.")]) as api:
        reply = _ask(rt, api, f"close {JOHN}")
    assert api.problems == [] and len(api.requests) == 2
    answered = api.requests[1]["messages"][-1]["content"]
    results = [b for b in answered if b["type"] == "tool_result"]
    assert len(results) == 1 and results[0]["is_error"] is True
    assert json.loads(results[0]["content"])["kind"] == "error"
    assert not reply.failed and reply.outcome is Outcome.ERROR  # the request's call failed, not the system
    assert sandbox.dump() == before


def test_tool_input_that_is_not_json_is_a_clear_failed_reply_and_no_write(world):
    sandbox, rt = world
    before = sandbox.dump()
    broken = {"content": [{"type": "tool_use", "name": "manage_user", "input": {},
                           "raw_input": '{"operation": close, "email": "' + JOHN + '"}'}],
              "stop_reason": "tool_use"}
    with FakeMessagesAPI([broken]) as api:
        reply = _ask(rt, api, f"close {JOHN}")
    assert reply.failed and reply.outcome is Outcome.ERROR and reply.calls == []
    assert "tool call whose input is not valid JSON; nothing it proposed was run" in reply.text
    assert sandbox.dump() == before


@pytest.mark.parametrize("streamed", [None, '{"operation": "close", "email": "john.d'])
def test_a_turn_cut_off_mid_tool_use_runs_nothing_and_says_the_request_did_not_finish(world, streamed):
    sandbox, rt = world
    before = sandbox.dump()
    cut = tool_turn(CLOSE, text="Closing John everywhere.", stop_reason="max_tokens")
    if streamed is not None:  # the input as the API streams it when the limit falls inside it
        cut["content"][-1]["raw_input"] = streamed
    with FakeMessagesAPI([cut, text_turn("Hello again.")]) as api:
        conversation = Conversation(rt, rt.actor(ADMIN), AnthropicBackend(model="m", base_url=api.base_url))
        reply = conversation.ask(f"close {JOHN} everywhere")
        conversation.ask("hello")
    assert reply.failed and reply.outcome is Outcome.ERROR and reply.calls == []
    assert "cut off at its token limit; nothing it was about to propose was run" in reply.text
    assert api.problems == []  # the next request carries no tool_use left without a result
    assert sandbox.dump() == before
