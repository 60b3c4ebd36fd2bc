"""Never guess a write: every value in a proposed call must come from the request, grounded.

Why a last check of its own rather than care in every rule: the slots are read from the
person's words by position ("as X", "on X", "to X"), which is how an unknown or misspelt name is
noticed at all — and also how "send contracts" once became an account and "on" a job title. So
before anything is proposed, every account, profile and group is checked against the
organization's own names (case-insensitive, whole name; a one-word shorthand only when exactly
one account contains it), and every free-text value (names, job title) against a plausibility
test. Anything that fails becomes a short question that names it and lists the real choices —
only those the policy lets this person have; spelling tolerance (difflib) only suggests.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from agent.backends.base import OrgVocabulary
from agent.backends.offline.frame import Frame
from tools.values import sentence_problem

# Words that make a "name" or "title" a sentence fragment ("just Müller now - can you update it for").
NOT_VALUE_WORDS = frozenset(
    [
        "can",
        "could",
        "would",
        "will",
        "should",
        "shall",
        "please",
        "update",
        "change",
        "set",
        "make",
        "it",
        "him",
        "her",
        "them",
        "he",
        "she",
        "they",
        "his",
        "their",
        "you",
        "your",
        "i",
        "me",
        "my",
        "we",
        "our",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "now",
        "just",
        "thanks",
        "thank",
        "for",
        "on",
        "in",
        "at",
        "to",
        "from",
        "with",
        "so",
        "because",
        "if",
        "when",
        "that",
        "this",
        "which",
        "who",
        "what",
        "why",
        "how",
        "and",
        "or",
        "but",
        "not",
        "no",
        "yes",
        "ok",
        "okay",
    ]
)
NAME_PART = re.compile(r"^[^\W\d_][^\W\d_'\u2019.-]*(?:['\u2019-][^\W\d_]+)*\.?$")
PROFILE_INTENTS = frozenset({"provision", "change_profile", "demote", "reactivate"})
GROUP_INTENTS = frozenset({"provision", "add_groups", "remove_groups", "set_groups"})
FIELD_LABELS = {"first_name": "first name", "last_name": "last name", "job_title": "job title"}


@dataclass
class Problem:
    """What to ask: ``slot`` is cleared on the frame so the answer fills it."""

    slot: str
    text: str


def plausible(value: str | None, field: str) -> bool:
    """A first/last name is one to three name-like words; a job title at most eight words; neither
    has an email, a verb or pronoun from the sentence around it, or a clause break."""
    if not value or "@" in value or re.search(r"\s[-\u2013\u2014]\s|[?!;:]|\s-$", value):
        return False
    if sentence_problem(value):  # the gate's own test: "Head of", "whatever HR says"
        return False
    words = value.split()
    if any(w.lower().strip(".,") in NOT_VALUE_WORDS for w in words):
        return False
    if field in ("first_name", "last_name"):
        return len(words) <= 3 and all(NAME_PART.match(w) for w in words)
    return len(words) <= 8 and any(ch.isalpha() for ch in value)


class Grounding:
    """The organization's names, for checking and for the choices a question offers."""

    def __init__(self, vocabulary: OrgVocabulary, denied_profiles: tuple[str, ...] = ()):
        self.vocabulary = vocabulary
        self.denied = {p.lower() for p in denied_profiles}

    def account(self, name: str) -> str | None:
        """The account's own spelling, or the one account a one-word shorthand names."""
        accounts = self.vocabulary.accounts
        exact = _find(name, accounts)
        if exact or " " in name.strip():
            return exact
        containing = [a for a in accounts if name.strip().lower() in a.lower().split()]
        return containing[0] if len(containing) == 1 else None

    def profiles(self, account: str | None) -> list[str]:
        """The profiles this person may be offered on ``account`` (all accounts' when unknown)."""
        names = self.vocabulary.profiles.get(account or "", ()) or self.vocabulary.all_profiles()
        return [p for p in names if p.lower() not in self.denied]

    def all_profiles(self, account: str | None) -> list[str]:
        return list(self.vocabulary.profiles.get(account or "", ()) or self.vocabulary.all_profiles())

    def groups(self, account: str | None) -> list[str]:
        return list(self.vocabulary.groups.get(account or "", ()) or self.vocabulary.all_groups())

    def where(self, frame: Frame) -> str | None:
        return frame.accounts[0] if frame.accounts else self.vocabulary.default_account


