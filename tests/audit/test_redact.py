"""Secrets never reach the audit table or an export; PII can be pseudonymised for exports."""

from __future__ import annotations

import base64
import io
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from audit import AuditLog, open_store
from audit.redact import REDACTED, is_secret_key, pseudonym, redact, redact_pii, redact_text


@pytest.fixture(scope="module")
def secrets() -> dict[str, str]:
    """Real-looking credentials, each with a distinctive fragment to search the bytes for."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption()).decode()
    assertion = jwt.encode({"iss": "integration-key", "sub": "user-guid", "aud": "account-d.docusign.com",
                            "scope": "signature impersonation organization_read"}, key, algorithm="RS256")
    access = jwt.encode({"sub": "user-guid", "amr": ["interactive"], "nonce": "x7Zq"},
                        "s3cr3t-hmac-key-of-thirty-two-bytes!")
    return {
        "pem": pem,
        "assertion": assertion,
        "access_token": access,
        "refresh_token": "rt-" + base64.urlsafe_b64encode(b"refresh-token-body-0042").decode(),
        "opaque_bearer": "opq" + "A1b2C3d4E5f6G7h8" * 2,
        "client_secret": "cs-9f8e7d6c5b4a39281706",
        "anthropic": "sk-ant-api03-" + "Zx9" * 12,
    }


def fragments(secrets: dict[str, str]) -> list[str]:
    """Substrings that must not appear anywhere: a body line of the PEM, each token's signature."""
    pem_line = secrets["pem"].splitlines()[5]
    return [pem_line, secrets["assertion"].split(".")[2][:40], secrets["access_token"].split(".")[2],
            secrets["refresh_token"], secrets["opaque_bearer"], secrets["client_secret"],
            secrets["anthropic"]]


def plant(log: AuditLog, s: dict[str, str]) -> None:
    """Secrets in every place a careless caller might put them."""
    log.append("docusign_request", actor="admin@acme.com", action="oauth_token", payload={
        "method": "POST", "path": "/oauth/token", "status": 200,
        "body": f"grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion={s['assertion']}",
        "headers": {"Authorization": f"Bearer {s['opaque_bearer']}", "Content-Type": "application/json"},
        "response": {"access_token": s["access_token"], "refresh_token": s["refresh_token"],
                     "token_type": "Bearer", "expires_in": 3600},
        "canary": "visible-canary-1",
    })
    log.append("error", actor="admin@acme.com", payload={
        "message": f"auth failed for request with 'Authorization: Bearer {s['access_token']}'",
        "config": {"private_key": s["pem"], "client_secret": s["client_secret"], "api_key": s["anthropic"]},
        "traceback": [f"key loaded:\n{s['pem']}",
                      f"raw response: {json.dumps({'access_token': s['access_token']})}",
                      f"env ANTHROPIC_API_KEY={s['anthropic']}"],
        "nested": [{"deep": {"jwt": s["assertion"]}},
                   f"callback?code=abc&refresh_token={s['refresh_token']}"],
        "canary": "visible-canary-2",
    })
    log.append("model_usage", actor="admin@acme.com", payload={"input_tokens": 1200, "output_tokens": 80,
                                                               "max_tokens": 4096})


def test_secrets_never_reach_the_sqlite_file(tmp_path, secrets):
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    log = AuditLog(engine)
    plant(log, secrets)
    log.close()
    engine.dispose()
    files = sorted(tmp_path.glob("store.db*"))
    blob = b"".join(f.read_bytes() for f in files)
    assert b"visible-canary-1" in blob and b"visible-canary-2" in blob  # we are reading the right bytes
    for fragment in fragments(secrets):
        assert fragment.encode() not in blob, f"{fragment[:12]}... found in {[f.name for f in files]}"
    reopened = AuditLog(open_store(f"sqlite:///{tmp_path / 'store.db'}"))
    assert reopened.get(3).payload == {"input_tokens": 1200, "output_tokens": 80, "max_tokens": 4096}
    assert reopened.verify().ok
    reopened.close()
    reopened.engine.dispose()


