"""The offline planner: a deterministic backend for when there is no model at all.

It reads the person's request with the organization's own names (``offline_lexicon``), finds the
intent and its slots (``offline_grammar``) and proposes the matching tool calls, exactly as a model
would, through the same gate. When a required detail is missing it asks for it and keeps the
half-filled request in the turn's ``state`` so the answer completes it; it never fills a write's
detail it was not given. After the gate answers, it writes the reply from the typed results.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from agent.backends.base import ModelTurn, OrgVocabulary, TurnContext, last_user_text, pending_tool_results
from agent.backends.offline import filters, people
from agent.backends.offline.followups import follow_up, session_calls
from agent.backends.offline.frame import Frame
from agent.backends.offline.grounding import Lexicon, normalize
from agent.backends.offline.guards import Grounding, check
from agent.backends.offline.intents import CALLS, READ_START, classify, is_question
from agent.backends.offline.polite import as_request
from agent.backends.offline.scope import vocabulary_for
from agent.backends.offline.since import BULK_CUE, bulk_file, bulk_kind, changed_since, skip_invalid
from agent.backends.offline.slots import HANDLE, fill
from agent.backends.offline.unsupported import declined, filter_refusal, unsupported_filter
from policies import catalogue
from tools.actions import ToolCall

EXAMPLES = (
    '  - "List every user with status pending"  /  "Find users named john on EMEA"\n'
    '  - "Show the permission profiles on Acme Legal"\n'
    '  - "Which accounts do I have and what is my profile?"\n'
    '  - "Provision maya.chen@acme.com on Acme Main as DocuSign Sender in Sales"\n'
    '  - "Change john.doe@acme.com to DocuSign Viewer on EMEA"  /  "Add john.doe@acme.com to the Finance '
    'group on EMEA"\n'
    '  - "Close maya.chen@acme.com\'s membership in Contractors"  /  "Reactivate maya.chen@acme.com on '
    'Contractors as DocuSign Viewer"\n'
    '  - "Purge maya.chen@acme.com"  /  "Update john.doe@acme.com\'s job title to Account Executive"'
)
CANCEL = re.compile(r"^(cancel|never ?mind|forget (it|that)|stop|abort|no|nope|no thanks|don't|dont)\b")
CONFIRM_WORDS = re.compile(r"^(yes|y|yep|confirm(ed)?|approve(d)?|i confirm|go ahead|do it)\b|\btoken\b")
GREETING = re.compile(r"^(help|hi|hello|hey|\?|what can you do|how does this work|usage)\b")
# "Hello! Could I ..." : a greeting that opens a request is dropped, not answered with the help text
OPENING = re.compile(
    r"^(hi|hello|hey|good (morning|afternoon|evening)|dear dsadmin)( there)?\s*[!,.:-]+\s*", re.I
)
POLITE = re.compile(
    r"^((hi|hello|hey)( there)?,?\s+)?((please|kindly|pls)\s+)?((can|could|would|will) you "
    r"(please )?|i'd like you to |i want you to |go ahead and |i would like you to )?",
    re.I,
)

# intents whose missing account may be read from the user's memberships (never close or purge)
LOOKUP_INTENTS = {"change_profile", "demote", "reactivate", "add_groups", "remove_groups", "set_groups"}
# where one request ends and the next begins: "...; ...", "... then ...", "... and show ..."
SEVERAL = re.compile(
    r"\s*;\s*|\s+(?:and then|then|and also)\s+|\s+and\s+(?=(?:show|list|display|find|search|look up|tell me|"
    r"what|which|who|how many|provision|create|onboard|close|purge|reactivate|change|make|give|add|remove|"
    r"update|set|rename|deactivate)\b)",
    re.IGNORECASE,
)
ACCESS_WORDS = re.compile(
    r"\b(accounts?|memberships?|profiles?|permissions?|access|groups?|roles?|rights|send|sign|admin)\b|"
    r"<acct>|<prof>|<grp>"
)
APPROVALS_HELP = (
    "Approval requests are not something I act on in a conversation. To see them, run "
    "`dsadmin approvals list --as YOUR_EMAIL` (an approver sees what they can decide, anyone else their "
    "own requests); to decide, `dsadmin approvals approve ID --as YOUR_EMAIL` or "
    "`dsadmin approvals deny ID --as YOUR_EMAIL`."
)
APPROVALS = re.compile(
    r"\b(approvals?|approve|apr_\w+|requests? (waiting|pending|awaiting)|pending requests?|"
    r"waiting (for|on) (me|my|approval))\b"
)
READ_ACTIONS = catalogue.READ_ACTIONS
READ_INTENTS = frozenset(name for name, call in CALLS.items() if call and call[0] in READ_ACTIONS)
# a write operation's name -> its action ("close" -> manage_user); bulk_users reuses some operation
# names (add, update, close) and is planned on its own (``_bulk_plan``), so it stays out of this map
WRITE_ACTION_OF = {op.name: act.name for act, op in catalogue.operations()
                   if act.write and act.name != "bulk_users"}
# The frame slot that fills each catalogue field.
SLOT_OF = {"email": "emails", "account": "accounts", "accounts": "accounts", "all_accounts": "accounts",
           "permission_profile": "profile", "groups": "groups", "first_name": "changes",
           "last_name": "changes", "job_title": "changes"}
# Asked for although the catalogue does not require it: "remove X" asks which removal is meant (and
# of whom); a seat's profile is asked, never guessed (the configured seat defaults fill it first).
PLANNER_ASKS = {"emails": {"delete"}, "choice": {"delete"}, "profile": {"provision"}}


def _required() -> list[tuple[str, set[str]]]:
    """(slot, intents that need it), in the order questions are asked in: what the catalogue requires
    of each intent's operation (one slot for a set it needs one of), plus ``PLANNER_ASKS``."""
    needed: dict[str, set[str]] = {slot: set() for slot in
                                   ("emails", "choice", "accounts", "profile", "groups", "changes")}
    for slot, intents in PLANNER_ASKS.items():
        needed[slot] |= intents
    for intent, call in CALLS.items():
        op = catalogue.lookup(*call) if call else None
        if op is not None:
            for name in op.required + op.exactly_one_of[:1] + op.at_least_one_of[:1]:
                needed[SLOT_OF[name]].add(intent)
    return list(needed.items())


