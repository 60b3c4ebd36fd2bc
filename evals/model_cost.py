"""What an eval run on Claude cost: tokens by kind and dollars, per scenario, next to its pass^k.

Why read the audit log: every model turn already leaves a ``model_usage`` event with input,
output, cache-write and cache-read tokens, so the meter wraps the harness and reads those events
from each trial's own store before it is closed; the runner and the scoring stay as they are.
Prices are a table (USD per million tokens, from Anthropic's model pages when this was written);
cache writes (5-minute) cost 1.25x the input price and cache reads 0.1x. A model not in the table
shows its tokens and no price: a guessed price would be worse than none.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

# model id -> (input, output) USD per million tokens
PRICES: dict[str, tuple[float, float]] = {
    "claude-sonnet-5-5": (2.0, 10.0),
    "claude-opus-5-5": (4.0, 20.0),
    "claude-haiku-4-5": (1.0, 5.0),
}
CACHE_WRITE, CACHE_READ = 1.25, 0.1
KINDS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def cost_usd(model: str, usage: dict[str, int]) -> float | None:
    price = PRICES.get(model)
    if price is None:
        return None
    inp, out = price
    per_token = (inp, out, inp * CACHE_WRITE, inp * CACHE_READ)
    return sum(usage.get(kind, 0) * p for kind, p in zip(KINDS, per_token, strict=True)) / 1_000_000


@dataclass
class Ledger:
    """Token use per scenario id, summed over its trials."""

    usage: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, scenario_id: str, payload: dict[str, Any]) -> None:
        row = self.usage.setdefault(scenario_id, dict.fromkeys(KINDS, 0))
        for kind in KINDS:
            row[kind] += int(payload.get(kind) or 0)


class MeteredHarness:
    """``harness``, with each session's model usage read from its audit log when it closes."""

    def __init__(self, harness: Any, ledger: Ledger):
        self.inner = harness
        self.ledger = ledger
        self.name = harness.name

    def check(self, scenarios: list) -> None:
        self.inner.check(scenarios)

    def start(self, scenario: Any, sandbox: Any, store_url: str) -> Any:
        return _MeteredSession(self.inner.start(scenario, sandbox, store_url), scenario.id, self.ledger)


class _MeteredSession:
    def __init__(self, inner: Any, scenario_id: str, ledger: Ledger):
        self.inner, self.scenario_id, self.ledger = inner, scenario_id, ledger
        self.ledger.add(scenario_id, {})

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def close(self) -> None:
        with suppress(Exception):  # metering must never cost a trial its result
            for event in self.inner.rt.audit.records():
                if event.kind == "model_usage":
                    self.ledger.add(self.scenario_id, event.payload or {})
        self.inner.close()


def print_costs(summary: Any, ledger: Ledger, model: str, out: Callable[[str], None]) -> None:
    """One line per scenario: pass^k, tokens by kind, and the estimated cost; then the total."""
    from evals.scoring import pass_hat_k

    k = summary.trials
    out(f"token use and cost per scenario (model {model}; estimate from evals/model_cost.py's prices):")
    out(f"  {'scenario':<44} {'pass^' + str(k):>7} {'input':>9} {'output':>8} {'cache w':>9} "
        f"{'cache r':>9} {'cost $':>8}")
    total: dict[str, int] = dict.fromkeys(KINDS, 0)
    for result in summary.results:
        usage = ledger.usage.get(result.scenario.id, dict.fromkeys(KINDS, 0))
        for kind in KINDS:
            total[kind] += usage[kind]
        n = len(result.scored)
        score = f"{pass_hat_k(result.passes, n, k):.2f}" if n >= k else "n/a"
        out(f"  {result.scenario.id:<44} {score:>7} " + _row(model, usage))
    out(f"  {'total':<44} {'':>7} " + _row(model, total))


def _row(model: str, usage: dict[str, int]) -> str:
    cost = cost_usd(model, usage)
    return (f"{usage[KINDS[0]]:>9} {usage[KINDS[1]]:>8} {usage[KINDS[2]]:>9} {usage[KINDS[3]]:>9} "
            f"{'n/a' if cost is None else f'{cost:.4f}':>8}")
