"""``dsadmin mcp`` as a real process over stdio, driven by the MCP SDK's own client.

One conversation crosses three processes: the MCP server (the admin's client), an approver's
``dsadmin approvals approve``, and the file-backed sandbox they share under one $DSADMIN_HOME.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio
import mcp_types as types
from mcp import Client, StdioServerParameters
from typer.testing import CliRunner

from agent.channels.cli.main import app

DSADMIN = str(Path(sys.executable).with_name("dsadmin"))


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "DSADMIN_HOME": str(home), "DSADMIN_FORBID_MODEL_REQUESTS": "1"}
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("DSADMIN_CONFIG", None)
    return env


def _dump(home: Path) -> dict:
    from tools.docusign.sandbox import Sandbox

    return Sandbox.open(home / "sandbox", fixture="acme").dump()


def test_a_purge_over_stdio_is_confirmed_by_the_person_then_approved_elsewhere(tmp_path):
    asked: list[str] = []

    async def elicit(ctx, params):
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"confirm": True})

    async def main():
        server = StdioServerParameters(command=DSADMIN, args=["mcp", "--as", "admin@acme.com"],
                                       env=_env(tmp_path))
        async with Client(server, elicitation_callback=elicit, read_timeout_seconds=60) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            read = await client.call_tool("list_account", {"operation": "organization"})
            purge = await client.call_tool("manage_user",
                                           {"operation": "purge", "email": "tom.baker@acme.com"})
            return names, read, purge

    names, read, purge = anyio.run(main)
    assert names == {"list_users", "manage_user", "list_account", "manage_account_membership", "bulk_users"}
    assert read.is_error is False and "Acme Legal" in read.content[0].text
    assert len(asked) == 1 and "tom.baker@acme.com" in asked[0]
    assert purge.structured_content["outcome"] == "pending_approval"
    assert any(u["email"] == "tom.baker@acme.com" for u in _dump(tmp_path)["users"])

    approval_id = purge.structured_content["approval_id"]
    approved = subprocess.run([DSADMIN, "approvals", "approve", approval_id, "--as", "approver@acme.com"],
                              env=_env(tmp_path), capture_output=True, text=True, timeout=120, check=False)
    assert approved.returncode == 0, approved.stderr
    assert not any(u["email"] == "tom.baker@acme.com" for u in _dump(tmp_path)["users"])


def test_as_is_refused_against_a_real_organization(tmp_path, monkeypatch):
    config = tmp_path / "dsadmin.yaml"
    config.write_text(
        "docusign:\n  integration_key: 00000000-0000-0000-0000-000000000000\n"
        "  user_id: 00000000-0000-0000-0000-000000000000\n  private_key_file: /nonexistent.pem\n"
        "people:\n  admins: [admin@acme.com]\n"
    )
    monkeypatch.setenv("DSADMIN_HOME", str(tmp_path))
    monkeypatch.setenv("DSADMIN_CONFIG", str(config))  # restored after the test, unlike --config
    result = CliRunner().invoke(app, ["mcp", "--as", "admin@acme.com"])
    assert result.exit_code == 2
    assert "only against the sandbox" in result.output and "dsadmin login" in result.output
    assert "Traceback" not in result.output


def test_a_malformed_identity_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DSADMIN_HOME", str(tmp_path))
    monkeypatch.delenv("DSADMIN_CONFIG", raising=False)
    result = CliRunner().invoke(app, ["mcp", "--as", "not-an-email"])
    assert result.exit_code == 2 and "not an email" in result.output
