"""``config check`` checks what other commands will open; ``ask`` fails when DocuSign is unreachable."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.channels.cli.main import app


@pytest.fixture
def dsadmin(tmp_path, monkeypatch):
    monkeypatch.setenv("DSADMIN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DSADMIN_CONFIG", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    runner = CliRunner()

    def run(config_text: str, *args: str):
        path = tmp_path / "dsadmin.yaml"
        path.write_text(PEOPLE + config_text)
        return runner.invoke(app, ["--config", str(path), *args])

    return run


PEOPLE = "people:\n  admins: [admin@acme.com]\n  employees: ['@acme.com']\n"


def _binary(tmp_path: Path) -> Path:
    path = tmp_path / "policy.bin"
    path.write_bytes(bytes(range(256)))
    return path


BROKEN = {
    "malformed store url": ("store:\n  url: notaurl\n", "store.url"),
    "unreachable store": ("store:\n  url: postgresql+psycopg://nobody@127.0.0.1:1/x\n", "cannot connect"),
    "sqlite under a file": ("store:\n  url: sqlite:////etc/hostname/dsadmin.db\n", "store.url"),
    "missing policy": ("policy:\n  path: /nonexistent/policy.yaml\n", "fix policy.path"),
    "binary policy": ("policy:\n  path: {binary}\n", "binary file"),
    "scripted without a script": ("model:\n  provider: scripted\n", "needs a script"),
    "scripted with a missing script": ("model:\n  provider: scripted\n  script: /nonexistent.yaml\n",
                                       "no such script"),
    "anthropic without a key": ("model:\n  provider: anthropic\n", "ANTHROPIC_API_KEY"),
    "unknown sandbox fixture": ("sandbox:\n  fixture: nope\n", "sandbox.fixture"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_config_check_refuses_a_configuration_other_commands_could_not_use(dsadmin, tmp_path, case):
    text, named = BROKEN[case]
    result = dsadmin(text.format(binary=_binary(tmp_path)), "config", "check")
    assert result.exit_code == 1, result.output
    assert "✓ configuration works" not in result.output
    assert named in result.output and "✗" in result.output
    assert "Traceback" not in result.output


def test_config_check_passes_the_embedded_default_and_reports_each_section(dsadmin):
    result = dsadmin("", "config", "check")
    assert result.exit_code == 0, result.output
    for found in ("✓ store sqlite", "✓ policy", "✓ model: offline", "✓ sandbox fixture 'acme'"):
        assert found in result.output
    assert result.output.rstrip().endswith("✓ configuration works")


def test_ask_against_an_unreachable_docusign_exits_1_and_says_so(dsadmin, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = tmp_path / "key.pem"
    key.write_bytes(rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()))
    config = (
        "docusign:\n  integration_key: abc\n  user_id: 11111111-2222-3333-4444-555555555555\n"
        f"  private_key_file: {key}\n  environment: demo\n"
        "  oauth_base_url: http://127.0.0.1:9\n  admin_base_url: http://127.0.0.1:9/Management\n"
    )
    # against a real organization the person is the signed-in one (here: the OS account, mapped)
    mapped = f"  os_users: {{{getpass.getuser()}: admin@acme.com}}\n"  # continues PEOPLE's section
    result = dsadmin(mapped + config, "ask", "list users on EMEA")
    assert result.exit_code == 1, result.output
    assert "could not be reached" in result.output and "DocuSign refused" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("people", ["", "people:\n  admins: []\n", "people: {}\n"])
@pytest.mark.parametrize("command", [["config", "check"], ["ask", "--as", "admin@acme.com", "list users"],
                                     ["approvals", "list"], ["audit", "tail"], ["policy", "check"]])
def test_a_configuration_file_without_people_is_refused_by_every_command(tmp_path, monkeypatch, people,
                                                                         command):
    """Fails closed: only the embedded default (no file at all) lends the sandbox's own people."""
    monkeypatch.setenv("DSADMIN_HOME", str(tmp_path / "home"))
    path = tmp_path / "dsadmin.yaml"
    path.write_text("model:\n  provider: offline\n" + people)
    result = CliRunner().invoke(app, ["--config", str(path), *command])
    assert result.exit_code in (1, 2), result.output
    assert "people" in result.output and "admins:" in result.output  # names the section to add
    assert not (tmp_path / "home" / "dsadmin.db").exists()  # nothing was opened or written
