"""Agent tests: no real model call can leave this machine, and the acme org's names at hand."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# tests import the fake Messages API as a plain module (pytest runs with --import-mode=importlib)
sys.path.insert(0, str(Path(__file__).parent))

from agent.backends.base import OrgVocabulary

ACCOUNTS = ("Acme Main", "Acme Legal", "EMEA", "Contractors")
PROFILES = ("DocuSign Sender", "DocuSign Viewer", "Account Administrator")


@pytest.fixture(autouse=True)
def _no_model_requests(monkeypatch):
    """Only a loopback base_url (the fake Messages API) may be called, here and in subprocesses."""
    import agent.backends.anthropic as anthropic_backend

    monkeypatch.setattr(anthropic_backend, "ALLOW_MODEL_REQUESTS", False)
    monkeypatch.setenv("DSADMIN_FORBID_MODEL_REQUESTS", "1")


@pytest.fixture
def acme_vocabulary() -> OrgVocabulary:
    """The names of the sandbox's acme fixture, as the runtime reads them."""
    return OrgVocabulary(
        organization="Acme Corp",
        accounts=ACCOUNTS,
        default_account="Acme Main",
        profiles={a: PROFILES + (("Paralegal",) if a == "Acme Legal" else ()) for a in ACCOUNTS},
        groups={a: ("Everyone", "Sales", "Legal", "Finance") for a in ACCOUNTS},
    )


@pytest.fixture
def acme_stack(tmp_path):
    """``acme_stack(setup=None, hours_later=0, config=None)``: the real stack on a fresh acme sandbox
    (``agent_stack.stack``), as (sandbox, runtime); every runtime it opened is closed after the test,
    pass or fail, so the tests need no try/finally of their own."""
    from agent_stack import stack

    opened = []

    def open_stack(setup: dict | None = None, *, hours_later: float = 0, config=None):
        sandbox, rt = stack(tmp_path, setup, hours_later=hours_later, config=config)
        opened.append(rt)
        return sandbox, rt

    yield open_stack
    for rt in opened:
        rt.close()
