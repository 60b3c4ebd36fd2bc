"""``dsadmin config check``'s model step, against the Models API of the loopback fake."""

from __future__ import annotations

import pytest
from fake_messages_api import FakeMessagesAPI, model_info
from typer.testing import CliRunner

from agent.channels.cli.main import app
from agent.config import embedded_default
from agent.model_check import run_model_check


def _config(base_url: str, **model):
    config = embedded_default()
    config.model = config.model.model_copy(update={"provider": "anthropic", "base_url": base_url, **model})
    return config


def _check(config) -> tuple[bool, str]:
    lines: list[str] = []
    ok = run_model_check(config, out=lines.append)
    return ok, "\n".join(lines)


@pytest.fixture
def api_key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-real-key")


def test_the_default_model_is_found_with_its_settings(api_key):
    with FakeMessagesAPI([]) as api:
        ok, text = _check(_config(api.base_url))
    assert ok, text
    assert "✓ model claude-sonnet-5-5 (Claude Sonnet 5.5) is available" in text
    assert "✓ effort medium, thinking model_default" in text
    assert api.model_requests == ["/v1/models/claude-sonnet-5-5"] and api.requests == []


def test_a_retired_model_names_the_newest_sonnet(api_key):
    with FakeMessagesAPI([]) as api:
        ok, text = _check(_config(api.base_url, name="claude-sonnet-4-5"))
    assert not ok
    assert "'claude-sonnet-4-5' is not a model this API key can use" in text
    assert "set model.name: claude-sonnet-5-5" in text


def test_an_unknown_model_lists_the_available_ones(api_key):
    newest = model_info("claude-sonnet-6", "sonnet", "2026-11-20T00:00:00Z")
    with FakeMessagesAPI([], models=[*FakeMessagesAPI([]).models, newest]) as api:
        ok, text = _check(_config(api.base_url, name="claude-sonet-5-5"))
    assert not ok and "Available: claude-sonnet-5-5, claude-opus-5-5" in text
    assert "the newest Sonnet is claude-sonnet-6" in text  # by release date, from the line field


def test_an_effort_the_model_does_not_take_is_named(api_key):
    with FakeMessagesAPI([]) as api:
        ok, text = _check(_config(api.base_url, effort="xhigh"))
    assert not ok
    assert "model.effort 'xhigh' is not accepted by claude-sonnet-5-5; use one of low, medium" in text


def test_anthropic_without_a_key_fails_the_check():
    ok, text = _check(_config("http://127.0.0.1:9"))
    assert not ok and "ANTHROPIC_API_KEY is not set" in text


def test_the_offline_backend_needs_no_model_check():
    ok, text = _check(embedded_default())
    assert ok and "offline backend" in text


def test_config_check_command_fails_on_a_retired_model(api_key, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with FakeMessagesAPI([]) as api:
        (tmp_path / "dsadmin.yaml").write_text(
            f"model:\n  provider: anthropic\n  name: claude-sonnet-4-5\n  base_url: {api.base_url}\n"
            "people:\n  admins: [admin@acme.com]\n"
        )
        result = CliRunner().invoke(app, ["config", "check"])
    assert result.exit_code == 1, result.output
    assert "✓ organization" in result.output  # the DocuSign steps still ran and passed
    assert result.output.rstrip().endswith("fix the ✗ lines above")
    assert "set model.name: claude-sonnet-5-5" in result.output
