"""What the Claude backend's system prompt costs in DocuSign requests, and what it then lists.

Cold (a new store): the organization, the default account's profiles and groups, the person's
own memberships; another account's names appear once something has read them (cached), never
fetched for the prompt.
"""

from __future__ import annotations

import json
import re

from agent_stack import stack

from agent.backends.anthropic_prompt import NOT_READ, UNTRUSTED, system_prompt

ADMIN = "admin@acme.com"


def _directory(prompt: str) -> dict:
    line = next(ln for ln in prompt.splitlines() if ln.startswith('{"' + UNTRUSTED + '":{"accounts"'))
    return json.loads(line)[UNTRUSTED]["accounts"]


def _requests(rt) -> list[str]:
    events = rt.audit.tail(1000, kind="docusign_request")
    return [re.sub(r"^/v2/organizations", "", e.payload["path"]) for e in events]


def test_a_cold_prompt_reads_the_default_account_and_notes_the_others(tmp_path):
    _sandbox, rt = stack(tmp_path)
    prompt = system_prompt(rt.turn_context(rt.actor(ADMIN)))
    accounts = _directory(prompt)
    assert accounts["Acme Main"]["permission_profiles"] == ["DocuSign Sender", "DocuSign Viewer",
                                                            "Account Administrator"]
    assert "Sales" in accounts["Acme Main"]["groups"]
    assert accounts["EMEA"] == {"permission_profiles": NOT_READ, "groups": NOT_READ}
    assert sorted(_requests(rt)) == sorted([
        "", "/{organizationId}/accounts/{accountId}/permissions",
        "/{organizationId}/accounts/{accountId}/groups", "/{organizationId}/users/profile",
    ])


def test_names_already_cached_are_listed_without_a_request(tmp_path):
    _sandbox, rt = stack(tmp_path)
    directory = rt.gate.directory
    directory.permission_profiles(directory.account("Acme Legal").id)  # an earlier command's read
    before = len(_requests(rt))
    accounts = _directory(system_prompt(rt.turn_context(rt.actor(ADMIN))))
    assert "Paralegal" in accounts["Acme Legal"]["permission_profiles"]
    assert accounts["Acme Legal"]["groups"] == NOT_READ
    # the default account's two lists only: Acme Legal's profiles came from the cache
    assert len([r for r in _requests(rt)[before:] if r.endswith(("/permissions", "/groups"))]) == 2
