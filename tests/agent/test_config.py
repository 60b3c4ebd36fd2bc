"""Every DocuSign configuration mistake gets a message naming the field and the fix."""

from __future__ import annotations

import pytest

from agent.config import ConfigError, load_config, parse_config

GUID = "9a8b7c6d-1111-4222-8333-444455556666"
GOOD = {"integration_key": "7d1b8f7e-1111-4222-8333-444455556666", "user_id": GUID}


def problem(docusign: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config({"docusign": docusign}, "dsadmin.yaml")
    return str(caught.value)


def test_a_good_section_loads_with_production_defaults():
    config = parse_config({"docusign": GOOD}, "dsadmin.yaml")
    assert config.docusign.environment == "production"
    assert config.docusign.oauth_url == "https://account.docusign.com"
    assert config.docusign.admin_url == "https://api.docusign.net/Management"


def test_sandbox_urls_are_accepted():
    config = parse_config(
        {
            "docusign": {
                **GOOD,
                "oauth_base_url": "http://127.0.0.1:8099",
                "admin_base_url": "http://127.0.0.1:8099/Management",
            }
        },
        "dsadmin.yaml",
    )
    assert config.docusign.admin_url == "http://127.0.0.1:8099/Management"


def test_unknown_environment():
    msg = problem({**GOOD, "environment": "staging"})
    assert "docusign.environment" in msg and "'production' or 'demo'" in msg


@pytest.mark.parametrize(
    "field, url, env",
    [
        ("oauth_base_url", "https://account.docusign.com", "demo"),
        ("admin_base_url", "https://api.docusign.net/Management", "demo"),
        ("admin_base_url", "https://na3.docusign.net/Management", "demo"),
        ("oauth_base_url", "https://account-d.docusign.com", "production"),
        ("admin_base_url", "https://demo.docusign.net/Management", "production"),
    ],
)
def test_credentials_against_the_other_environments_hosts(field, url, env):
    msg = problem({**GOOD, "environment": env, field: url})
    assert field in msg and f"environment is '{env}'" in msg and "set environment" in msg


def test_esignature_base_path_is_not_the_admin_api():
    msg = problem({**GOOD, "admin_base_url": "https://na3.docusign.net/restapi"})
    assert "admin_base_url" in msg and "/Management" in msg and "eSignature" in msg


def test_missing_integration_key_says_where_to_find_it():
    msg = problem({"user_id": GUID})
    assert "docusign.integration_key: required" in msg and "Apps and Keys" in msg


@pytest.mark.parametrize("field", ["user_id", "account_id", "organization_id"])
def test_ids_must_be_guids(field):
    msg = problem({**GOOD, field: "EMEA"})
    assert f"docusign.{field}" in msg and "'EMEA' is not a GUID" in msg


def test_an_inline_key_is_an_unknown_setting():
    msg = problem({**GOOD, "private_key": "-----BEGIN RSA PRIVATE KEY-----"})
    assert "docusign.private_key: unknown setting" in msg


def test_no_key_at_all():
    config = parse_config({"docusign": GOOD}, "dsadmin.yaml")
    with pytest.raises(ConfigError, match=r"private_key_file.*DSADMIN_PRIVATE_KEY"):
        config.docusign.private_key_pem()


def test_missing_key_file(tmp_path):
    config = parse_config({"docusign": {**GOOD, "private_key_file": str(tmp_path / "nope.pem")}}, "x")
    with pytest.raises(ConfigError) as caught:
        config.docusign.private_key_pem()
    assert "docusign.private_key_file" in str(caught.value) and "nope.pem does not exist" in str(caught.value)


def test_pem_pasted_without_its_begin_end_lines(monkeypatch):
    monkeypatch.setenv("DSADMIN_PRIVATE_KEY", "MIIEpAIBAAKCAQEAx1y2...")
    config = parse_config({"docusign": GOOD}, "x")
    with pytest.raises(ConfigError) as caught:
        config.docusign.private_key_pem()
    assert "DSADMIN_PRIVATE_KEY" in str(caught.value) and "BEGIN" in str(caught.value)


def test_public_key_instead_of_private(tmp_path):
    key = tmp_path / "public.pem"
    key.write_text("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n")
    config = parse_config({"docusign": {**GOOD, "private_key_file": str(key)}}, "x")
    with pytest.raises(ConfigError, match="public key"):
        config.docusign.private_key_pem()


def test_key_file_is_read(tmp_path):
    key = tmp_path / "k.pem"
    key.write_text("-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----")
    config = parse_config({"docusign": {**GOOD, "private_key_file": str(key)}}, "x")
    assert config.docusign.private_key_pem().startswith("-----BEGIN RSA PRIVATE KEY-----")


def test_missing_config_file_names_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "absent.yaml")


