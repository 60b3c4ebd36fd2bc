"""How a Claude turn is read: a question back, an answer, a refusal (``anthropic.turn_from``).

Driven through the real ``anthropic`` SDK against the local fake Messages API. The question back is
a typed signal, the adapter's ``ask_person`` tool; the trailing "?" is only the fallback for a
first turn answered in plain text, never for a turn after tool results.
"""

from __future__ import annotations

import json

from agent_stack import stack, user
from fake_messages_api import FakeMessagesAPI, text_turn, tool_turn

from agent.backends.anthropic import AnthropicBackend, cached_tools
from agent.backends.anthropic_prompt import ASK_TOOL_NAME, SYSTEM_TEMPLATE
from agent.backends.base import TurnContext
from agent.conversation import Conversation
from policies.decision import Outcome

ADMIN, SAM, JOHN = "admin@acme.com", "sam.lee@acme.com", "john.doe@acme.com"
ASKED = "Which account should the seat be on: Acme Main or EMEA?"
USER = [{"role": "user", "content": [{"type": "text", "text": "give sam a seat"}]}]
AFTER_RESULTS = [
    *USER,
    {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "list_users",
                                       "input": {"status": "pending"}}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "{}"}]},
]


def _context(vocabulary) -> TurnContext:
    return TurnContext(actor_email=ADMIN, actor_roles=("admin",), sandbox=True,
                       vocabulary=lambda: vocabulary, organization=lambda: vocabulary)


def _turn(vocabulary, response, messages=USER):
    with FakeMessagesAPI([response]) as api:
        turn = AnthropicBackend(model="m", base_url=api.base_url).next_turn(messages, _context(vocabulary))
    assert api.problems == []
    return turn


def test_the_ask_tool_is_offered_after_the_catalogue_and_the_prompt_says_when_to_use_it():
    tools = cached_tools()
    assert tools[-1]["name"] == ASK_TOOL_NAME and tools[-1]["cache_control"] == {"type": "ephemeral"}
    assert [t["name"] for t in tools].count(ASK_TOOL_NAME) == 1
    assert "call {ask} with" in SYSTEM_TEMPLATE


def test_a_call_to_ask_person_is_a_question_back_whatever_its_punctuation(monkeypatch, acme_vocabulary):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    turn = _turn(acme_vocabulary, tool_turn((ASK_TOOL_NAME, {"question": "Which account, Main or EMEA."})))
    assert turn.clarify and turn.tool_calls == [] and turn.text == "Which account, Main or EMEA."
    # the transcript keeps the question as text: no tool_use is left waiting for a result
    assert turn.content_blocks() == [{"type": "text", "text": "Which account, Main or EMEA."}]


def test_a_question_beside_a_write_runs_nothing(monkeypatch, acme_vocabulary):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    both = tool_turn(("manage_user", {"operation": "close", "email": JOHN}),
                     (ASK_TOOL_NAME, {"question": ASKED}), text="Before I do anything:")
    turn = _turn(acme_vocabulary, both)
    assert turn.clarify and turn.tool_calls == []
    assert turn.text == f"Before I do anything:\n{ASKED}"


def test_a_malformed_question_still_asks_in_the_turns_words(monkeypatch, acme_vocabulary):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    turn = _turn(acme_vocabulary, tool_turn((ASK_TOOL_NAME, {"question": 7})))
    assert turn.clarify and turn.text.startswith("I need one more detail")


def test_plain_text_after_tool_results_is_the_answer_even_when_it_ends_in_a_question(
    monkeypatch, acme_vocabulary
):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    turn = _turn(acme_vocabulary, text_turn("Three people are pending. Anything else?"), AFTER_RESULTS)
    assert not turn.clarify and turn.stop_reason == "end_turn"


def test_plain_text_first_turn_asking_for_a_detail_is_a_question_back(monkeypatch, acme_vocabulary):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    assert _turn(acme_vocabulary, text_turn(f"I can do that.\n{ASKED}")).clarify
    assert not _turn(acme_vocabulary, text_turn("Your accounts are Acme Main and EMEA.")).clarify


def test_a_refusal_never_runs_its_calls_nor_counts_as_a_question(monkeypatch, acme_vocabulary):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    refusal = tool_turn(("manage_user", {"operation": "purge", "email": JOHN}),
                        (ASK_TOOL_NAME, {"question": "Are you sure?"}), text="I can't help with that.",
                        stop_reason="refusal")
    turn = _turn(acme_vocabulary, refusal)
    assert turn.stop_reason == "refusal" and turn.tool_calls == [] and not turn.clarify


# -- on the real stack ------------------------------------------------------------------------------


def test_a_question_back_is_the_requests_outcome_and_the_next_request_is_well_formed(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    sandbox, rt = stack(tmp_path)
    before = sandbox.dump()
    try:
        with FakeMessagesAPI([tool_turn((ASK_TOOL_NAME, {"question": ASKED})),
                              text_turn("Noted.")]) as api:
            claude = AnthropicBackend(model="m", base_url=api.base_url)
            conversation = Conversation(rt, rt.actor(ADMIN), claude)
            asked = conversation.ask("Give maya.chen@acme.com a seat")
            conversation.ask("EMEA")
        assert api.problems == []  # no tool_use left without its tool_result
        assert asked.outcome is Outcome.CLARIFY and ASKED in asked.text and asked.calls == []
        sent = api.requests[1]["messages"]
        assert sent[1] == {"role": "assistant", "content": [{"type": "text", "text": ASKED}]}
        assert sandbox.dump() == before
    finally:
        rt.close()


def test_a_refusal_turn_with_a_write_is_refused_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    sandbox, rt = stack(tmp_path)
    try:
        refusal = tool_turn(("manage_user", {"operation": "close", "email": JOHN, "all_accounts": True}),
                            text="I won't do that.", stop_reason="refusal")
        with FakeMessagesAPI([refusal]) as api:
            reply = Conversation(rt, rt.actor(ADMIN), AnthropicBackend(model="m", base_url=api.base_url)).ask(
                f"close {JOHN} everywhere"
            )
        assert reply.outcome is Outcome.DENIED and "I won't do that." in reply.text
        assert reply.calls == [] and not any(e.kind == "model_proposal" for e in rt.audit.records())
        john = user(sandbox.dump(), JOHN)
        assert john is not None and all(m["status"] == "active" for m in john["memberships"].values())
        assert json.dumps(api.requests[0]["tools"]).count(ASK_TOOL_NAME) == 1
    finally:
        rt.close()
