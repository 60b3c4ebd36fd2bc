"""The anthropic backend through the real SDK against the local fake Messages API."""

from __future__ import annotations

import pytest
from fake_messages_api import FakeMessagesAPI, text_turn, tool_turn

from agent.backends.anthropic import AnthropicBackend, wire_messages
from agent.backends.base import BackendError, OrgVocabulary, TurnContext
from tools.actions import tool_schemas


@pytest.fixture
def api_key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")


def _context(vocabulary: OrgVocabulary, remaining: int | None = None) -> TurnContext:
    return TurnContext(
        actor_email="sam.lee@acme.com",
        actor_roles=("employee",),
        sandbox=True,
        vocabulary=lambda: vocabulary,
        organization=lambda: vocabulary,
        policy_summary=lambda: "- manage_user.provision: allowed as employee (only for themselves)",
        remaining_tokens=remaining,
    )


USER = [{"role": "user", "content": [{"type": "text", "text": "what are my accounts, and pending users?"}]}]


def test_request_carries_tools_identity_and_cached_prefix(api_key, acme_vocabulary):
    with FakeMessagesAPI(
        [
            tool_turn(
                ("list_account", {"operation": "user_memberships", "email": "sam.lee@acme.com"}),
                ("list_users", {"status": "pending"}),
                text="Checking.",
            ),
            text_turn("Done."),
        ]
    ) as api:
        backend = AnthropicBackend(model="claude-test", base_url=api.base_url)
        first = backend.next_turn(USER, _context(acme_vocabulary, remaining=1000))
        follow = [
            *USER,
            {"role": "assistant", "content": first.content_blocks()},
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": c.id, "content": "{}"} for c in first.tool_calls
                ],
            },
        ]
        second = backend.next_turn(follow, _context(acme_vocabulary))
    request = api.requests[0]
    assert any("sk-test-not-a-real-key" in value for value in api.headers[0].values())
    assert request["model"] == "claude-test" and request["max_tokens"] == 1000
    assert [t["name"] for t in request["tools"]] == [t["name"] for t in tool_schemas()]
    assert request["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    system = request["system"][0]
    assert system["cache_control"] == {"type": "ephemeral"}
    for fact in (
        "sam.lee@acme.com",
        "employee",
        "Acme Corp",
        '"EMEA"',
        '"Acme Main"',
        "sandbox",
        "only for themselves",
        "y/N prompt",
    ):
        assert fact in system["text"]
    # parallel tool calls come back as two proposals with the API's ids, text kept
    assert [(c.action, c.args) for c in first.tool_calls] == [
        ("list_account", {"operation": "user_memberships", "email": "sam.lee@acme.com"}),
        ("list_users", {"status": "pending"}),
    ]
    assert all(c.id.startswith("toolu_fake_") for c in first.tool_calls) and first.text == "Checking."
    assert first.stop_reason == "tool_use"
    # the stable prefix is written to the cache once and read afterwards
    assert first.usage.cache_creation_input_tokens > 0 and first.usage.cache_read_input_tokens == 0
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert second.text == "Done." and not second.tool_calls
    assert api.problems == []


def test_a_refusal_turn_proposes_nothing(api_key, acme_vocabulary):
    refusal = tool_turn(
        ("manage_user", {"operation": "purge", "email": "john.doe@acme.com"}),
        text="I can't help with that.",
        stop_reason="refusal",
    )
    with FakeMessagesAPI([refusal]) as api:
        turn = AnthropicBackend(model="m", base_url=api.base_url).next_turn(USER, _context(acme_vocabulary))
    assert turn.stop_reason == "refusal" and turn.tool_calls == []


def test_only_loopback_may_be_called_in_tests(api_key, acme_vocabulary):
    with pytest.raises(BackendError, match="switched off"):
        AnthropicBackend(model="m", base_url=None).next_turn(USER, _context(acme_vocabulary))
    with pytest.raises(BackendError, match="switched off"):
        AnthropicBackend(model="m", base_url="https://api.anthropic.com").next_turn(
            USER, _context(acme_vocabulary)
        )


def test_the_key_comes_only_from_the_environment(acme_vocabulary):
    with FakeMessagesAPI([text_turn("hi")]) as api, pytest.raises(BackendError, match="ANTHROPIC_API_KEY"):
        AnthropicBackend(model="m", base_url=api.base_url).next_turn(USER, _context(acme_vocabulary))
    assert api.requests == []


def test_api_errors_become_a_readable_backend_error(api_key, acme_vocabulary):
    with (
        FakeMessagesAPI(
            [{"status": 400, "error_type": "invalid_request_error", "message": "bad tools"}]
        ) as api,
        pytest.raises(BackendError, match="400: bad tools"),
    ):
        AnthropicBackend(model="m", base_url=api.base_url).next_turn(USER, _context(acme_vocabulary))


def test_wire_messages_drop_private_state_and_merge_same_roles():
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "a"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "q?"}], "meta": {"pending": {}}},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "x", "content": "{}"}]},
        {"role": "user", "content": "b"},
    ]
    wire = wire_messages(messages)
    assert [m["role"] for m in wire] == ["user", "assistant", "user"]
    assert all(set(m) == {"role", "content"} for m in wire)
    assert wire[2]["content"][1] == {"type": "text", "text": "b"}
