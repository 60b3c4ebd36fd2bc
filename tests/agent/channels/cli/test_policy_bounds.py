"""``policy check`` on oversized free text: refused with the field named, or shown bounded (issue 14.9)."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from agent.channels.cli.policy import app
from policies import DEFAULT_POLICY_PATH


def _policy(tmp_path, **changes) -> str:
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text())
    data.update(changes)
    file = tmp_path / "policy.yaml"
    file.write_text(yaml.safe_dump(data, width=10**9))
    return str(file)


def test_a_200000_character_description_is_refused_naming_the_field(tmp_path):
    result = CliRunner().invoke(app, ["check", _policy(tmp_path, description="word " * 40_000)])
    assert result.exit_code == 1
    assert "description: String should have at most 2000 characters" in result.output
    assert "Traceback" not in result.output


def test_a_long_description_is_printed_as_written_and_cut(tmp_path):
    text = "[red]not markup[/red] " + "x" * 1900
    result = CliRunner().invoke(app, ["check", _policy(tmp_path, description=text)],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    flat = "".join(result.output.split())
    assert "[red]notmarkup[/red]" in flat and f"({len(text) - 500}morecharacters)" in flat
    assert "x" * 600 not in flat


def test_too_many_names_in_a_list_are_refused(tmp_path):
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text())
    data["constraints"]["accounts"] = [f"Account {i}" for i in range(501)]
    file = tmp_path / "many.yaml"
    file.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["check", str(file)])
    assert result.exit_code == 1 and "constraints.accounts" in result.output
