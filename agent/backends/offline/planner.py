"""The offline planner: a deterministic backend for when there is no model at all.

It reads the person's request with the organization's own names (``offline_lexicon``), finds the
intent and its slots (``offline_grammar``) and proposes the matching tool calls, exactly as a model
would, through the same gate. When a required detail is missing it asks for it and keeps the
half-filled request in the turn's ``state`` so the answer completes it; it never fills a write's
detail it was not given. After the gate answers, it writes the reply from the typed results.
"""

from __future__ import annotations

import difflib
import re
from functools import cached_property
from typing import Any

from agent.backends.base import OrgVocabulary
from agent.backends.offline import filters, people
from agent.backends.offline.about_person import answer_state, person_frame, person_question
from agent.backends.offline.checking import CHECK_ONLY, check_only, not_a_change
from agent.backends.offline.compound import Compound
from agent.backends.offline.filler import unfilled
from agent.backends.offline.frame import Frame
from agent.backends.offline.framing import not_an_order, without_asides
from agent.backends.offline.grounding import Lexicon, normalize
from agent.backends.offline.guards import Grounding, check
from agent.backends.offline.howto import how_to
from agent.backends.offline.intents import CALLS, IMPERATIVE, classify, is_question
from agent.backends.offline.lookups import Lookups
from agent.backends.offline.nearby import one_edit, plain_slip, read_as
from agent.backends.offline.negation import nothing_done, unnegated
from agent.backends.offline.others import unnamed_other, whom_text
from agent.backends.offline.plan import Plan
from agent.backends.offline.polite import as_request
from agent.backends.offline.questions import ask, bare_answer, slot_filled
from agent.backends.offline.readings import (
    about_someone,
    changed_listing,
    reading_asked,
    respelled_text,
)
from agent.backends.offline.scope import unrecognised
from agent.backends.offline.since import BULK_CUE, bulk_file, bulk_kind, changed_since, skip_invalid
from agent.backends.offline.slots import fill
from agent.backends.offline.timing import held_for_the_day, later, not_scheduled, untimed
from agent.backends.offline.unapplied import place_question, unapplied, unapplied_note, unknown_place
from agent.backends.offline.unsupported import (
    LACKING,
    closed_period_note,
    declined,
    filter_refusal,
    unsupported_filter,
)
from policies import catalogue
from tools.actions import WRITE_ACTIONS, ToolCall

# "move sofia to HR": join HR and keep the other groups, or HR alone? Asked, never guessed.
MOVE_TO_GROUP = re.compile(r"\b(move|switch|transfer|shift)\b.*<grp>")
MOVE_QUESTION = (
    "Moving someone to a group can mean two things. Say \u201cadd <email> to <group> on <account>\u201d "
    "to have them join it and keep their other groups, or \u201c<email> should only be in <group> on "
    "<account>\u201d to make it their only group. Nothing was changed."
)
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
# a cancel is the whole answer ("no", "never mind"); "no wait, just close her on EMEA" is a correction
CANCEL = re.compile(
    r"^(cancel|never ?mind|forget (it|that)|stop|abort|no|nope|no thanks|don't|dont|no,? wait|wait)"
    r"( (it|that|thanks|please|then))?[\s.!]*$"
)
CORRECTION = re.compile(
    r"^((no|nope)([,.!;:-]+\s*|\s+(?=wait|actually|sorry|just|make|close|change))|"
    r"(wait|actually|sorry|oops|hmm|scratch that|on second thought)[,.!;:-]*\s+)+(just |rather |instead )?",
    re.IGNORECASE,
)
YES = re.compile(
    r"^(yes|y|yep|yeah|yup|sure|correct|right|exactly|ok|okay|please do|go ahead|do it|that's right|"
    r"confirm(ed)?)\b"
)
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


