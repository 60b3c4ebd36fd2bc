"""The planner's vocabulary exactly as the runtime reads it from the sandbox's acme fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent.backends.base import OrgVocabulary

FIXTURE = Path(__file__).resolve().parents[4] / "tools" / "docusign" / "sandbox" / "fixtures" / "acme.yaml"


def fixture_vocabulary() -> OrgVocabulary:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    accounts = data["accounts"]
    return OrgVocabulary(
        organization=data["organization"]["name"],
        accounts=tuple(a["name"] for a in accounts),
        default_account=next(a["name"] for a in accounts if a.get("default")),
        profiles={a["name"]: tuple(a["permission_profiles"]) for a in accounts},
        groups={a["name"]: tuple(a["groups"]) for a in accounts},
    )


@pytest.fixture(scope="session")
def acme() -> OrgVocabulary:
    return fixture_vocabulary()
