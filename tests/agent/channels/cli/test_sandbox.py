"""The benchmark-org generator and the ``dsadmin sandbox`` commands."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from agent.channels.cli.sandbox import app
from tools.docusign.sandbox import Sandbox
from tools.docusign.sandbox.generate import generate_org


def test_generator_is_deterministic_and_realistic():
    data = generate_org(2_000, seed=1)
    assert data == generate_org(2_000, seed=1)
    sb = Sandbox.from_fixture(data)
    dump = sb.dump()
    assert len(dump["users"]) == 2_000
    statuses = {m["status"] for u in dump["users"] for m in u["memberships"].values()}
    assert statuses == {"active", "activation_required", "activation_sent", "closed", "disabled"}
    assert sum(len(u["memberships"]) > 1 for u in dump["users"]) > 100
    assert dump["users"][0]["email"] == "admin@acme.com"


def test_cli_reset_dump_token(tmp_path):
    runner = CliRunner()
    state = ["--state-dir", str(tmp_path)]
    result = runner.invoke(app, ["reset", *state])
    assert result.exit_code == 0, result.output
    assert "42 users" in result.output
    as_yaml = yaml.safe_load(runner.invoke(app, ["dump", *state]).output)
    as_json = json.loads(runner.invoke(app, ["dump", "--json", *state]).output)
    assert as_yaml == as_json and as_json["organization"]["name"] == "Acme Corp"
    bad = runner.invoke(app, ["reset", "--fixture", "nonesuch", *state])
    assert bad.exit_code == 1 and "no fixture named 'nonesuch'" in bad.output


def test_cli_token_is_accepted_by_the_file_backed_sandbox(_isolated_home):
    import httpx

    from tools.docusign.sandbox import SANDBOX_ADMIN_URL

    result = CliRunner().invoke(app, ["token"])
    assert result.exit_code == 0, result.output
    sb = Sandbox.open(_isolated_home / "sandbox")
    api = httpx.Client(
        transport=sb.transport(),
        base_url=SANDBOX_ADMIN_URL,
        headers={"Authorization": f"Bearer {result.output.strip()}"},
    )
    assert api.get("/v2/organizations").status_code == 200
    unknown = CliRunner().invoke(app, ["token", "--email", "maya.chen@acme.com"])
    assert unknown.exit_code == 1


def test_cli_reset_with_a_generated_org(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["reset", "--users", "500", "--state-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(Sandbox.open(tmp_path).dump()["users"]) == 500
    assert runner.invoke(app, ["reset", "--users", "1", "--state-dir", str(tmp_path)]).exit_code == 2
