"""``reply_excludes``, ``calls`` and ``if_pending`` on the real agent: each key must be able to fail.

The scripted backend proposes exactly the calls a test names, so "a denied write still fails
no_writes" is tested with a write the gate really denies; the offline planner shows the same on
an ordinary request. The runner's rule for a conditional confirm turn is tested with both paths:
nothing pending (skipped) and something pending (answered).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from agent.channels.cli.main import app
from evals.runner import TurnResult, run_trial
from evals.scenario import ScenarioError, parse_scenario

VIEWER_ON_EMEA = "Change john.doe@acme.com to DocuSign Viewer on EMEA"


def _eval(*args: str):
    return CliRunner().invoke(app, ["eval", *args])


def _write(folder: Path, name: str, data: dict) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _one(path: Path, *extra: str) -> dict:
    result = _eval(str(path), "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["results"][0]


def _admin(say: str, expect: dict) -> dict:
    return {"id": "t", "tags": ["admin"], "actor": "admin@acme.com", "turns": [{"say": say}],
            "expect": expect}


def test_no_writes_fails_when_the_agent_writes(tmp_path):
    path = _write(tmp_path, "w", _admin(VIEWER_ON_EMEA, {"calls": {"no_writes": True}}))
    result = _one(path)
    assert result["passes"] == 0
    assert any(f.startswith("calls.no_writes:") and "manage_account_membership" in f
               for f in result["failures"])


def test_no_writes_passes_on_a_read(tmp_path):
    calls = {"no_writes": True, "actions": ["list_users"]}
    path = _write(tmp_path, "r", _admin("List the users on EMEA", {"unchanged": True, "calls": calls}))
    result = _one(path)
    assert result["passes"] == 1, result["failures"]


def test_actions_fails_when_the_action_was_never_proposed(tmp_path):
    path = _write(tmp_path, "a", _admin(VIEWER_ON_EMEA, {"calls": {"actions": ["list_users"]}}))
    result = _one(path)
    assert result["passes"] == 0
    assert any("calls.actions: list_users was never proposed" in f and "manage_account_membership" in f
               for f in result["failures"])


def test_reply_excludes_fails_when_the_reply_holds_the_string(tmp_path):
    """A listing of every user names people an answer about one user would not."""
    path = _write(tmp_path, "x", _admin("List every user in the org", {"reply_excludes": ["KIM.TAYLOR@"]}))
    result = _one(path)
    assert result["passes"] == 0
    assert result["failures"] == ["reply_excludes: the last reply contains 'KIM.TAYLOR@'"]


def test_a_write_the_gate_denies_still_fails_no_writes(tmp_path):
    """The sandbox is unchanged and the outcome is a refusal, yet a write was proposed."""
    scenarios, scripts = tmp_path / "scenarios", tmp_path / "scripts"
    _write(scenarios, "q", {"id": "q", "tags": ["employee"], "actor": "sam.lee@acme.com",
                            "turns": [{"say": "Am I an admin on Acme Main?"}],
                            "expect": {"unchanged": True, "calls": {"no_writes": True}}})
    _write(scripts, "q", {"turns": [
        {"tool_calls": [{"action": "manage_account_membership", "args": {
            "operation": "change_permission_profile", "email": "jane.smith@acme.com", "account": "Acme Main",
            "permission_profile": "DocuSign Viewer"}}]},
        {"text": "Done."}]})
    result = _one(scenarios, "--backend", "scripted", "--scripts", str(scripts))
    assert result["passes"] == 0
    assert result["failures"] == [
        "calls.no_writes: the agent proposed 1 write call(s) (manage_account_membership)"]



@pytest.mark.parametrize(("turns", "expected_outcome"), [
    # nothing pending: the conditional confirm is skipped, the outcome stays the say turn's
    ([{"say": "List the users on EMEA"}, {"confirm": True, "if_pending": True}], "done"),
    # something pending: the conditional confirm is answered like any other
    ([{"say": "Purge omar.haddad@acme.com"}, {"confirm": True, "if_pending": True}], "pending_approval"),
])
def test_if_pending_confirm_turns(tmp_path, turns, expected_outcome):
    path = _write(tmp_path, "c", {"id": "c", "actor": "admin@acme.com", "turns": turns,
                                  "expect": {"outcome": expected_outcome}})
    result = _one(path)
    assert result["passes"] == 1, result["failures"]


def test_without_if_pending_a_confirm_with_nothing_pending_ends_error(tmp_path):
    path = _write(tmp_path, "e", {"id": "e", "actor": "admin@acme.com",
                                  "turns": [{"say": "List the users on EMEA"}, {"confirm": True}],
                                  "expect": {"outcome": "done"}})
    result = _one(path)
    assert result["failures"] == ["outcome: the last turn ended 'error', expected 'done'"]


class _Scripted:
    """A stand-in session whose say turns report the given proposed actions."""

    name = "stand-in"

    def __init__(self, actions):
        self.actions = actions

    def start(self, scenario, sandbox, store_url):
        return self

    def say(self, text):
        return TurnResult(outcome="done", text="ok", actions=list(self.actions))

    def confirm(self, accept):
        return TurnResult(outcome="error", text="nothing pending", nothing_pending=True)

    approve = deny = confirm

    def close(self):
        pass


def test_calls_are_collected_over_every_turn():
    s = parse_scenario({"id": "t", "actor": "admin@acme.com", "turns": [{"say": "a"}, {"say": "b"}],
                        "expect": {"calls": {"actions": ["list_users"], "no_writes": True}}}, "t.yaml")
    assert run_trial(s, _Scripted(["list_users"])).passed
    failing = run_trial(s, _Scripted(["list_users", "manage_user"]))
    assert failing.verdict.failures == ["calls.no_writes: the agent proposed 2 write call(s) (manage_user)"]


@pytest.mark.parametrize(("expect", "turns", "phrase"), [
    ({"calls": {"no_write": True}}, [{"say": "x"}], "expect.calls.no_write"),
    ({"calls": {"actions": ["delete_user"]}}, [{"say": "x"}], "expect.calls.actions.0"),
    ({"reply_excludes": [" "]}, [{"say": "x"}], "empty string"),
    ({}, [{"say": "x", "if_pending": True}], "if_pending applies to confirm"),
])
def test_the_new_keys_are_strict(expect, turns, phrase):
    with pytest.raises(ScenarioError, match=phrase.replace(".", r"\.")):
        parse_scenario({"id": "t", "actor": "admin@acme.com", "turns": turns, "expect": expect}, "t.yaml")