def test_secrets_never_reach_the_table_or_exports(audit_log, raw_sql, secrets):
    plant(audit_log, secrets)
    stored = json.dumps([[str(v) for v in row] for row in raw_sql("SELECT * FROM {events}")])
    exports = []
    for fmt in ("jsonl", "csv"):
        for pii in (False, True):
            out = io.StringIO()
            audit_log.export(out, fmt, redact_pii=pii)
            exports.append(out.getvalue())
    for text in (stored, *exports):
        assert "visible-canary-1" in text
        for fragment in fragments(secrets):
            assert fragment not in text
    first = audit_log.get(1).payload
    assert first["response"] == {"access_token": REDACTED, "refresh_token": REDACTED, "token_type": "Bearer",
                                 "expires_in": 3600}
    assert first["headers"] == {"Authorization": REDACTED, "Content-Type": "application/json"}
    assert first["body"].endswith(f"&assertion={REDACTED}")
    assert "-----BEGIN" not in json.dumps(audit_log.get(2).payload)


@pytest.mark.parametrize("text, expected", [
    ("Authorization: Bearer abcdefghijklmnop123", f"Authorization: {REDACTED}"),
    ("authorization=Basic dXNlcjpwYXNzd29yZA==", f"authorization={REDACTED}"),
    ("sent bearer abcdefghijkl to host", f"sent bearer {REDACTED} to host"),
    ("token eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl end", "token [REDACTED JWT] end"),
    ("a=1&client_secret=xyz&b=2", f"a=1&client_secret={REDACTED}&b=2"),
    ('{"refresh_token": "r\\"t", "x": 1}', f'{{"refresh_token": "{REDACTED}", "x": 1}}'),
    ("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY----- tail", "[REDACTED PEM] tail"),
    ("truncated -----BEGIN RSA PRIVATE KEY-----\nMIIEow", "truncated [REDACTED PEM]"),
    # ordinary prose stays as it was
    ("the authorization policy denied the bearer of this request", None),
    ("add bob@acme.com to EMEA as DocuSign Sender", None),
])
def test_redact_text(text, expected):
    assert redact_text(text) == (text if expected is None else expected)
    assert redact_text(text) == (text if expected is None else expected)  # the same the second time


def test_the_clean_memo_remembers_only_clean_text():
    """Scanning remembers strings it found clean (they recur on every event); never a credential."""
    from audit import redact as module

    module._CLEAN.clear()
    clean, dirty = "add bob@acme.com to EMEA as DocuSign Sender", "Authorization: Bearer abcdefghijklmnop123"
    for _ in range(2):
        assert redact_text(clean) == clean
        assert redact_text(dirty) == f"Authorization: {REDACTED}"
    assert clean in module._CLEAN
    assert not any("abcdefghijklmnop123" in kept for kept in module._CLEAN)


def test_redact_by_key_keeps_counts_and_structure():
    data = {"Access-Token": "a", "confirmation_token": "c", "privateKeyPem": "k", "password": None,
            "input_tokens": 5, "token_type": "Bearer", "error_code": "USER_NOT_FOUND",
            "items": [{"client_secret": "s"}, ("plain",)]}
    assert redact(data) == {"Access-Token": REDACTED, "confirmation_token": REDACTED,
                            "privateKeyPem": REDACTED, "password": None, "input_tokens": 5,
                            "token_type": "Bearer", "error_code": "USER_NOT_FOUND",
                            "items": [{"client_secret": REDACTED}, ["plain"]]}
    assert data["Access-Token"] == "a"  # the input is not modified
    assert redact(redact(data)) == redact(data)
    assert is_secret_key("X-Api-Key") and not is_secret_key("max_tokens")


def test_redact_pii_pseudonymises_consistently():
    data = {"email": "Bob@Acme.com", "firstName": "Bob", "note": "cc bob@acme.com, eve@acme.com", "n": 3}
    out = redact_pii(data)
    assert out["email"] == pseudonym("bob@acme.com") == out["note"].split()[1].rstrip(",")
    assert out["firstName"] == pseudonym("Bob") and out["n"] == 3
    assert "acme.com" not in json.dumps(out)
    assert redact_pii(data, salt="s") != out
