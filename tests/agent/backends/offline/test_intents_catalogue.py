"""The planner's intents against the catalogue: each names a catalogue action and operation, and a
request whose slots the planner asks for (``REQUIRED``) are filled proposes a call that supplies
every field the catalogue requires for it and none it forbids."""

from __future__ import annotations

import pytest

from agent.backends.offline import Planner
from agent.backends.offline.frame import Frame
from agent.backends.offline.intents import CALLS, INTENTS
from agent.backends.offline.planner import READ_INTENTS, REQUIRED
from agent.backends.offline.questions import slot_filled
from policies import catalogue
from tools.actions import parse_call

ADMIN = "admin@acme.com"
# a value for each slot REQUIRED can ask for, grounded in the acme fixture
SLOTS = {"emails": ["john.doe@acme.com"], "accounts": ["EMEA"], "profile": "DocuSign Sender",
         "groups": ["Sales"], "changes": None}


def test_every_intent_names_a_catalogue_operation_of_the_right_kind():
    assert {i.name for i in INTENTS} == set(CALLS)
    for intent in INTENTS:
        call = CALLS[intent.name]
        if call is None:  # the planner asks which operation is meant before proposing anything
            assert intent.name in dict(REQUIRED)["choice"]
            continue
        action, operation = call
        assert catalogue.lookup(action, operation) is not None, intent.name
        assert catalogue.CATALOGUE[action].write == intent.write, intent.name
    assert {i.name for i in INTENTS if not i.write} == READ_INTENTS


def _frame(intent: str) -> Frame:
    frame = Frame(intent=intent)
    for slot, intents in REQUIRED:
        if intent not in intents or slot == "choice":
            continue
        if slot == "changes":
            frame.job_title = "Engineer"
        else:
            setattr(frame, slot, SLOTS[slot])
        assert slot_filled(frame, slot), (intent, slot)
    return frame


@pytest.mark.parametrize("intent", [n for n, c in CALLS.items() if c and n != "whoami"])
def test_a_filled_intent_supplies_the_catalogues_required_fields(acme, intent):
    action, operation = CALLS[intent]
    planner = Planner(acme, ADMIN, ("admin",))
    calls = planner._calls(_frame(intent))
    assert calls, intent
    for call in calls:
        assert (call.action, call.args.get("operation", "list")) == (action, operation)
        assert catalogue.operation_problems(call.action, call.args) == []
        parse_call(call)  # and the schema derived from the catalogue accepts it


def test_a_profile_removal_naming_nobody_asks_whom_before_anything_else(acme):
    """'demote' once lacked the email slot: the planner asked for a profile, then proposed nothing
    and said nothing. The catalogue requires an email for its operation, so it now asks whom."""
    plan = Planner(acme, ADMIN, ("admin",)).plan("Remove the DocuSign Sender profile on EMEA")
    assert plan.clarify and not plan.calls
    assert "who" in plan.text.lower() or "email" in plan.text.lower(), plan.text
