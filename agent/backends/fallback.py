"""``model.fallback: offline``: when Claude is unavailable, the offline planner answers, and says so.

Why only for "unavailable" (overload, rate limit, 5xx, network) and not for a bad key or a
missing model: those need the person to fix the configuration, and a quiet fallback would hide
it. Once Claude has failed during a request the planner finishes that request (a later step must
not flip back mid-way); the next request tries Claude again. The notice leads the reply, so the
person knows which planner answered.
"""

from __future__ import annotations

from typing import Any

from agent.backends.anthropic_errors import ModelUnavailable
from agent.backends.base import Backend, ModelTurn, TurnContext, pending_tool_results


class FallbackBackend:
    def __init__(self, primary: Backend, fallback: Backend):
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name
        self._down: str | None = None

    @property
    def on_text(self) -> Any:
        return getattr(self.primary, "on_text", None)

    @on_text.setter
    def on_text(self, value: Any) -> None:
        self.primary.on_text = value  # type: ignore[attr-defined]

    def next_turn(self, messages: list[dict[str, Any]], context: TurnContext) -> ModelTurn:
        new_request = not pending_tool_results(messages)
        if new_request:
            self._down = None
        if self._down is None:
            try:
                return self.primary.next_turn(messages, context)
            except ModelUnavailable as exc:
                self._down = str(exc)
                notice = True
        else:
            notice = False
        turn = self.fallback.next_turn(messages, context)
        if notice:
            turn.text = (f"(Claude is unavailable: {self._down}. The offline planner answers this "
                         f"request instead.)\n\n{turn.text}").strip()
        return turn
