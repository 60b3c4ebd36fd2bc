"""Carrying on after a read the planner made for itself: who a name is, which account a user is on,
whether an employee already holds a seat.

Why apart from ``planner``: these steps answer "what did the read tell us" and never lex new text;
the planner proper reads the request. They are a mixin because each ends by handing the completed
frame back to the planner (``_complete``, ``_propose``, ``_ask``).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from agent.backends.base import OrgVocabulary
from agent.backends.offline import about_person, people
from agent.backends.offline.frame import Frame
from agent.backends.offline.grounding import Lexicon
from agent.backends.offline.guards import Grounding
from agent.backends.offline.plan import Plan, memberships, noted
from agent.backends.offline.slots import HANDLE
from tools.actions import ToolCall

NOT_YOURS = (
    "You can ask only about your own DocuSign access: anything about {who} has to come from an "
    "administrator. Nothing was changed."
)


class Lookups:
    """The planner's continuations after its own reads (see the module docstring)."""

    vocabulary: OrgVocabulary
    grounding: Grounding
    seat_defaults: dict[str, Any]
    actor: str
    employee: bool

    if TYPE_CHECKING:
        @cached_property
        def lexicon(self) -> Lexicon: ...
        def _complete(self, frame: Frame, memberships_read: bool = False) -> Plan: ...
        def _propose(self, frame: Frame) -> Plan: ...
        def _ask(self, frame: Frame, slot: str, offered: list[str] | None = None) -> Plan: ...

    def after(self, pending: dict[str, Any], results: list[dict[str, Any]]) -> Plan:
        """Carry on with the request a read was made for (people, memberships, own seat)."""
        frame = Frame.from_dict(pending["frame"])
        lookup = pending.get("lookup")
        if lookup == "person":
            return self.after_person_lookup(frame, results)
        if lookup == "seat":
            return self.after_seat_lookup(frame, results[0])
        if lookup == "own_seat":
            return self.after_own_seat_lookup(frame, results[0])
        if lookup == "answer":
            return self.after_question_read(frame, results[0])
        return self.after_lookup(frame, results[0])

    def after_question_read(self, frame: Frame, result: dict[str, Any]) -> Plan:
        """A question about one person's record: the direct answer, then what the read returned."""
        from agent.render import result_text

        said = about_person.answer_for(frame, result)
        return Plan("\n\n".join(filter(None, (said, result_text(result)))))

    def after_own_seat_lookup(self, frame: Frame, result: dict[str, Any]) -> Plan:
        """An employee's own seat request: someone who already has a seat is told so; otherwise the
        configured seat defaults fill what they left unsaid, and the policy routes it to an approver."""
        open_ = {
            str(m["account"]): str(m.get("permission_profile") or "")
            for m in memberships(result)
            if str(m.get("status", "")).lower() != "closed"
        }
        wanted = self.grounding.account(frame.accounts[0]) if frame.accounts else None
        if open_ and (wanted is None or wanted in open_) and not (frame.accounts and wanted is None):
            held = ", ".join(f"{a} ({p})" if p else a for a, p in open_.items() if wanted in (None, a))
            return Plan(
                f"You already have a DocuSign seat: {held}. To change your permission profile, ask for "
                "it, e.g. \u201cI need the DocuSign Sender profile on "
                f"{wanted or next(iter(open_))}\u201d."
            )
        defaults = self.seat_defaults
        if not frame.accounts:
            account = defaults.get("account") or self.vocabulary.default_account
            frame.accounts = [account] if account else []
        if not frame.profile and defaults.get("permission_profile"):
            frame.profile = defaults["permission_profile"]
        if not frame.groups and defaults.get("groups"):
            frame.groups = list(defaults["groups"])
        return self._complete(frame, memberships_read=True)

    def _colleague_by_handle(self, frame: Frame) -> None:
        """An employee naming a colleague by an email's user part ("make liam.oconnor a viewer"): an
        employee may not search users, so the colleague is named by the speaker's own domain and the
        call goes to the policy, which refuses an employee acting on someone else. Never the speaker."""
        if not (self.employee and frame.person and HANDLE.match(frame.person) and "@" not in frame.person):
            return
        email = f"{frame.person}@{self.actor.rpartition('@')[2]}".lower()
        if email != self.actor and email not in frame.emails:
            frame.emails.append(email)
        frame.person = frame.more_people.pop(0) if frame.more_people else None

    def _own(self, frame: Frame) -> bool:
        """An employee asking about their own memberships: those are read before a question or a
        profile change, so a question offers only their accounts and a missing seat is requested."""
        return self.employee and frame.emails == [self.actor]

    def _look_up_people(self, frame: Frame) -> Plan:
        """Who is "Maya"? Read the users by each name first: one whole-name match is no guess."""
        names = [n for n in (frame.person, *frame.more_people) if n]
        return Plan(
            calls=[people.lookup_call(name) for name in names],
            state={"pending": {"frame": frame.as_dict(), "missing": "emails", "lookup": "person"}},
        )

    def after_person_lookup(self, frame: Frame, results: list[dict[str, Any]]) -> Plan:
        """Carry on with the one user each name fits, or ask about the first name that fits several
        or none (the names after it are looked up once that is settled)."""
        names = [n for n in (frame.person, *frame.more_people) if n]
        frame.person, frame.more_people = None, []
        notes: list[str] = []
        for index, name in enumerate(names):
            result = results[index] if index < len(results) else {"kind": "error", "message": "no answer"}
            exact, near, complete = people.matches(result, name)
            if len(exact) == 1 and complete:
                email = exact[0]["email"].lower()
                if email not in frame.emails:
                    frame.emails.append(email)
                notes.append(f"\u201c{name}\u201d is {people.describe(exact[0])}, the only user by that name")
                continue
            frame.more_people = names[index + 1 :]
            if self.employee and result.get("kind") == "denied":
                return Plan(NOT_YOURS.format(who=f"\u201c{name}\u201d"))  # no question leads anywhere
            plan = self._ask_who(frame, name, result, (exact, near, complete))
            return noted(plan, notes)
        return noted(self._complete(frame), notes)

    def _ask_who(self, frame: Frame, name: str, result: dict, found: tuple) -> Plan:
        text = people.who_question(frame, name, result, found)
        plan = self._ask(frame, "emails")  # after who_question: the stored frame keeps the candidates
        plan.text = text
        return plan

    def _look_up_memberships(self, frame: Frame, lookup: str = "memberships") -> Plan:
        """Which account? Read the user's memberships first: a single candidate is no guess."""
        call = ToolCall(
            id="", action="list_account", args={"operation": "user_memberships", "email": frame.emails[0]}
        )
        return Plan(
            calls=[call],
            state={"pending": {"frame": frame.as_dict(), "missing": "accounts", "lookup": lookup}},
        )

    def after_seat_lookup(self, frame: Frame, result: dict[str, Any]) -> Plan:
        """A profile on an account the employee has no membership on is a seat there, which the
        policy routes to an approver; with the memberships unread the change goes as asked."""
        wanted = (self.lexicon.canonical(frame.accounts[0], "account") or frame.accounts[0]).lower()
        if result.get("kind") == "ok" and wanted not in {
            str(m.get("account")).lower() for m in memberships(result)
        }:
            frame.intent = "provision"
        return self._propose(frame)

    def after_lookup(self, frame: Frame, result: dict[str, Any]) -> Plan:
        """Carry on with the account the memberships leave, or ask, showing them."""
        if self.employee and result.get("kind") == "denied" and not self._own(frame):
            return Plan(NOT_YOURS.format(who=frame.emails[0]))  # the policy's refusal stands, no question
        wanted_closed = frame.intent == "reactivate"
        candidates = [
            m["account"]
            for m in memberships(result)
            if (str(m.get("status", "")).lower() == "closed") == wanted_closed
        ]
        if not candidates and self._own(frame) and frame.intent == "change_profile":
            frame.intent = "provision"  # no membership at all: the profile comes with a new seat
            return self.after_own_seat_lookup(frame, result)
        if len(candidates) == 1 and frame.intent != "close":  # a close is always asked, never guessed
            frame.accounts = [candidates[0]]
            return self._complete(frame, memberships_read=True)
        if frame.intent == "close" and result.get("kind") == "ok" and not candidates:
            return Plan(f"{frame.emails[0]} has no open membership; nothing was changed.")
        if frame.intent == "close":
            return self._ask(frame, "accounts", offered=candidates)
        plan = self._ask(frame, "accounts")
        if candidates and plan.state:  # not when a second change of the sentence is what is asked
            kind = "closed memberships" if wanted_closed else "memberships"
            plan.text = f"{frame.emails[0]} has {kind} on {', '.join(candidates)}. On which account?"
        return plan