REQUIRED = _required()


NEEDS_EMAIL = REQUIRED[0][1]


@dataclass
class Plan:
    text: str = ""
    calls: list[ToolCall] | None = None
    clarify: bool = False
    state: dict[str, Any] | None = None


class OfflineBackend:
    """Backend protocol implementation; stateless between calls (state lives in the transcript)."""

    name = "offline"

    def __init__(self, vocabulary: OrgVocabulary | None = None):
        self._fixed_vocabulary = vocabulary

    def next_turn(self, messages: list[dict[str, Any]], context: TurnContext) -> ModelTurn:
        results = pending_tool_results(messages)
        pending = resumed_frame(messages)
        if results and not (pending and pending.get("lookup")):
            text = report(results) + own_access_note(messages, context.actor_email)
            return ModelTurn(text=text, stop_reason="end_turn")
        if results:
            planner = _planner(self._fixed_vocabulary or context.vocabulary(), context)
            plan = planner.after(pending or {}, [_result_of(r) for r in results])
        else:
            text = last_user_text(messages)
            plan = self._follow_up(text, messages, context) or self._plan(text, pending, context)
        if plan.calls:
            base = sum(1 for m in messages for b in _blocks(m) if b.get("type") == "tool_use")
            calls = [
                ToolCall(id=f"toolu_offline_{base + i + 1:04d}", action=c.action, args=c.args)
                for i, c in enumerate(plan.calls)
            ]
            return ModelTurn(text=plan.text, tool_calls=calls, stop_reason="tool_use", state=plan.state)
        return ModelTurn(text=plan.text, clarify=plan.clarify, state=plan.state, stop_reason="end_turn")

    def _follow_up(self, text: str, messages: list[dict[str, Any]], context: TurnContext) -> Plan | None:
        """ "next page", "the same for EMEA", "undo that": answered from the transcript's calls."""
        low = POLITE.sub("", normalize(text)).strip(" .!").lower()
        history = session_calls(messages)
        if not history or len(low) > 80:
            return None
        vocabulary = self._fixed_vocabulary or context.vocabulary()
        found = follow_up(low, history, Grounding(vocabulary).account)
        if found is None:
            return None
        answer, calls = found
        return Plan(answer, calls=calls, clarify=not calls)

    def _plan(self, text: str, pending: dict | None, context: TurnContext) -> Plan:
        """Plan with the account names alone when that settles it (a plain read costs one request),
        else with the names the request needs (``scope``: the concerned accounts' profiles, then
        groups), else with every profile and group name. A narrower plan counts only when it
        proposes calls: a question or refusal is planned again on every name."""
        if self._fixed_vocabulary is not None:
            return _planner(self._fixed_vocabulary, context).plan(text, pending)
        if pending is None and READ_START.search(POLITE.sub("", normalize(text)).lower()):
            plan = _planner(context.organization(), context).plan(text, None)
            if plan.calls and not plan.state and all(c.action in READ_ACTIONS for c in plan.calls):
                return plan
        vocabulary = context.vocabulary()
        settled = ((pending or {}).get("frame") or {}).get("accounts") or ()
        scoped = vocabulary_for(normalize(text), vocabulary, settled)
        if scoped is not vocabulary:
            plan = _planner(scoped, context).plan(text, pending)
            if plan.calls:
                return plan
        return _planner(vocabulary, context).plan(text, pending)