def check(frame: Frame, grounding: Grounding, *, write: bool, early: bool = False) -> Problem | None:
    """The first value of ``frame`` that is not the organization's or not plausible, as a question;
    known names are rewritten to the organization's spelling on the way. ``early``: before the
    account is settled, a profile or group need only exist somewhere in the organization."""
    problem = _check_accounts(frame, grounding)
    if problem is not None:
        return problem
    where = (frame.accounts[0] if frame.accounts else None) if early else grounding.where(frame)
    return (
        (_check_profile(frame, grounding, where) if frame.intent in PROFILE_INTENTS else None)
        or (_check_groups(frame, grounding, where) if frame.intent in GROUP_INTENTS else None)
        or (_check_free_text(frame) if write else None)
    )


def _check_accounts(frame: Frame, grounding: Grounding) -> Problem | None:
    known = grounding.vocabulary.accounts
    if frame.all_accounts:
        frame.accounts = []  # "close all his access on Friday": every account, whatever else was read
    if not known:
        return None  # the organization could not be read: the gate names what it does not find
    for i, name in enumerate(frame.accounts):
        canonical = grounding.account(name)
        if canonical is None:
            frame.accounts = []
            org = grounding.vocabulary.organization or "the organization"
            near = _suggest(name, list(known))
            text = f"There is no account \u201c{name}\u201d in {org}{near}; its accounts are "
            return Problem("accounts", text + f"{', '.join(known)}. Which account do you mean?")
        frame.accounts[i] = canonical
    return None


def _check_profile(frame: Frame, grounding: Grounding, where: str | None) -> Problem | None:
    if not frame.profile:
        return None
    everything = grounding.all_profiles(where)
    if not everything:
        return None
    canonical = _find(frame.profile, everything)
    if canonical:
        frame.profile = canonical
        return None
    offered = grounding.profiles(where)
    name, frame.profile = frame.profile, None
    on = f" on {where}" if where else ""
    text = f"There is no permission profile \u201c{name}\u201d{on}{_suggest(name, offered)}; "
    return Problem("profile", text + f"its profiles are {', '.join(offered)}. Which one should it be?")


def _check_groups(frame: Frame, grounding: Grounding, where: str | None) -> Problem | None:
    known = grounding.groups(where)
    if not frame.groups or not known:
        return None
    for i, name in enumerate(frame.groups):
        canonical = _find(name, known)
        if canonical is None:
            frame.groups = []
            on = f" on {where}" if where else ""
            text = f"There is no group \u201c{name}\u201d{on}{_suggest(name, known)}; its groups are "
            return Problem("groups", text + f"{', '.join(known)}. Which group(s) do you mean?")
        frame.groups[i] = canonical
    return None


def _check_free_text(frame: Frame) -> Problem | None:
    for field, label in FIELD_LABELS.items():
        value = getattr(frame, field)
        if value and not plausible(value, field):
            setattr(frame, field, None)
            return Problem(
                "changes",
                f"\u201c{value}\u201d does not look like a {label}. What should the {label} be? "
                f'(for example: {label} to "\u2026")',
            )
    return None


def _find(name: str, names) -> str | None:
    low = " ".join(name.lower().split())
    return next((n for n in names if n.lower() == low), None)


def _suggest(name: str, choices: list[str]) -> str:
    """' (did you mean DocuSign Viewer?)' for a near spelling: a suggestion, never a substitute."""
    by_low = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(name.lower(), list(by_low), n=1, cutoff=0.75)
    return f" (did you mean {by_low[close[0]]}?)" if close else ""
