"""Run scenarios against the agent, each trial on a fresh sandbox and a fresh store, and score them.

Why a harness seam: the runner knows scenarios, sandboxes and scoring; how a turn reaches the agent
(the conversation loop, the gate's confirm/approve/deny channel) lives in ``AgentHarness``. Tests of
the runner itself plug a tiny harness in, so "can the runner fail a scenario" is tested apart
from "is the agent good".

Infrastructure failures (the sandbox, the store, the model's network) say nothing about the agent:
they are recorded apart and left out of pass^k, but a forbidden state is still looked for after
one, because a violation does not stop being one when a later step crashed.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from evals.scenario import Scenario, ScenarioError, Turn
from evals.scoring import ScenarioResult, Summary, Trial, TrialMetrics, check, user_mismatches, users_by_email
from policies.decision import Outcome


@dataclass
class TurnResult:
    """What one turn produced: the outcome (typed, from the agent's reply or the gate's result), the
    reply a person reads, and its cost."""

    outcome: Outcome
    text: str = ""
    tool_calls: int = 0
    model_turns: int = 0
    tokens: int = 0
    # The action of every call the agent proposed to the gate this turn, whatever its outcome.
    actions: list[str] = field(default_factory=list)
    # A confirm/approve/deny turn that found nothing pending to answer.
    nothing_pending: bool = False


class Session(Protocol):
    """One conversation of one scenario trial, on one sandbox and one store."""

    def say(self, text: str) -> TurnResult: ...
    def confirm(self, accept: bool) -> TurnResult: ...
    def approve(self, approver: str) -> TurnResult: ...
    def deny(self, approver: str) -> TurnResult: ...
    def close(self) -> None: ...


class Harness(Protocol):
    """Starts a session for a scenario (its actor speaks) against a given sandbox and store."""

    name: str

    def start(self, scenario: Scenario, sandbox: Any, store_url: str) -> Session: ...


class InfraError(RuntimeError):
    """A trial could not be run for reasons outside the agent (sandbox, store, model service)."""


def _infra_types() -> tuple[type[BaseException], ...]:
    """Exception types that mean the infrastructure failed, not the agent's judgement."""
    types: list[type[BaseException]] = [InfraError, OSError, ConnectionError, TimeoutError, MemoryError]
    try:
        from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError
        types += [OperationalError, InterfaceError, DatabaseError]
    except ImportError:  # pragma: no cover - sqlalchemy is a dependency
        pass
    try:
        from audit.db import StoreError
        types.append(StoreError)
    except ImportError:  # pragma: no cover - the audit layer always exists
        pass
    try:
        import httpx
        types.append(httpx.TransportError)
    except ImportError:  # pragma: no cover
        pass
    try:
        import anthropic
        types += [anthropic.APIConnectionError, anthropic.RateLimitError, anthropic.InternalServerError]
    except ImportError:  # pragma: no cover
        pass
    try:
        from agent.backends.base import BackendError
        types.append(BackendError)
    except ImportError:
        pass
    return tuple(types)


def is_infra_failure(exc: BaseException) -> bool:
    return isinstance(exc, _infra_types())


def _resolve_fixture(scenario: Scenario) -> str | Path:
    """A fixture name stays a name; a path is taken relative to the scenario's own folder."""
    value = scenario.fixture
    if "/" not in value and not value.endswith((".yaml", ".yml")):
        return value
    path = Path(value).expanduser()
    if not path.is_absolute() and scenario.source:
        beside = Path(scenario.source).parent / path
        if beside.exists():
            return beside
    return path


@lru_cache(maxsize=16)
def _fixture_data(fixture: str | Path) -> dict[str, Any]:
    """A fixture parsed once per run: parsing the YAML costs more than building the org from it."""
    from tools.docusign.sandbox import load_fixture_data

    return load_fixture_data(fixture)


def build_sandbox(scenario: Scenario):
    """The scenario's starting organization: its fixture with ``setup`` merged in."""
    from tools.docusign.sandbox import Sandbox  # an ImportError is a broken install, not a scenario's fault

    sandbox = Sandbox.from_fixture(copy.deepcopy(_fixture_data(_resolve_fixture(scenario))))
    if scenario.setup:
        sandbox.merge(scenario.setup)
    return sandbox


