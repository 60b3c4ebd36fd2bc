"""Who a CLI command runs as: `--as` only on the sandbox, `dsadmin login` (device sign-in), or the
OS account mapped in people.os_users; and `approvals show` reads only what that person may see."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from service_stack import running_service
from typer.testing import CliRunner

from agent.channels.cli.main import app

GUID = "0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f"


def _live_config(tmp_path: Path, monkeypatch, **people) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    monkeypatch.setenv("DSADMIN_PRIVATE_KEY", key.decode())
    path = tmp_path / "live.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "docusign": {
                    "integration_key": "7d1b8f7e-1111-4222-8333-444455556666",
                    "user_id": GUID,
                    "organization_id": GUID,
                },
                "store": {"url": f"sqlite:///{tmp_path / 'live.db'}"},
                "people": {"admins": ["admin@acme.com"], "employees": ["@acme.com"], **people},
            }
        )
    )
    return path


def test_as_is_refused_against_a_real_organization_and_says_how_to_sign_in(tmp_path, monkeypatch):
    config = _live_config(tmp_path, monkeypatch)
    result = CliRunner().invoke(
        app, ["--config", str(config), "approvals", "show", "apr_x", "--as", "admin@acme.com"]
    )
    assert result.exit_code == 2
    assert "--as is accepted only against the sandbox" in result.output and "dsadmin login" in result.output
    unsigned = CliRunner().invoke(
        app, ["--config", str(config), "approvals", "list", "--as", "admin@acme.com"]
    )
    assert unsigned.exit_code == 2


def test_without_a_sign_in_a_real_organization_refuses(tmp_path, monkeypatch):
    config = _live_config(tmp_path, monkeypatch)
    result = CliRunner().invoke(app, ["--config", str(config), "approvals", "show", "apr_x"])
    assert result.exit_code == 2 and "not signed in" in result.output


def test_os_users_stand_in_for_a_sign_in(tmp_path, monkeypatch):
    config = _live_config(tmp_path, monkeypatch, os_users={getpass.getuser(): "jane.smith@acme.com"})
    result = CliRunner().invoke(app, ["--config", str(config), "approvals", "show", "apr_x"])
    assert result.exit_code == 1 and "that jane.smith@acme.com may see" in result.output


def test_approvals_show_is_scoped_to_requester_approvers_and_admins(tmp_path):
    runner = CliRunner()
    asked = runner.invoke(
        app, ["ask", "--as", "sam.lee@acme.com", "--json", "Please give me a DocuSign Viewer seat on EMEA"]
    )
    approval_id = json.loads(asked.output)["approval_id"]
    for email, code in (
        ("sam.lee@acme.com", 0),
        ("approver@acme.com", 0),
        ("admin@acme.com", 0),
        ("jane.smith@acme.com", 1),
    ):
        shown = runner.invoke(app, ["approvals", "show", approval_id, "--as", email, "--json"])
        assert shown.exit_code == code, (email, shown.output)
        if code == 0:
            assert json.loads(shown.output)["requester"] == "sam.lee@acme.com"
        else:
            assert "may see" in shown.output and "EMEA" not in shown.output


def test_login_with_the_device_grant_caches_the_identity_0600(tmp_path):
    from agent.channels.identity import login_cache

    with running_service(tmp_path) as svc:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from agent.channels.cli.main import main; main()",
                "login",
                "--issuer",
                f"{svc.base}/idp",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        try:
            opened = proc.stdout.readline()
            code_line = proc.stdout.readline()
            assert opened.startswith(f"Open {svc.base}/idp/device?user_code="), opened
            user_code = code_line.split("code ", 1)[1].split(".", 1)[0]
            page = svc.http.get(f"{svc.base}/idp/device", params={"user_code": user_code})
            assert "sam.lee@acme.com" in page.text
            answer = svc.http.post(
                f"{svc.base}/idp/device", data={"user_code": user_code, "email": "sam.lee@acme.com"}
            )
            assert answer.status_code == 200
            out, _ = proc.communicate(timeout=60)
        finally:
            proc.kill()
        assert proc.returncode == 0, out
        assert "Signed in as sam.lee@acme.com" in out
    assert login_cache().stat().st_mode & 0o777 == 0o600
    asked = CliRunner().invoke(app, ["ask", "--json", "Please give me a DocuSign Viewer seat on EMEA"])
    approval_id = json.loads(asked.output)["approval_id"]
    shown = CliRunner().invoke(app, ["approvals", "show", approval_id, "--json"])
    assert (
        json.loads(shown.output)["requester"] == "sam.lee@acme.com"
    )  # the signed-in person, not the default


def test_a_declined_device_sign_in_fails_and_caches_nothing(tmp_path):
    from agent.channels.identity import login_cache
    from agent.channels.oidc import AuthError, OIDCClient

    with running_service(tmp_path) as svc:
        client = OIDCClient(f"{svc.base}/idp", "dsadmin")
        grant = client.start_device()
        assert client.poll_device(grant["device_code"]) is None  # pending
        svc.http.post(f"{svc.base}/idp/device", data={"user_code": grant["user_code"], "email": ""})
        time.sleep(0.1)
        with pytest.raises(AuthError, match="declined"):
            client.poll_device(grant["device_code"])
    assert not login_cache().exists()


def test_approvals_list_without_as_shows_a_signed_in_employee_only_their_own(tmp_path, monkeypatch):
    from agent.channels import identity

    runner = CliRunner()
    runner.invoke(app, ["ask", "--as", "sam.lee@acme.com", "Please give me a DocuSign Viewer seat on EMEA"])
    monkeypatch.setattr(identity, "signed_in_email", lambda: "jane.smith@acme.com")
    listed = runner.invoke(app, ["approvals", "list", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.output) == []
    monkeypatch.setattr(identity, "signed_in_email", lambda: "admin@acme.com")
    assert len(json.loads(runner.invoke(app, ["approvals", "list", "--json"]).output)) == 1


def test_config_check_says_how_people_are_identified(tmp_path, monkeypatch):
    from agent.channels.identity import identity_notes
    from agent.config import load_config

    config = load_config(_live_config(tmp_path, monkeypatch, os_users={"jdoe": "jane.smith@acme.com"}))
    notes = "\n".join(identity_notes(config))
    assert "no identity provider" in notes and "as strong as this machine's own login" in notes
    result = CliRunner().invoke(app, ["config", "check"])
    assert "the sandbox's own identity provider" in result.output
