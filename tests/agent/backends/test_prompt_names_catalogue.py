"""The system prompt Claude reads names the catalogue's actions, and only those."""

from __future__ import annotations

import re

from agent.backends.anthropic_prompt import SYSTEM_TEMPLATE
from policies import catalogue

ACTION = r"\b(?:list|manage|bulk)_[a-z_]+\b"


def test_the_prompt_names_every_catalogue_action_and_no_other():
    tools_line = SYSTEM_TEMPLATE.split("{sandbox}", 1)[0]  # the opening sentence naming the tools
    named = set(re.findall(ACTION, tools_line))
    assert named == set(catalogue.ACTION_NAMES)
    for name in re.findall(ACTION, SYSTEM_TEMPLATE):
        assert name in catalogue.ACTION_NAMES, name
    for action, operation in re.findall(rf"\b({ACTION}) (?:operation )?'?([a-z_]+)", SYSTEM_TEMPLATE):
        if catalogue.CATALOGUE[action].takes_operation and operation not in ("with", "for", "and", "before"):
            assert catalogue.lookup(action, operation) is not None, (action, operation)