# --- `dsadmin config check`: the JWT path, step by step, against the sandbox ------------------------


@pytest.fixture
def sandbox_config(tmp_path):
    """A docusign section pointing at the sandbox's demo integration, and the sandbox itself."""
    from tools.docusign.sandbox import SANDBOX_ADMIN_URL, SANDBOX_OAUTH_URL, Sandbox

    sb = Sandbox.from_fixture("acme")
    integration_key, user_id, pem, _ = sb.demo_integration
    key = tmp_path / "demo.pem"
    key.write_text(pem)
    section = {
        "integration_key": integration_key,
        "user_id": user_id,
        "private_key_file": str(key),
        "oauth_base_url": SANDBOX_OAUTH_URL,
        "admin_base_url": SANDBOX_ADMIN_URL,
    }
    return sb, section


def check(section: dict, transport) -> tuple[bool, str]:
    from agent.channels.cli.config import run_check

    lines: list[str] = []
    ok = run_check(parse_config({"docusign": section}, "dsadmin.yaml"), transport=transport, out=lines.append)
    return ok, "\n".join(lines)


def test_check_passes_against_a_working_integration(sandbox_config):
    sb, section = sandbox_config
    ok, text = check({**section, "organization_id": sb.organization_id}, sb.transport())
    assert ok, text
    assert "✓ JWT assertion signed" in text and "✓ access token" in text
    assert "✓ organization 'Acme Corp'" in text and text.endswith("✓ configuration works")
    assert "BEGIN" not in text and "sbx1." not in text  # no key, no token in the output


def test_check_explains_consent_required_with_the_url(sandbox_config):
    sb, section = sandbox_config
    sb.set_consent(section["integration_key"], "admin@acme.com", granted=False)
    ok, text = check(section, sb.transport())
    assert not ok and "consent_required" in text
    assert f"{section['oauth_base_url']}/oauth/auth?response_type=code" in text
    assert f"client_id={section['integration_key']}" in text


def test_check_explains_a_wrong_key(sandbox_config, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    sb, section = sandbox_config
    other = tmp_path / "other.pem"
    other.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    ok, text = check({**section, "private_key_file": str(other)}, sb.transport())
    assert not ok and "invalid_grant" in text and "registered for the integration key" in text


@pytest.mark.parametrize("answer", ["forbidden", "empty"])
def test_check_explains_a_plan_without_the_admin_api(sandbox_config, answer):
    import httpx

    sb, section = sandbox_config
    real = sb.transport()

    def admin_api_off(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/oauth"):
            return real.handle_request(request)
        if answer == "forbidden":
            return httpx.Response(
                403, json={"error": "user_lacks_permissions", "error_description": "no org"}
            )
        return httpx.Response(200, json={"organizations": []})

    ok, text = check(section, httpx.MockTransport(admin_api_off))
    assert not ok and "your plan does not include the Admin API" in text


def test_check_refuses_an_organization_id_the_user_does_not_administer(sandbox_config):
    sb, section = sandbox_config
    ok, text = check({**section, "organization_id": "00000000-0000-4000-8000-000000000000"}, sb.transport())
    assert not ok and "docusign.organization_id 00000000-0000-4000-8000-000000000000 is not among" in text


def test_check_names_a_missing_key_without_sending_anything(sandbox_config):
    sb, section = sandbox_config
    ok, text = check({k: v for k, v in section.items() if k != "private_key_file"}, sb.transport())
    assert not ok and "docusign.private_key_file: no private key" in text and sb.requests == []


def test_cli_check_and_consent_url_on_the_embedded_default(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from agent.channels.cli.main import app

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 0, result.output
    assert "embedded sandbox" in result.output and "✓ configuration works" in result.output

    config = tmp_path / "dsadmin.yaml"
    config.write_text(
        f"docusign:\n  integration_key: {GOOD['integration_key']}\n  user_id: {GUID}\n  environment: demo\n"
        "people:\n  admins: [admin@acme.com]\n"
    )
    result = runner.invoke(app, ["consent-url"])
    assert result.exit_code == 0
    assert result.output.strip().startswith(
        "https://account-d.docusign.com/oauth/auth?response_type=code&scope="
    )


def test_a_folder_given_as_the_configuration_is_named_as_a_folder(tmp_path):
    """`--config ~/dsadmin` (the folder the file is in) used to be told 'no such configuration file'."""
    with pytest.raises(ConfigError, match="is a directory, not a configuration file; give the file's path"):
        load_config(tmp_path)
