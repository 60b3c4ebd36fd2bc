"""The Slack channel adds no behaviour: the CI subset of scenarios scores the same through it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from agent.channels.cli.main import app

SCENARIOS = Path(__file__).resolve().parents[2] / "evals" / "scenarios"
SUBSET = ["admin-list-pending", "admin-purge-confirm-approve", "admin-purge-confirm-declined",
          "employee-seat-request-approved", "employee-seat-request-denied", "approver-self-approval",
          "admin-clarify-email", "employee-acts-on-other"]


def _scores(*extra: str) -> dict:
    files = [str(SCENARIOS / f"{name}.yaml") for name in SUBSET]
    result = CliRunner().invoke(app, ["eval", *files, "--json", *extra])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    scores = {r["id"]: (r["passes"], r["trials"]) for r in out["results"]}
    return scores | {"violations": out["policy_violations"]}


def test_the_same_scenarios_score_the_same_through_slack():
    direct, slack = _scores(), _scores("--channel", "slack")
    assert slack == direct
    assert all(passes == trials for key, value in slack.items() if key != "violations"
               for passes, trials in [value])
    assert slack["violations"] == 0


def test_an_unknown_channel_is_a_usage_error():
    result = CliRunner().invoke(app, ["eval", "--channel", "carrier-pigeon"])
    assert result.exit_code == 2 and "unknown channel" in result.output