class Planner(Lookups, Compound):
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
        """The reply to ``text``: calls, or a question. A request that says it only checks ("just
        checking", "don't change anything") is read as a question and never proposes a write."""
        text = normalize(text)
        checking = check_only(text)
        plan = self._plan(CHECK_ONLY.sub("", text).strip(" ,.;:-!") if checking else text, pending, checking)
        if checking and any(c.action in WRITE_ACTIONS for c in plan.calls or []):
            return Plan(not_a_change(text), clarify=True)
        return plan

    def _plan(self, text: str, pending: dict | None, checking: bool) -> Plan:
        stripped = POLITE.sub("", as_request(OPENING.sub("", text))).strip(" .!")
        opening = self._opening(stripped, pending)
        if opening is not None:
            return opening
        if pending and pending.get("missing") == "reading":
            pending = None  # not a yes to the reading offered: the new words are read afresh
        stripped = CORRECTION.sub("", stripped) or stripped  # "no wait, just close her on EMEA"
        stripped, refused = unnegated(stripped)  # "don't close chris yet, just check his access"
        if refused and not stripped:
            return Plan(nothing_done(refused), clarify=True)
        changed_in = None if pending else changed_since(stripped)  # "changed today" is a filter
        stripped, until = untimed(stripped)
        stripped = unfilled(stripped)  # "EMEA after all", "Account Executive now": filler, not the value
        stripped, day = (stripped, None) if changed_in else later(stripped)
        stripped = stripped if pending else without_asides(stripped)  # "(he moved to Finance)"
        lexed = self.lexicon.lex(stripped)
        intent = filters.question_intent(classify(lexed, checking), lexed)  # "how many senders on EMEA?"
        intent, changed = changed_listing(intent, lexed, changed_in)
        aside = self._aside(intent, lexed, stripped, pending, changed)
        if aside is not None:
            return aside
        asked = None if pending else person_question(stripped)
        if asked is not None:  # "which accounts sofia is on", "is victor still active on EMEA?"
            groups = {g.lower(): g for g in self.grounding.groups(None)}
            return self._complete(person_frame(asked, self.grounding.account, groups.get))
        ordered = IMPERATIVE.match(lexed.skeleton())  # "move sofia to HR" orders; it asks nothing
        if not changed and not ordered:  # "who was modified in the last 3 days": no person "modified"
            intent = about_someone(intent, lexed)
        # an employee's own request always waits for an approver, who reads the exact change
        admin_write = not (pending or self.employee or intent in READ_INTENTS or intent is None)
        unordered = not_an_order(stripped) if admin_write else None
        if unordered:  # "if X is still active, close him", "jane asked me if she could be…"
            return Plan(unordered, clarify=True)
        if pending:
            standalone = fill(intent, lexed) if intent else None
            if standalone is None or (
                intent not in READ_INTENTS and not standalone.emails and not standalone.person
            ):
                frame = Frame.from_dict(pending["frame"])
                return self._resume(frame, pending.get("missing"), lexed, stripped)
        if CONFIRM_WORDS.search(stripped.lower()) and not intent:
            return Plan(
                "I cannot confirm anything myself: a pending confirmation is answered at the y/N "
                "prompt, or with `dsadmin confirm TOKEN --as YOUR_EMAIL`.",
                clarify=True,
            )
        combined = None if pending else self._several(stripped)
        if combined is not None:
            return combined
        if intent is None and ordered and MOVE_TO_GROUP.search(lexed.skeleton()):
            return Plan(MOVE_QUESTION, clarify=True)
        if intent is None:
            return Plan(
                f"I could not understand \u201c{text[:200]}\u201d. I understand requests like:\n{EXAMPLES}",
                clarify=True,
            )
        return self._request(intent, lexed, changed, until, day)

    def _opening(self, stripped: str, pending: dict | None) -> Plan | None:
        """What is answered before the request is read: a cancel, a greeting, a yes to the reading
        of a misspelt request, a request the Admin API cannot serve, a CSV file."""
        low = stripped.lower()
        if pending and CANCEL.match(low):
            return Plan("OK, I dropped that request; nothing was changed.")
        if not stripped or GREETING.match(low):
            return Plan(
                f"I administer the {self._org()} DocuSign organization. Try, for example:\n{EXAMPLES}",
                clarify=True,
            )
        if pending and pending.get("missing") == "reading" and YES.match(low):
            frame = Frame.from_dict(pending["frame"])
            frame.respelled = []  # the person said yes to the corrected reading
            return self._propose(frame)
        howto = None if pending else how_to(stripped, self.employee)
        if howto:  # "how do I add a user?": the words that do it, not a listing
            return Plan(howto)
        refusal = None if pending else declined(stripped)
        if refusal:
            return Plan(refusal)
        if not pending and unnamed_other(stripped) and not is_question(low):
            return Plan(whom_text(self.employee), clarify=True)  # "give my colleague sender rights"
        return None if pending else _bulk_plan(stripped)

    def _aside(self, intent: str | None, lexed, stripped: str, pending: dict | None, changed) -> Plan | None:
        """A listing it cannot filter as asked, or a question about approval requests."""
        listing = intent in ("list_users", "list_groups", "list_profiles") and not pending and not changed
        refused_filter = unsupported_filter(stripped, intent) if listing else None
        closed = refused_filter and not LACKING.search(stripped.lower())
        if closed and fill("list_users", lexed).status == "closed":
            return self._closed_when(lexed, str(refused_filter))  # "closed this month": the dates shown
        if refused_filter:
            return Plan(filter_refusal(refused_filter), clarify=True)
        if not pending and intent in (None, "list_users", "list_org") and APPROVALS.search(stripped.lower()):
            return Plan(about="approvals")  # the conversation answers from the approval book
        return None

    def _closed_when(self, lexed, phrase: str) -> Plan:
        """'who was closed this month?': no filter takes the closing date, so the closed users are
        listed with the date each membership was closed, under a line saying the period was not applied."""
        plan = self._complete(fill("list_users", lexed))
        if plan.calls and not plan.state:
            plan.text = closed_period_note(phrase)
        return plan

    def _request(self, intent: str, lexed, changed, until: str | None, day: str | None = None) -> Plan:
        """A new request read in full: its frame, completed. A write read through a plain slip of one
        word ("chnage") goes ahead and says how it was read; any doubtful respelling carries the
        corrected sentence, which is asked about before anything is proposed."""
        frame = fill(intent, lexed)
        frame.later = day if intent not in READ_INTENTS else None
        if changed:
            frame.since = changed[0]
        asked = filters.refine(frame, lexed, self.vocabulary)  # "admins": the org's profile, or a question
        if asked:
            return Plan(asked, clarify=True)
        respelled = lexed.respelled() if intent not in READ_INTENTS else []
        if any(not plain_slip(typed, meant) for typed, meant in respelled):
            frame.respelled = [respelled_text(lexed.text, respelled)]
        # "... and add him to finance": a second change the reading leaves out is planned after the
        # first (``compound``) or asked about; never dropped
        second = None if intent in READ_INTENTS else self.second_change(frame, lexed.text, CALLS.get(intent))
        if second is not None:
            return second
        plan = self._complete(frame)
        plan = self._echoed(plan, lexed)
        if respelled and not frame.respelled and plan.calls:
            plan.text = "\n\n".join(filter(None, (read_as(respelled), plan.text)))
        if frame.read_as and plan.calls:  # "“legal” read as the account Acme Legal"
            plan.text = "\n\n".join(filter(None, (*frame.read_as, plan.text)))
        left = unapplied(frame, lexed) if plan.calls and not plan.state else []
        place = unknown_place(left, lexed)
        if place and self.vocabulary.groups:  # with the groups unread, planned again on every name
            return Plan(place_question(place, self.vocabulary), clarify=True)
        if left:  # "who in marketing is pending?": the listing runs, and says what it did not use
            plan.text = "\n\n".join(filter(None, (unapplied_note(left), plan.text)))
        if until and plan.calls and intent not in READ_INTENTS:
            plan.text = "\n\n".join(filter(None, (plan.text, not_scheduled(until))))
        return plan

    def _echoed(self, plan: Plan, lexed) -> Plan:
        """A question for a profile or group that the request seemed to name in words the
        organization does not have ("add X to Finanse on EMEA") says those words back first."""
        missing = ((plan.state or {}).get("pending") or {}).get("missing")
        known = (*self.vocabulary.all_profiles(), *self.vocabulary.all_groups())
        names = {w for name in known for w in name.lower().split()}
        odd = [w for w in unrecognised(lexed) if w.lower() not in plan.text.lower()
               and (w[:1].isupper() or difflib.get_close_matches(w.lower(), names, n=1, cutoff=0.8))]
        if plan.clarify and missing in ("profile", "groups") and odd:
            plan.text = f"I do not recognise \u201c{' '.join(odd)}\u201d in {self._org()}. {plan.text}"
        return plan

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
        bare = bare_answer(raw)
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
            return self.chained(frame, early)
        if frame.intent == "provision" and self._own(frame) and not frame.accounts and not memberships_read:
            # "I need a seat": read what they hold first (a seat already held is said so, not
            # requested again); with an account named, the request goes as asked
            return self._look_up_memberships(frame, lookup="own_seat")
        for slot, intents in REQUIRED:
            if frame.intent in intents and not slot_filled(frame, slot):
                if (
                    slot == "accounts"
                    and len(frame.emails) == 1
                    and (frame.intent in LOOKUP_INTENTS or frame.intent == "close")
                ):  # a close offers only the user's own open memberships, never every account
                    return self._look_up_memberships(frame)
                if self._for_others(frame):  # an employee asking for a colleague: the policy answers
                    return self._propose(frame)
                return self._ask(frame, slot)
        own_change = frame.intent == "change_profile" and self._own(frame) and len(frame.accounts) == 1
        if own_change and not memberships_read:
            return self._look_up_memberships(frame, lookup="seat")
        return self._propose(frame)

    def _for_others(self, frame: Frame) -> bool:
        """An employee's write for someone else ("a seat for jo@acme.com"): the policy refuses it, so
        no detail is asked first (a profile question would promise a request that cannot be made)."""
        others = [e for e in frame.emails if e != self.actor]
        return self.employee and frame.intent not in READ_INTENTS and bool(others) and frame.intent in CALLS \
            and CALLS[frame.intent] is not None

    def _propose(self, frame: Frame) -> Plan:
        """The calls, once every value is grounded or plausible; else the question naming it."""
        return self.chained(frame, (
            self._problem(frame)
            or self._domain_slip(frame)
            or reading_asked(frame)
            or Plan(calls=self._calls(frame), state=answer_state(frame),
                    hold=held_for_the_day(frame.later) if frame.later else None)
        ))

    def _domain_slip(self, frame: Frame) -> Plan | None:
        """'maya.chen@acme.con': a domain one letter away from the organization's own (the speaker's)
        is a slip, and a write would create or look for the wrong address. Asked, never corrected."""
        if frame.intent in READ_INTENTS:
            return None
        own = self.actor.rpartition("@")[2]
        for email in frame.emails:
            local, _, domain = email.rpartition("@")
            if domain != own and one_edit(domain, own):
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

    def _ask(self, frame: Frame, slot: str, offered: list[str] | None = None) -> Plan:
        return self.chained(frame, ask(frame, slot, self.vocabulary, self.grounding, offered))

    # -- vocabulary helpers --------------------------------------------------------------------

    def _org(self) -> str:
        return self.vocabulary.organization or "your"


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


