"""A backend that replays a YAML file of model turns: for tests, evals and adversarial drills.

Why stateless: the position in the script is the number of assistant turns already in the
transcript, so a resumed session (another process, ``--session``) continues where it stopped.
A script can propose anything at all, forbidden calls included; that is the point: the gate, not
the backend, decides.

    turns:                                  # or just a list of turns
      - tool_calls:
          - {action: list_users, args: {status: pending}}     # 'name'/'input' also accepted
      - text: "Here are the pending users."
      - {text: "I won't do that.", stop_reason: refusal}
      - {text: "Which account?", clarify: true}              # a question back to the person

``clarify`` is the typed mark of a question (the outcome ``clarify``): the conversation never
guesses it from the words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.backends.base import BackendError, ModelTurn, TurnContext, Usage
from tools.actions import ToolCall

TURN_KEYS = {"text", "tool_calls", "stop_reason", "usage", "clarify"}


class ScriptedBackend:
    name = "scripted"

    def __init__(self, turns: list[ModelTurn], source: str = "<script>"):
        self.turns = turns
        self.source = source

    @classmethod
    def from_file(cls, path: str | Path) -> ScriptedBackend:
        from policies.textfiles import load_yaml

        file = Path(path).expanduser()
        if not file.is_file():
            raise BackendError(f"{file}: no such script file")
        return cls.from_data(load_yaml(file, "script", error=BackendError), str(file))

    @classmethod
    def from_data(cls, data: Any, source: str = "<script>") -> ScriptedBackend:
        if isinstance(data, dict):
            data = data.get("turns")
        if not isinstance(data, list) or not data:
            raise BackendError(f"{source}: expected a non-empty list of turns (or 'turns: [...]')")
        return cls([_turn(item, f"{source}: turns[{i}]") for i, item in enumerate(data)], source)

    def next_turn(self, messages: list[dict[str, Any]], context: TurnContext) -> ModelTurn:
        done = sum(1 for m in messages if m["role"] == "assistant" and not (m.get("meta") or {}).get("note"))
        if done >= len(self.turns):
            raise BackendError(f"{self.source}: the script has no turn {done + 1} (it has {len(self.turns)})")
        turn = self.turns[done]
        calls = [
            ToolCall(id=c.id or f"toolu_script_{done + 1:03d}_{i + 1}", action=c.action, args=c.args)
            for i, c in enumerate(turn.tool_calls)
        ]
        return ModelTurn(
            text=turn.text, tool_calls=calls, stop_reason=turn.stop_reason, usage=turn.usage, model="script",
            clarify=turn.clarify,
        )


def _turn(item: Any, where: str) -> ModelTurn:
    if isinstance(item, str):
        return ModelTurn(text=item)
    if not isinstance(item, dict):
        raise BackendError(f"{where}: expected a mapping with 'text' and/or 'tool_calls'")
    unknown = set(item) - TURN_KEYS
    if unknown:
        raise BackendError(f"{where}: unknown key(s) {sorted(unknown)}; use {sorted(TURN_KEYS)}")
    calls = []
    for j, raw in enumerate(item.get("tool_calls") or []):
        if not isinstance(raw, dict) or not (raw.get("action") or raw.get("name")):
            raise BackendError(f"{where}.tool_calls[{j}]: expected {{action: NAME, args: {{...}}}}")
        args = raw.get("args", raw.get("input", {}))
        calls.append(
            ToolCall(
                id=str(raw.get("id") or ""),
                action=str(raw.get("action") or raw.get("name")),
                args=args if isinstance(args, dict) else {"value": args},
            )
        )
    usage = item.get("usage") or {}
    stop = item.get("stop_reason") or ("tool_use" if calls else "end_turn")
    return ModelTurn(
        text=str(item.get("text") or ""),
        tool_calls=calls,
        stop_reason=str(stop),
        usage=Usage(**{k: int(v) for k, v in usage.items() if k in Usage.__dataclass_fields__}),
        clarify=item.get("clarify") is True and not calls,
    )
