"""``dsadmin slack manifest``: the README's first Slack step prints the manifest the app is created from."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from agent.channels.cli.main import app


def test_slack_manifest_prints_the_packaged_manifest_with_the_readme_scopes():
    result = CliRunner().invoke(app, ["slack", "manifest"])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.stdout)
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {"app_mentions:read", "chat:write", "im:history", "im:read", "im:write", "users:read",
                      "users:read.email"}
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
