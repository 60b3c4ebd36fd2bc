"""A secret a person types is cut before the transcript is stored or sent to the model (issue 14.5)."""

from __future__ import annotations

import json

import pytest
from agent_stack import stack
from fake_messages_api import FakeMessagesAPI, text_turn
from sqlalchemy import select

from agent.backends.anthropic import AnthropicBackend
from agent.conversation import Conversation
from audit.models import SessionMessage

ADMIN = "admin@acme.com"
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
SECRETS = ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "sk-ant-api03-abcdefghijkl", "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0")


@pytest.fixture
def env(tmp_path):
    sandbox, rt = stack(tmp_path)
    yield sandbox, rt
    rt.close()


def stored_text(rt, session_id: str) -> str:
    with rt.engine.connect() as conn:
        rows = conn.execute(select(SessionMessage.content).where(SessionMessage.session_id == session_id))
        return json.dumps([r.content for r in rows])


def test_typed_secrets_never_reach_the_store_or_the_model(env, monkeypatch):
    _sandbox, rt = env
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    typed = (f"here is our key {PEM} and my api key sk-ant-api03-abcdefghijkl, "
             "token: Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0 - which accounts do we have?")
    with FakeMessagesAPI([text_turn("I cannot use keys; 4 accounts."), text_turn("Still 4.")]) as api:
        backend = AnthropicBackend(model="claude-test", base_url=api.base_url)
        conv = Conversation(rt, rt.actor(ADMIN), backend)
        assert conv.ask(typed).outcome == "done"
        resumed = Conversation(rt, rt.actor(ADMIN), backend, session_id=conv.session_id)
        resumed.ask("and now?")
    sent = json.dumps(api.requests)
    stored = stored_text(rt, conv.session_id)
    for secret in SECRETS:
        assert secret not in sent and secret not in stored, secret
    assert "which accounts do we have?" in sent and "[REDACTED PEM]" in stored
    assert len(api.requests) == 2 and "which accounts" in json.dumps(api.requests[1]["messages"])


def test_the_store_and_the_sandbox_state_are_private_files(tmp_path, monkeypatch):
    """Both hold secrets (conversations; the sandbox's live tokens): created readable by the owner alone."""
    import stat

    from agent.backends.offline import OfflineBackend
    from agent.config import embedded_default
    from agent.runtime import build_runtime

    monkeypatch.setenv("DSADMIN_HOME", str(tmp_path / "home"))
    rt = build_runtime(embedded_default())
    Conversation(rt, rt.actor(ADMIN), OfflineBackend()).ask("which accounts do we have?")
    rt.close()
    home = tmp_path / "home"
    files = [home / "dsadmin.db", *(p for p in (home / "sandbox").iterdir() if p.suffix in (".json", ".db"))]
    assert len(files) >= 2, list(home.rglob("*"))
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
