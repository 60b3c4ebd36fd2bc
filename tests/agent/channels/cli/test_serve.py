"""The service's commands: serve, tokens, notify run, sandbox idp-token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx
from test_identity import _live_config
from typer.testing import CliRunner

from agent.channels.cli.main import app


def _token_secret(output: str) -> tuple[str, str]:
    first = output.splitlines()[0]
    return first.split()[0], first.rsplit(": ", 1)[1]


def test_admins_mint_list_and_revoke_api_tokens():
    from agent.channels import credentials
    from agent.config import load_config
    from agent.runtime import build_runtime

    runner = CliRunner()
    created = runner.invoke(
        app, ["tokens", "create", "--for", "sam.lee@acme.com", "--name", "ci", "--as", "admin@acme.com"]
    )
    assert created.exit_code == 0, created.output
    token_id, secret = _token_secret(created.output)
    listed = runner.invoke(app, ["tokens", "list", "--json", "--as", "admin@acme.com"])
    assert [(t["id"], t["state"]) for t in json.loads(listed.output)] == [(token_id, "active")]
    assert secret not in listed.output
    rt = build_runtime(load_config())
    try:
        assert credentials.token_owner(rt.engine, secret) == "sam.lee@acme.com"
        assert runner.invoke(app, ["tokens", "revoke", token_id, "--as", "admin@acme.com"]).exit_code == 0
        assert credentials.token_owner(rt.engine, secret) is None
    finally:
        rt.close()
    assert runner.invoke(app, ["tokens", "revoke", token_id, "--as", "admin@acme.com"]).exit_code == 1
    assert "revoked" in runner.invoke(app, ["tokens", "list", "--as", "admin@acme.com"]).output


def test_only_admins_manage_tokens_and_bad_input_is_a_usage_error():
    runner = CliRunner()
    refused = runner.invoke(
        app, ["tokens", "create", "--for", "sam.lee@acme.com", "--as", "sam.lee@acme.com"]
    )
    assert refused.exit_code == 1 and "not an admin" in refused.output
    bad = runner.invoke(app, ["tokens", "create", "--for", "not-an-email", "--as", "admin@acme.com"])
    assert bad.exit_code == 2 and "not an email" in bad.output
    assert "No API tokens" in runner.invoke(app, ["tokens", "list"]).output


def test_idp_token_prints_a_token_the_service_accepts(service):
    runner = CliRunner()
    printed = runner.invoke(
        app, ["sandbox", "idp-token", "--as", "approver@acme.com", "--issuer", f"{service.base}/idp"]
    )
    assert printed.exit_code == 0
    headers = {"Authorization": f"Bearer {printed.output.strip()}"}
    assert service.http.get(f"{service.base}/api/v1/approvals", headers=headers).status_code == 200
    stranger = runner.invoke(app, ["sandbox", "idp-token", "--as", "mallory@evil.example"])
    assert stranger.exit_code == 1 and "not one of the sandbox organization's people" in stranger.output


def test_notify_run_delivers_what_is_due():
    runner = CliRunner()
    runner.invoke(app, ["ask", "--as", "sam.lee@acme.com", "Please give me a DocuSign Viewer seat on EMEA"])
    first = runner.invoke(app, ["notify", "run"])
    assert first.exit_code == 0 and first.output.startswith("sent 1,")
    assert runner.invoke(app, ["notify", "run"]).output.startswith("sent 0,")


def test_serve_refuses_a_real_organization_without_an_identity_provider(tmp_path, monkeypatch):
    config = _live_config(tmp_path, monkeypatch)
    result = CliRunner().invoke(app, ["--config", str(config), "serve", "--port", "1"])
    assert result.exit_code == 1 and "auth.oidc" in result.output


def test_dsadmin_serve_runs_with_no_configuration():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.channels.cli", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ),
    )
    try:
        deadline = time.monotonic() + 180  # a loaded CI machine can take a minute to start it
        while True:
            try:
                doc = httpx.get(f"http://127.0.0.1:{port}/idp/.well-known/openid-configuration", timeout=2)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()  # before reading its output, which would wait for a live server forever
                    raise AssertionError(f"dsadmin serve did not answer: {proc.communicate()[0]}") from None
                time.sleep(0.2)
        assert doc.json()["issuer"] == f"http://127.0.0.1:{port}/idp"
        assert httpx.get(f"http://127.0.0.1:{port}/chat").status_code == 303
    finally:
        proc.terminate()
        proc.wait(timeout=30)
