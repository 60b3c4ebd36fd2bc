"""The one protocol every model backend speaks, so the conversation loop never knows which it has.

A backend sees the transcript (Anthropic's message shape: text, tool_use and tool_result blocks,
because that is the richest of the three and the others are easy to express in it) and answers
one ``ModelTurn``: some text, some proposed tool calls, why it stopped, and what it cost. It never
executes anything: proposals go to the gate, and the conversation feeds results back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from tools.actions import ToolCall


class BackendError(RuntimeError):
    """The backend could not produce a turn (network, key, malformed script); worded for a person."""


@dataclass(frozen=True, slots=True)
class OrgVocabulary:
    """The names a request may mention, so a planner can tell an account from a group."""

    organization: str = ""
    accounts: tuple[str, ...] = ()
    default_account: str | None = None
    # account name -> names; a lazy mapping (``tools.docusign.vocabulary.AccountNames``) reads an
    # account's names only when the planner looks that account up
    profiles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def all_profiles(self) -> list[str]:
        return _union(self.profiles.values())

    def all_groups(self) -> list[str]:
        return _union(self.groups.values())


def _union(lists: Iterable[tuple[str, ...]]) -> list[str]:
    seen: dict[str, str] = {}
    for names in lists:
        for name in names:
            seen.setdefault(name.lower(), name)
    return list(seen.values())


@dataclass
class TurnContext:
    """What a backend may know beyond the transcript. Lazy parts cost DocuSign reads, so they are
    fetched only by the backends that need them."""

    actor_email: str
    actor_roles: tuple[str, ...]
    sandbox: bool
    vocabulary: Callable[[], OrgVocabulary]
    organization: Callable[[], OrgVocabulary] = OrgVocabulary
    # the asking person's own memberships (account, status, permission_profile, groups), cached
    own_memberships: Callable[[], list[dict[str, Any]]] = list
    policy_summary: Callable[[], str] = lambda: ""
    remaining_tokens: int | None = None
    # what an employee's own seat request asks for when unsaid (self_service.seat_defaults)
    seat_defaults: dict[str, Any] = field(default_factory=dict)
    # permission profiles the policy never lets this person have (never offered to them)
    denied_profiles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    @property
    def total(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_creation_input_tokens
            + self.cache_read_input_tokens
        )

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (
            self.input_tokens,
            self.output_tokens,
            self.cache_creation_input_tokens,
            self.cache_read_input_tokens,
        )

    def as_dict(self) -> dict[str, int]:
        return dict(
            zip(
                ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"),
                self.as_tuple(),
                strict=True,
            )
        )


# stop reasons of a turn cut off mid-way: whatever it was about to propose is dropped, never run
CUT_OFF_STOPS = frozenset({"max_tokens", "model_context_window_exceeded"})


@dataclass
class ModelTurn:
    """One assistant turn. ``stop_reason`` follows the Messages API ('end_turn', 'tool_use',
    'refusal', 'max_tokens'); ``clarify`` marks a question back to the person. ``state`` is private
    to the backend (the offline planner's half-filled request) and is stored with the message."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    stop_reason: str = "end_turn"
    usage: Usage = field(default_factory=Usage)
    clarify: bool = False
    state: dict[str, Any] | None = None
    model: str | None = None
    # A model's thinking blocks, unchanged (with their signatures): the Messages API wants them back
    # in the same assistant turn as its tool calls.
    reasoning: list[dict[str, Any]] = field(default_factory=list)
    # Why this turn's writes must wait for the person's confirmation whatever the policy says (the
    # request named a day still to come, which no backend can schedule): they are held, not run.
    hold: str | None = None
    # What the person asks about that no action reads, for the conversation to answer from its own
    # records: "approvals" ("what's waiting for me?", answered from the approval book).
    about: Literal["approvals"] | None = None

    def content_blocks(self) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = list(self.reasoning)
        if self.text:
            blocks.append({"type": "text", "text": self.text})
        for call in self.tool_calls:
            blocks.append({"type": "tool_use", "id": call.id, "name": call.action, "input": call.args})
        return blocks


class Backend(Protocol):
    name: str

    def next_turn(self, messages: list[dict[str, Any]], context: TurnContext) -> ModelTurn:
        """The assistant's next turn given the transcript so far (which ends with a user message)."""
        ...


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """The newest text the person typed (not a tool result)."""
    for message in reversed(messages):
        if message["role"] != "user":
            continue
        texts = [b["text"] for b in _blocks(message) if b.get("type") == "text"]
        if texts:
            return "\n".join(texts)
    return ""


def pending_tool_results(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tool_result blocks of the newest message, when it answers the assistant's tool calls."""
    if not messages or messages[-1]["role"] != "user":
        return []
    return [b for b in _blocks(messages[-1]) if b.get("type") == "tool_result"]


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content or [])