def _planner(vocabulary: OrgVocabulary, context: TurnContext) -> Planner:
    return Planner(
        vocabulary,
        context.actor_email,
        context.actor_roles,
        denied_profiles=context.denied_profiles,
        seat_defaults=context.seat_defaults,
    )


_NOT_YOURS = (
    "You can ask only about your own DocuSign access: anything about {who} has to come from an "
    "administrator. Nothing was changed."
)
NO_ACCESS = (
    "\n\nYou have no DocuSign access yet. If you need it, say \u201cI need a DocuSign seat\u201d and I "
    "will send the seat request to an approver."
)


def own_access_note(messages: list[dict[str, Any]], actor: str) -> str:
    """After reading the speaker's own memberships: none at all means no seat, and how to get one."""
    history = session_calls(messages)
    last = history[-1] if history else None
    if last is None or last.args.get("operation") != "user_memberships":
        return ""
    if str(last.args.get("email", "")).lower() != actor.lower():
        return ""
    result = last.result
    if result.get("kind") == "ok" and _memberships(result):
        return ""
    if result.get("kind") in ("ok", "error") and "denied" not in str(result.get("kind")):
        return NO_ACCESS
    return ""


def resumed_frame(messages: list[dict[str, Any]]) -> dict | None:
    """The half-filled request of the assistant's last turn, if that turn was a question."""
    for message in reversed(messages[:-1]):
        if message["role"] == "assistant":
            meta = message.get("meta") or {}
            return meta.get("pending")
    return None


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    return content if isinstance(content, list) else []


