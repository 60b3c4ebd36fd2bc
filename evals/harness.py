"""How a scenario's turns reach the real agent: the conversation for ``say``, the gate's channel for the rest.

Why confirmations and approvals bypass the conversation: in the product they come from a person
through the channel (a y/N prompt, ``dsadmin confirm``, ``dsadmin approvals approve``), never
from the model, so the eval answers them the same way: the actor's own newest pending
confirmation, the newest pending approval request, through ``rt.gate``.

The confirmation store keeps only a hash of each token (the token itself lives with the channel),
so the session remembers the tokens its replies carried and answers the one whose hash is the
actor's newest pending confirmation in the store.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from evals.runner import InfraError, TurnResult
from evals.scenario import Scenario
from policies.decision import Outcome


class HarnessError(ValueError):
    """The chosen backend cannot run these scenarios (no key, no script); worded for a person."""


class _WatchedBackend:
    """The real backend, watched: a ``BackendError`` (network, key, exhausted script) is the
    infrastructure failing, which the conversation turns into an ordinary error reply; the eval
    must tell that apart from the agent answering badly."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.name = getattr(inner, "name", "backend")
        self.failure: str | None = None

    def next_turn(self, messages, context):
        from agent.backends.base import BackendError

        try:
            return self.inner.next_turn(messages, context)
        except BackendError as exc:
            self.failure = str(exc)
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _turn_result(result: Any) -> TurnResult:
    """A gate result from the channel, worded as the CLI words it for the person who answered."""
    from agent.render import result_text
    from tools.results import outcome_of

    return TurnResult(outcome=outcome_of(result), text=result_text(result.model_dump(mode="json")))


def no_approval() -> TurnResult:
    return TurnResult(outcome=Outcome.ERROR, text="There is no pending approval request.",
                      nothing_pending=True)


class AgentSession:
    def __init__(self, harness: AgentHarness, scenario: Scenario, sandbox: Any, store_url: str):
        from agent.conversation import Conversation
        from agent.runtime import build_runtime

        self.backend = _WatchedBackend(harness.make_backend(scenario))
        self.rt = build_runtime(harness.config, sandbox=sandbox, store_url=store_url)
        self.actor = self.rt.actor(scenario.actor)
        self.conversation = Conversation(self.rt, self.actor, self.backend,
                                         dry_run=getattr(harness, "dry_run", False))
        self.tokens: dict[str, str] = {}  # hash-prefix ref -> token, as the channel would hold them

    def say(self, text: str) -> TurnResult:
        reply = self.conversation.ask(text)
        if self.backend.failure is not None:
            raise InfraError(f"model backend: {self.backend.failure}")
        for result in reply.results:
            token = getattr(result, "token", None)
            if getattr(result, "kind", "") == "needs_confirmation" and token:
                self.tokens[hashlib.sha256(token.strip().encode()).hexdigest()[:12]] = token
        calls = reply.calls or []
        return TurnResult(outcome=reply.outcome, text=reply.text or "", tool_calls=len(calls),
                          model_turns=reply.model_turns, tokens=reply.usage.total,
                          actions=[c.action for c in calls])

    def confirm(self, accept: bool) -> TurnResult:
        """The actor answers their own newest pending confirmation, at the channel's prompt."""
        pending = self.rt.confirmations.pending(self.actor, limit=1)
        if not pending:
            return TurnResult(outcome=Outcome.ERROR, text="There is no pending confirmation to answer.",
                              nothing_pending=True)
        token = self.tokens.get(pending[0].ref)
        if token is None:
            return TurnResult(outcome=Outcome.ERROR, text="The newest pending confirmation was not issued in "
                              "this conversation, so there is no token to answer it with.")
        reply = self.conversation.confirm(accept, token=token)
        return TurnResult(outcome=reply.outcome, text=reply.text or "", tool_calls=0)

    def _newest_pending_approval(self) -> str | None:
        rows = self.rt.approvals.list(status="pending", limit=1)
        return str(rows[0].id) if rows else None

    def approve(self, approver: str) -> TurnResult:
        """``approver`` approves the newest pending approval request, through the gate."""
        approval_id = self._newest_pending_approval()
        if approval_id is None:
            return no_approval()
        return _turn_result(self.rt.gate.approve(self.rt.actor(approver), approval_id))

    def deny(self, approver: str) -> TurnResult:
        approval_id = self._newest_pending_approval()
        if approval_id is None:
            return no_approval()
        return _turn_result(self.rt.gate.deny(self.rt.actor(approver), approval_id,
                                              reason="denied in an eval"))

    def close(self) -> None:
        self.rt.close()


class AgentHarness:
    """The product's own runtime and conversation, on the chosen backend."""

    def __init__(self, backend: str, *, scripts: Path | None = None):
        from agent.config import ConfigError, embedded_default, load_config

        self.name = backend
        self.scripts = scripts
        # Scenarios are written for the sandbox and the default people; only the model settings
        # (name, base_url, step limit, token budget) come from the person's configuration.
        self.config = embedded_default()
        try:
            self.config.model = load_config().model.model_copy()
        except ConfigError as exc:
            raise HarnessError(str(exc)) from None

    def check(self, scenarios: list[Scenario]) -> None:
        """Refuse up front what cannot work, instead of failing every trial the same way."""
        if self.name == "anthropic" and not os.environ.get("ANTHROPIC_API_KEY"):
            raise HarnessError("--backend anthropic needs ANTHROPIC_API_KEY in the environment")
        if self.name == "scripted":
            if self.scripts is None or not self.scripts.is_dir():
                raise HarnessError("--backend scripted needs --scripts DIR with one <scenario id>.yaml each")
            missing = [s.id for s in scenarios if not (self.scripts / f"{s.id}.yaml").is_file()]
            if missing:
                raise HarnessError(f"{self.scripts}: no script for {', '.join(missing)}")

    def make_backend(self, scenario: Scenario) -> Any:
        from agent.backends import make_backend

        script = self.scripts / f"{scenario.id}.yaml" if self.name == "scripted" and self.scripts else None
        return make_backend(self.config, self.name, script=script)

    def start(self, scenario: Scenario, sandbox: Any, store_url: str) -> AgentSession:
        return AgentSession(self, scenario, sandbox, store_url)
