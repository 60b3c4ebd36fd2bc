"""Two changes for the same person in one sentence: "set lucas's title to Account Manager and add him
to Finance".

Why planned together, and only when both are understood: the reading of the first change used to
leave the second out (``leftover``), so the person was asked to send them one at a time. When the
later clause is about the same person (a pronoun, or the same email) and is itself a complete
request, it is planned as a second request once the first one's person is known, and both calls
are proposed together, each with its own preview from the gate. Whatever part is not fully
understood (an unknown name, a missing account, a read, another person) keeps the old answer:
nothing runs, and the person is asked for one change at a time. The first change's calls wait in
the second's frame (``carried``) while the second one's own reads are made.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from agent.backends.offline.frame import Frame
from agent.backends.offline.grounding import Lexicon
from agent.backends.offline.intents import READS, classify
from agent.backends.offline.leftover import ask_one_at_a_time, left_out
from agent.backends.offline.plan import Plan
from agent.backends.offline.referents import EMAIL, with_referent
from agent.backends.offline.slots import fill
from policies import catalogue
from tools.actions import WRITE_ACTIONS, ToolCall

# the frame slots each catalogue field is read from, for "which names did the first change use"
FIELD_VALUES = {"account": "accounts", "accounts": "accounts", "permission_profile": "profile",
                "groups": "groups", "job_title": "job_title", "first_name": "first_name",
                "last_name": "last_name"}


class Compound:
    """The planner's handling of a second change in the same sentence (see the module docstring)."""

    if TYPE_CHECKING:
        @cached_property
        def lexicon(self) -> Lexicon: ...
        def _complete(self, frame: Frame, memberships_read: bool = False) -> Plan: ...

    def second_change(self, frame: Frame, text: str, calls: tuple[str, str] | None) -> Plan | None:
        """Note a later clause the first change leaves out on ``frame`` (``then``), or the question
        when it cannot be planned as a change of the same person; None when there is none."""
        used = _used_values(frame, calls)
        clause = left_out(text, self.lexicon, [used], start=0)
        if clause is None:
            return None
        if not _same_person(text, clause, frame):
            return Plan(ask_one_at_a_time(clause), clarify=True)
        frame.then = clause
        return None

    def chained(self, frame: Frame, plan: Plan) -> Plan:
        """``plan`` (what ``frame`` came to) with the calls carried from a first change before it and
        the second change after it. A read on the way keeps the frame waiting in its state; a
        question about the second change becomes "one change at a time" (nothing runs)."""
        if plan.calls and plan.state:
            return plan
        if not plan.calls:
            return Plan(ask_one_at_a_time(frame.then_said or ""), clarify=True) if frame.carried else plan
        calls = [ToolCall(id="", action=c["action"], args=c["args"]) for c in frame.carried] + plan.calls
        if frame.then and plan.hold:  # a change held for a later day: the second is asked for on its own
            return Plan(ask_one_at_a_time(frame.then), clarify=True)
        if frame.then:
            return self._then(frame, calls)
        return replace(plan, calls=calls) if frame.carried else plan

    def _then(self, frame: Frame, calls: list[ToolCall]) -> Plan:
        """The second clause for the first change's person, planned with the first change carried."""
        clause = frame.then or ""
        email = frame.emails[0] if len(frame.emails) == 1 else None
        resolved = with_referent(clause, email) if email else None
        text = resolved[0] if resolved else clause
        lexed = self.lexicon.lex(text)
        intent = classify(lexed)
        first_reads = any(c.action not in WRITE_ACTIONS for c in calls)
        if email is None or intent is None or intent in READS or first_reads:
            return Plan(ask_one_at_a_time(clause), clarify=True)
        second = fill(intent, lexed)
        if second.emails != [email] or second.person:
            return Plan(ask_one_at_a_time(clause), clarify=True)
        second.carried = [{"action": c.action, "args": dict(c.args)} for c in calls]
        second.then_said = clause
        return self._complete(second)


def _same_person(text: str, clause: str, frame: Frame) -> bool:
    """Whether the clause and the rest of the sentence are about the one person: one email between
    them, the other side pointing back with a pronoun (a name there may be someone else)."""
    at = text.find(clause)
    rest = text[:at] + " " + text[at + len(clause):]
    emails = {e.lower() for e in EMAIL.findall(text)}
    if len(emails) > 1 or len(frame.emails) > 1:
        return False
    if not emails:  # "set lucas's title to … and add him to Finance": the name is the person
        return bool(frame.person) and with_referent(clause, "x@x.x") is not None
    side_without = rest if EMAIL.search(clause) else clause
    return not EMAIL.search(side_without) and with_referent(side_without, "x@x.x") is not None


def _used_values(frame: Frame, calls: tuple[str, str] | None) -> dict[str, Any]:
    """The names the first change takes from the sentence: its emails and the fields its operation
    accepts (a group read beside a title change is not used by the title change)."""
    op = catalogue.lookup(*calls) if calls else None
    accepted = op.accepted if op else frozenset(FIELD_VALUES)
    used: dict[str, Any] = {"emails": list(frame.emails)}
    for field_name, slot in FIELD_VALUES.items():
        if field_name in accepted:
            used[slot] = getattr(frame, slot)
    return used