class Planner:
    """Text in, tool calls or a question out. Pure: no I/O, the vocabulary is given."""

    def __init__(
        self,
        vocabulary: OrgVocabulary,
        actor_email: str,
        actor_roles: tuple[str, ...] = (),
        *,
        denied_profiles: tuple[str, ...] = (),
        seat_defaults: dict[str, Any] | None = None,
    ):
        self.vocabulary = vocabulary
        self.grounding = Grounding(vocabulary, denied_profiles)
        self.seat_defaults = seat_defaults or {}
        self.actor = actor_email.lower()
        # an employee asking about their own access (an admin acting for them keeps the admin path)
        self.employee = "employee" in actor_roles and "admin" not in actor_roles

    @cached_property
    def lexicon(self) -> Lexicon:
        """Built on first use: the names it holds may cost DocuSign reads, and carrying on after a
        lookup (``after``) never lexes new text."""
        return Lexicon(self.vocabulary)

    def plan(self, text: str, pending: dict | None = None) -> Plan:
        text = normalize(text)
        stripped = POLITE.sub("", as_request(OPENING.sub("", text))).strip(" .!")
        low = stripped.lower()
        if pending and CANCEL.match(low):
            return Plan("OK, I dropped that request; nothing was changed.")
        if not stripped or GREETING.match(low):
            return Plan(
                f"I administer the {self._org()} DocuSign organization. Try, for example:\n{EXAMPLES}",
                clarify=True,
            )
        refusal = None if pending else declined(stripped)
        if refusal:
            return Plan(refusal)
        bulk = None if pending else _bulk_plan(stripped)
        if bulk is not None:
            return bulk
        lexed = self.lexicon.lex(stripped)
        intent = filters.question_intent(classify(lexed), lexed)  # "how many senders on EMEA?"
        intent, changed = _changed_listing(intent, lexed, None if pending else changed_since(stripped))
        refused_filter = (
            unsupported_filter(stripped) if intent == "list_users" and not pending and not changed else None
        )
        if refused_filter:
            return Plan(filter_refusal(refused_filter), clarify=True)
        if not pending and intent in (None, "list_users", "list_org") and APPROVALS.search(low):
            return Plan(APPROVALS_HELP.replace("YOUR_EMAIL", self.actor), clarify=True)
        if not changed:  # "who was modified in the last 3 days" is a listing, not a person named "modified"
            intent = _about_someone(intent, lexed)
        if pending:
            frame = Frame.from_dict(pending["frame"])
            standalone = fill(intent, lexed) if intent else None
            if standalone is None or (
                intent not in READ_INTENTS and not standalone.emails and not standalone.person
            ):
                return self._resume(frame, pending.get("missing"), lexed, stripped)
        if CONFIRM_WORDS.search(low) and not intent:
            return Plan(
                "I cannot confirm anything myself: a pending confirmation is answered at the y/N "
                "prompt, or with `dsadmin confirm TOKEN --as YOUR_EMAIL`.",
                clarify=True,
            )
        if not pending:
            combined = self._several(stripped)
            if combined is not None:
                return combined
        if intent is None:
            return Plan(
                f"I could not understand \u201c{text[:200]}\u201d. I understand requests like:\n{EXAMPLES}",
                clarify=True,
            )
        frame = fill(intent, lexed)
        if changed:
            frame.since = changed[0]
        asked = filters.refine(frame, lexed, self.vocabulary)  # "admins": the org's profile, or a question
        return Plan(asked, clarify=True) if asked else self._complete(frame)

    def _several(self, text: str) -> Plan | None:
        """'List pending users and show the profiles on Acme Legal': each part planned on its own,
        used only when every part is a complete request (else the sentence is read as one)."""
        parts = [p.strip(" ,.") for p in SEVERAL.split(text) if p and p.strip(" ,.")]
        if len(parts) < 2:
            return None
        calls: list[ToolCall] = []
        for part in parts:
            intent = classify(self.lexicon.lex(part))
            plan = self._complete(fill(intent, self.lexicon.lex(part))) if intent else None
            if plan is None or not plan.calls or plan.state:
                return None
            calls.extend(
                c for c in plan.calls if (c.action, c.args) not in [(d.action, d.args) for d in calls]
            )
        return Plan(calls=calls)

    # -- completing a request ------------------------------------------------------------------

    def _resume(self, frame: Frame, missing: str | None, lexed, raw: str) -> Plan:
        """Merge the person's answer into the pending request, then carry on."""
        s = lexed.skeleton()
        if missing == "choice":
            if re.search(r"\b(purge|redact|erase|permanent|permanently|irreversible)\b", s):
                frame.intent = "purge"
            elif re.search(r"\b(close|deactivate|reversible|membership|memberships)\b", s):
                frame.intent = "close"
            else:
                return self._ask(frame, "choice")
        before = len(frame.emails)
        if missing == "emails":
            picked = people.chosen(raw, frame.candidates)
            frame.person = None  # a new name in the answer is looked up afresh
            if picked:
                frame.emails.append(picked)
        fill(frame.intent, lexed, frame)
        if missing == "emails":
            if len(frame.emails) == before and not frame.person:
                frame.person = people.person_named(lexed.tokens, [])
            if len(frame.emails) > before or frame.person:
                frame.asking_about, frame.candidates = None, []
        bare = _bare_answer(raw)
        if missing == "accounts" and not frame.accounts and not frame.all_accounts and bare:
            frame.accounts.append(bare)
        elif missing == "profile" and not frame.profile and bare:
            frame.profile = bare
        elif missing == "groups" and not frame.groups and bare:
            frame.groups.extend(g.strip() for g in re.split(r",|\band\b", bare) if g.strip())
        return self._complete(frame)

    def _complete(self, frame: Frame, memberships_read: bool = False) -> Plan:
        frame.emails = [self.actor if e == "<self>" else e for e in frame.emails]
        self._colleague_by_handle(frame)
        if (frame.person or frame.more_people) and frame.intent in NEEDS_EMAIL and not frame.asking_about:
            return self._look_up_people(frame)
        if frame.intent == "user_memberships" and not frame.emails:
            frame.emails = [self.actor]
        if self.employee and frame.intent in NEEDS_EMAIL and not (frame.emails or frame.person):
            frame.emails = [self.actor]  # an employee's request names nobody: it is about themselves
        early = None if memberships_read else self._problem(frame, early=True)
        if early is not None:
            return early
        if frame.intent == "provision" and self._own(frame) and not frame.accounts and not memberships_read:
            # "I need a seat": read what they hold first (a seat already held is said so, not
            # requested again); with an account named, the request goes as asked
            return self._look_up_memberships(frame, lookup="own_seat")
        for slot, intents in REQUIRED:
            if frame.intent in intents and not _slot_filled(frame, slot):
                if (
                    slot == "accounts"
                    and len(frame.emails) == 1
                    and (frame.intent in LOOKUP_INTENTS or (frame.intent == "close" and self._own(frame)))
                ):
                    return self._look_up_memberships(frame)
                return self._ask(frame, slot)
        own_change = frame.intent == "change_profile" and self._own(frame) and len(frame.accounts) == 1
        if own_change and not memberships_read:
            return self._look_up_memberships(frame, lookup="seat")
        return self._propose(frame)

    def _propose(self, frame: Frame) -> Plan:
        """The calls, once every value is grounded or plausible; else the question naming it."""
        return self._problem(frame) or self._domain_slip(frame) or Plan(calls=self._calls(frame))

    def _domain_slip(self, frame: Frame) -> Plan | None:
        """'maya.chen@acme.con': a domain one letter away from the organization's own (the speaker's)
        is a slip, and a write would create or look for the wrong address. Asked, never corrected."""
        if frame.intent in READ_INTENTS:
            return None
        own = self.actor.rpartition("@")[2]
        for email in frame.emails:
            local, _, domain = email.rpartition("@")
            if domain != own and _one_edit(domain, own):
                frame.emails, frame.candidates = [], [f"{local}@{own}"]
                state = {"pending": {"frame": frame.as_dict(), "missing": "emails"}}
                return Plan(
                    f"\u201c{email}\u201d is not at {own}: did you mean {local}@{own}? Say yes, or give the "
                    "email address again.",
                    clarify=True,
                    state=state,
                )
        return None

    def _problem(self, frame: Frame, early: bool = False) -> Plan | None:
        problem = check(frame, self.grounding, write=frame.intent not in READ_INTENTS, early=early)
        if problem is None:
            return None
        state = {"pending": {"frame": frame.as_dict(), "missing": problem.slot}}
        return Plan(problem.text, clarify=True, state=state)

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
        return self.after_lookup(frame, results[0])

    def after_own_seat_lookup(self, frame: Frame, result: dict[str, Any]) -> Plan:
        """An employee's own seat request: someone who already has a seat is told so; otherwise the
        configured seat defaults fill what they left unsaid, and the policy routes it to an approver."""
        open_ = {
            str(m["account"]): str(m.get("permission_profile") or "")
            for m in _memberships(result)
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
                return Plan(_NOT_YOURS.format(who=f"\u201c{name}\u201d"))  # no question leads anywhere
            plan = self._ask_who(frame, name, result, (exact, near, complete))
            return _noted(plan, notes)
        return _noted(self._complete(frame), notes)

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
            str(m.get("account")).lower() for m in _memberships(result)
        }:
            frame.intent = "provision"
        return self._propose(frame)

    def after_lookup(self, frame: Frame, result: dict[str, Any]) -> Plan:
        """Carry on with the account the memberships leave, or ask, showing them."""
        if self.employee and result.get("kind") == "denied" and not self._own(frame):
            return Plan(_NOT_YOURS.format(who=frame.emails[0]))  # the policy's refusal stands, no question
        wanted_closed = frame.intent == "reactivate"
        candidates = [
            m["account"]
            for m in _memberships(result)
            if (str(m.get("status", "")).lower() == "closed") == wanted_closed
        ]
        if not candidates and self._own(frame) and frame.intent == "change_profile":
            frame.intent = "provision"  # no membership at all: the profile comes with a new seat
            return self.after_own_seat_lookup(frame, result)
        if len(candidates) == 1 and frame.intent != "close":  # a close is always asked, never guessed
            frame.accounts = [candidates[0]]
            return self._complete(frame, memberships_read=True)
        if frame.intent == "close":
            return self._ask(frame, "accounts", offered=candidates)
        plan = self._ask(frame, "accounts")
        if candidates:
            kind = "closed memberships" if wanted_closed else "memberships"
            plan.text = f"{frame.emails[0]} has {kind} on {', '.join(candidates)}. On which account?"
        return plan

    def _ask(self, frame: Frame, slot: str, offered: list[str] | None = None) -> Plan:
        """The question for ``slot``; ``offered``: the accounts to name instead of the organization's
        (the person's own memberships)."""
        who = frame.emails[0] if frame.emails else "the user"
        accounts = ", ".join(self._account_labels() if offered is None else offered)
        if slot == "emails" and frame.candidates:
            question = "Which one do you mean? Please give their email address (or its number)."
        elif slot == "emails" and frame.asking_about:
            whose = "the new user's" if frame.intent == "provision" else "their"
            question = f"What is {whose} email address (for \u201c{frame.asking_about}\u201d)?"
        elif slot == "emails":
            question = (
                "What is the new user's email address?"
                if frame.intent == "provision"
                else "Which user do you mean? Please give their email address."
            )
        elif slot == "choice":
            question = (
                f"Do you want to close {who}'s memberships (reversible; say which account, or 'all') "
                f"or purge {who}'s data (irreversible, and it needs your confirmation)?"
            )
        elif slot == "accounts" and frame.intent == "close":
            listed = f" ({accounts})" if accounts else ""
            question = f"Which account should I close {who}'s membership on{listed}, or all of them?"
        elif slot == "accounts":
            question = f"On which account? The organization has: {accounts or '(none found)'}."
        elif slot == "profile":
            where = (
                frame.accounts[0] if frame.accounts else (self.vocabulary.default_account or "the account")
            )
            choices = ", ".join(self.grounding.profiles(self.grounding.account(where) or where))
            question = f"Which permission profile should {who} have on {where}?" + (
                f" Available: {choices}." if choices else ""
            )
        elif slot == "groups":
            on = frame.accounts[0] if frame.accounts else None
            choices = ", ".join(
                self.vocabulary.groups.get(on, ()) if on else self.vocabulary.all_groups()
            )
            question = "Which group(s)?" + (f" Available: {choices}." if choices else "")
        else:
            question = f"What should I change for {who}: first name, last name or job title, and to what?"
        return Plan(question, clarify=True, state={"pending": {"frame": frame.as_dict(), "missing": slot}})

    def _calls(self, frame: Frame) -> list[ToolCall]:
        intent = frame.intent
        if intent in READ_INTENTS:
            read = filters.with_filters(frame, self._read_call(frame), employee=self.employee)
            return [ToolCall(id="", action=read[0], args=read[1])]
        calls = []
        for email in frame.emails:
            for args in self._write_args(frame, email):
                calls.append(ToolCall(id="", action=WRITE_ACTION_OF[args["operation"]], args=args))
        return calls

    def _read_call(self, frame: Frame) -> tuple[str, dict]:
        intent = frame.intent
        if intent == "list_users":
            args = {
                "status": frame.status,
                "name_contains": frame.name_contains,
                "email": next((e for e in frame.emails if e != self.actor), None),
                "account": frame.accounts[0] if frame.accounts else None,
                "last_modified_since": frame.since,
                "page_size": frame.page_size,
            }
            return "list_users", {k: v for k, v in args.items() if v is not None}
        action, operation = CALLS[intent] or ("", "")
        op = catalogue.lookup(action, operation)
        slots = {"email": frame.emails[:1], "account": frame.accounts[:1]}  # what REQUIRED asked for
        return action, {"operation": operation, **{f: slots[f][0] for f in (op.required if op else ())
                                                   if slots.get(f)}}

    def _write_args(self, frame: Frame, email: str) -> list[dict]:
        call = CALLS.get(frame.intent)
        op = call[1] if call else frame.intent
        base: dict[str, Any] = {"operation": op, "email": email}
        if op == "close":
            if frame.all_accounts or not frame.accounts:
                return [{**base, "all_accounts": True}]
            if len(frame.accounts) == 1:
                return [{**base, "account": frame.accounts[0]}]
            return [{**base, "accounts": list(frame.accounts)}]
        if op == "purge":
            return [base]
        if op == "update":
            fields = {
                "first_name": frame.first_name,
                "last_name": frame.last_name,
                "job_title": frame.job_title,
            }
            base.update({k: v for k, v in fields.items() if v})
            if frame.accounts and frame.job_title:
                base["account"] = frame.accounts[0]
            return [base]
        extra: dict[str, Any] = {}
        if frame.profile and op in ("provision", "reactivate", "change_permission_profile"):
            extra["permission_profile"] = frame.profile
        if frame.groups and op in ("provision", "add_groups", "remove_groups", "set_groups"):
            extra["groups"] = list(frame.groups)
        if op == "provision":
            extra.update(
                {k: v for k, v in (("first_name", frame.first_name), ("last_name", frame.last_name)) if v}
            )
            if not frame.accounts:
                return [{**base, **extra}]
        return [{**base, "account": account, **extra} for account in frame.accounts]

    # -- vocabulary helpers --------------------------------------------------------------------

    def _org(self) -> str:
        return self.vocabulary.organization or "your"

    def _account_labels(self) -> list[str]:
        default = self.vocabulary.default_account
        return [f"{a} (default)" if a == default else a for a in self.vocabulary.accounts]