def check_setups(scenarios: Iterable[Scenario]) -> None:
    """Build every scenario's starting sandbox once, so a bad fixture or setup (or a forbidden state
    that already holds at the start) is a named scenario error before any trial runs, not an
    infrastructure failure or a phantom violation halfway through."""
    from tools.docusign.sandbox import Sandbox  # noqa: F401  (fail here, loudly, if the sandbox is missing)

    problems = []
    for scenario in scenarios:
        where = scenario.source or scenario.id
        try:
            start = users_by_email(build_sandbox(scenario).dump())
        except Exception as exc:  # the sandbox's own validation error, whatever its type
            problems.append(f"{where}: fixture/setup: {exc}")
            continue
        for i, bad in enumerate(scenario.expect.forbidden):
            if not user_mismatches(bad, start):
                problems.append(f"{where}: expect.forbidden.{i} ({bad.email}) already holds before the first "
                                "turn; a forbidden state must be one the agent could only reach by acting")
    if problems:
        raise ScenarioError("\n".join(problems))


def _run_turn(session: Session, turn: Turn) -> TurnResult:
    kind = turn.kind
    if kind == "say":
        return session.say(turn.say or "")
    if kind == "confirm":
        return session.confirm(bool(turn.confirm))
    if kind == "approve":
        return session.approve(turn.approve or "")
    return session.deny(turn.deny or "")


def run_trial(scenario: Scenario, harness: Harness) -> Trial:
    """One trial on a fresh sandbox and a fresh SQLite store in a temporary folder."""
    trial = Trial()
    try:
        sandbox = build_sandbox(scenario)
        before = sandbox.dump()
        requests_at_start = len(sandbox.requests)
    except Exception as exc:
        trial.infra_error = f"sandbox: {type(exc).__name__}: {exc}"
        return trial
    last: TurnResult | None = None
    proposed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="dsadmin-eval-") as tmp:
        session = None
        try:
            session = harness.start(scenario, sandbox, f"sqlite:///{Path(tmp) / 'store.db'}")
            for i, turn in enumerate(scenario.turns, 1):
                try:
                    result = _run_turn(session, turn)
                except Exception as exc:
                    if is_infra_failure(exc):
                        raise
                    trial.verdict.failures.append(
                        f"turn {i} ({turn.kind}): the agent raised {type(exc).__name__}: {exc}")
                    last = TurnResult(outcome=Outcome.ERROR, text=str(exc))
                    break
                if result.nothing_pending and turn.if_pending:
                    continue  # a conditional answer with nothing to answer: the turn did not happen
                last = result
                proposed.extend(last.actions)
                _account(trial.metrics, last)
                if turn.kind == "say":
                    trial.say_outcomes.append(last.outcome)
        except Exception as exc:  # starting the runtime, or an infrastructure error inside a turn
            where = "start" if session is None else "turn"
            trial.infra_error = f"{where}: {type(exc).__name__}: {exc}"
        finally:
            if session is not None:
                with suppress(Exception):  # closing must not hide the trial's own result
                    session.close()
    trial.metrics.docusign_requests = len(sandbox.requests) - requests_at_start
    after = sandbox.dump()
    trial.outcome = last.outcome if last else None
    verdict = check(scenario.expect, before, after, outcome=trial.outcome, reply=last.text if last else "",
                    proposed=proposed)
    trial.verdict.violations = verdict.violations
    if trial.infra_error is None:
        trial.verdict.failures.extend(verdict.failures)
    return trial


def _account(metrics: TrialMetrics, turn: TurnResult) -> None:
    metrics.tool_calls += turn.tool_calls
    metrics.model_turns += turn.model_turns
    metrics.tokens += turn.tokens


def run(scenarios: list[Scenario], harness: Harness, *, trials: int = 1,
        progress: Callable[[Scenario, int, Trial], None] | None = None) -> Summary:
    """Every scenario ``trials`` times; returns the summary that reports are made from."""
    if trials < 1:
        raise ValueError("trials must be at least 1")
    results = []
    for scenario in scenarios:
        runs = []
        for i in range(trials):
            trial = run_trial(scenario, harness)
            runs.append(trial)
            if progress:
                progress(scenario, i + 1, trial)
        results.append(ScenarioResult(scenario, runs))
    return Summary(results, trials)
