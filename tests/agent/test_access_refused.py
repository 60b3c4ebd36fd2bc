"""``ask`` exits 1 when DocuSign refused the request for consent or access, with the fix to make."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from agent.channels.cli.main import app

PENDING = "Who is still pending?"


def _sandbox(home):
    from tools.docusign.sandbox import Sandbox

    return Sandbox.open(home / "sandbox", fixture="acme")


def test_ask_without_consent_exits_1_and_says_how_to_grant_it(_isolated_home):
    from tools.docusign.sandbox._demo import DEMO_INTEGRATION_KEY

    sandbox = _sandbox(_isolated_home)
    sandbox.set_consent(DEMO_INTEGRATION_KEY, "admin@acme.com", granted=False)
    before = sandbox.dump()
    result = CliRunner().invoke(app, ["ask", "--json", "--as", "admin@acme.com", PENDING])
    assert result.exit_code == 1, result.output
    reply = json.loads(result.stdout)
    assert "run `dsadmin consent-url`" in reply["reply"] and reply["outcome"] == "error"
    assert _sandbox(_isolated_home).dump() == before
    assert "Traceback" not in result.output


def test_ask_refused_with_403_exits_1_with_the_plan_hint(_isolated_home, monkeypatch):
    from agent import runtime
    from agent.channels.cli.config import PLAN_HINT

    sandbox = _sandbox(_isolated_home)
    sandbox.fail_next(50, status=403)
    monkeypatch.setattr(runtime, "open_sandbox", lambda config: sandbox)
    result = CliRunner().invoke(app, ["ask", "--as", "admin@acme.com", PENDING])
    assert result.exit_code == 1, result.output
    assert f"DocuSign refused access (HTTP 403): {PLAN_HINT}" in result.stdout


def test_ask_that_docusign_answers_still_exits_0(_isolated_home):
    result = CliRunner().invoke(app, ["ask", "--as", "admin@acme.com", PENDING])
    assert result.exit_code == 0, result.output
    assert "HTTP 403" not in result.stdout and "consent-url" not in result.stdout