def _bulk_plan(text: str) -> Plan | None:
    """'provision everyone in new_hires.csv', 'close everyone in leavers.csv': one bulk_users call
    with the file as named (the gate confines it and judges every row); a file with no clear verb
    is asked about, never guessed."""
    name = bulk_file(text)
    if name is None or (not name.lower().endswith(".csv") and not BULK_CUE.search(text.lower())):
        return None
    if is_question(text.lower()):  # "which users in new_hires.csv exist already?": never a write
        return None
    kind = bulk_kind(text)
    if kind is None:
        return Plan(f"What should I do with the users in {name}: add them (new users), update their "
                    "profiles or groups, or close their memberships?", clarify=True)
    args = {"operation": kind, "file": name, **({"skip_invalid": True} if skip_invalid(text) else {})}
    return Plan(calls=[ToolCall(id="", action="bulk_users", args=args)])


def _changed_listing(intent: str | None, lexed, changed):
    """'what changed since yesterday?', 'users updated since ...': a listing of who changed, with the
    period; the period is dropped for any other intent."""
    if changed and (intent in (None, "list_users", "list_org") or (
            intent == "update" and not lexed.entities("email"))):
        intent = "list_users"
    return intent, (changed if intent == "list_users" else None)


def _about_someone(intent: str | None, lexed) -> str | None:
    """'Show Tom Baker's memberships', 'What accounts does John Doe have?': a question about a named
    person's access is about their memberships, not the organization's."""
    if intent == "list_users":  # "who is Ken Watanabe?": no filter, only a person
        listing = fill(intent, lexed)  # "Is Nina Patel activated?" has a status, and still one person
        if listing.name_contains or listing.emails or listing.accounts:
            return intent
    elif intent not in (None, "list_org", "list_profiles", "list_groups") or not ACCESS_WORDS.search(
        lexed.skeleton()
    ):
        return intent
    return "user_memberships" if fill("user_memberships", lexed).person else intent


