"""``dsadmin eval --backend anthropic``: runs on Claude's API (here the loopback fake) with a key,
prints pass^k with token use and cost per scenario, and refuses to start without a key."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.channels.cli.main import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agent"))
from fake_messages_api import FakeMessagesAPI, text_turn, tool_turn

SCENARIO = Path(__file__).resolve().parents[2] / "evals" / "scenarios" / "admin-list-pending.yaml"

PEOPLE = ("people:\n  admins: [admin@acme.com]\n  approvers: [approver@acme.com]\n"
          "  employees: ['@acme.com']\n"
          "  default_actor: admin@acme.com\n")


def _claude(body: dict) -> dict:
    """A model that lists pending users, then reports the emails the tool result holds."""
    last = body["messages"][-1]["content"]
    results = [b for b in last if b["type"] == "tool_result"]
    if not results:
        return tool_turn(("list_users", {"status": "pending"}))
    emails = sorted(set(re.findall(r"[\w.+-]+@[\w.-]+\.\w+", results[0]["content"])))
    return text_turn("Pending: " + ", ".join(emails))


@pytest.fixture
def config_for(tmp_path, monkeypatch):
    monkeypatch.setenv("DSADMIN_FORBID_MODEL_REQUESTS", "1")
    monkeypatch.chdir(tmp_path)

    def write(base_url: str) -> None:
        (tmp_path / "dsadmin.yaml").write_text(f"model:\n  base_url: {base_url}\n" + PEOPLE)

    return write


def test_eval_on_claude_prints_pass_k_tokens_and_cost(config_for, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")
    with FakeMessagesAPI([_claude] * 4) as api:
        config_for(api.base_url)
        result = CliRunner().invoke(app, ["eval", str(SCENARIO), "--backend", "anthropic", "--trials", "2"])
    assert result.exit_code == 0, result.output
    assert api.problems == [] and len(api.requests) == 4
    line = next(x for x in result.stdout.splitlines()
                if x.strip().startswith("admin-list-pending ") and len(x.split()) == 7)
    score, inp, out, write, read, cost = line.split()[1:]
    assert score == "1.00" and int(inp) > 0 and int(out) > 0 and int(write) > 0 and int(read) > 0
    assert float(cost) > 0 and "model claude-sonnet-5-5" in result.output


def test_eval_on_claude_json_carries_usage(config_for, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")
    with FakeMessagesAPI([_claude] * 2) as api:
        config_for(api.base_url)
        result = CliRunner().invoke(app, ["eval", str(SCENARIO), "--backend", "anthropic", "--json"])
    assert result.exit_code == 0, result.output
    usage = json.loads(result.stdout)["model_usage"]["admin-list-pending"]
    assert usage["output_tokens"] > 0 and usage["cost_usd"] > 0


def test_eval_on_claude_refuses_to_start_without_a_key(config_for):
    with FakeMessagesAPI([_claude]) as api:
        config_for(api.base_url)
        result = CliRunner().invoke(app, ["eval", str(SCENARIO), "--backend", "anthropic"])
    assert result.exit_code == 2 and "ANTHROPIC_API_KEY" in result.output
    assert api.requests == []  # no silent fallback, nothing sent