def _memberships(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The memberships a user_memberships read returned (none when it failed)."""
    rows = ((result.get("data") or {}).get("memberships") or []) if result.get("kind") == "ok" else []
    return [m for m in rows if isinstance(m, dict) and m.get("account")]


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one letter changed, added, removed or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        i, j = [*diff, 0, 0][:2]
        swapped = len(diff) == 2 and j == i + 1 and (a[i], a[j]) == (b[j], b[i])
        return len(diff) == 1 or swapped
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _noted(plan: Plan, notes: list[str]) -> Plan:
    """Say whom each name was taken to be, before whatever comes next."""
    if notes:
        plan.text = ".\n".join(notes) + "." + (f"\n\n{plan.text}" if plan.text else "")
    return plan


def _slot_filled(frame: Frame, slot: str) -> bool:
    if slot == "emails":
        return bool(frame.emails) and not frame.asking_about
    if slot == "choice":
        return frame.intent != "delete"
    if slot == "accounts":
        return bool(frame.accounts) or (frame.intent == "close" and frame.all_accounts)
    if slot == "changes":
        return _has_changes(frame)
    return bool(getattr(frame, slot))


def _has_changes(frame: Frame) -> bool:
    return bool(frame.first_name or frame.last_name or frame.job_title)


def _bare_answer(raw: str) -> str | None:
    """An answer that is just a name ('the DocuSign Sender profile' -> 'DocuSign Sender')."""
    text = re.sub(
        r"^(it'?s |use |make it |on |in |as |to |with |the |an? )+", "", raw.strip(" .!?\"'"), flags=re.I
    )
    text = re.sub(r"\s+(profile|account|group|groups|role|please)$", "", text, flags=re.I).strip(" \"'")
    if not text or "@" in text or len(text) > 100:
        return None
    return text


# -- the reply after the gate answered ---------------------------------------------------------


def report(results: list[dict[str, Any]]) -> str:
    """The reply text from the tool results the conversation fed back."""
    from agent.render import result_text

    return "\n\n".join(result_text(_result_of(block)) for block in results)


def _result_of(block: dict[str, Any]) -> dict[str, Any]:
    """A tool_result block's content back as the Result's JSON form."""
    content = block.get("content")
    if isinstance(content, list):
        content = "".join(c.get("text", "") for c in content if isinstance(c, dict))
    try:
        result = json.loads(content) if isinstance(content, str) else content
    except json.JSONDecodeError:
        result = None
    return result if isinstance(result, dict) else {"kind": "error", "message": str(content)}
