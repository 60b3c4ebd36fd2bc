"""The question the planner asks for a missing or doubtful detail, with the names to choose from.

Why apart: every question offers the organization's own names (accounts, profiles, groups), never
a guess, and keeps the half-filled request in its state so the answer completes it.
"""

from __future__ import annotations

import re

from agent.backends.base import OrgVocabulary
from agent.backends.offline.frame import Frame
from agent.backends.offline.guards import Grounding
from agent.backends.offline.plan import Plan


def account_labels(vocabulary: OrgVocabulary) -> list[str]:
    """The organization's accounts, the default one marked."""
    default = vocabulary.default_account
    return [f"{a} (default)" if a == default else a for a in vocabulary.accounts]


def ask(
    frame: Frame, slot: str, vocabulary: OrgVocabulary, grounding: Grounding, offered: list[str] | None = None
) -> Plan:
    """The question for ``slot``; ``offered``: the accounts to name instead of the organization's
    (the person's own memberships)."""
    who = frame.emails[0] if frame.emails else "the user"
    accounts = ", ".join(account_labels(vocabulary) if offered is None else offered)
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
            frame.accounts[0] if frame.accounts else (vocabulary.default_account or "the account")
        )
        choices = ", ".join(grounding.profiles(grounding.account(where) or where))
        question = f"Which permission profile should {who} have on {where}?" + (
            f" Available: {choices}." if choices else ""
        )
    elif slot == "groups":
        on = frame.accounts[0] if frame.accounts else None
        choices = ", ".join(
            vocabulary.groups.get(on, ()) if on else vocabulary.all_groups()
        )
        question = "Which group(s)?" + (f" Available: {choices}." if choices else "")
    else:
        question = f"What should I change for {who}: first name, last name or job title, and to what?"
    return Plan(question, clarify=True, state={"pending": {"frame": frame.as_dict(), "missing": slot}})


def slot_filled(frame: Frame, slot: str) -> bool:
    if slot == "emails":
        return bool(frame.emails) and not frame.asking_about
    if slot == "choice":
        return frame.intent != "delete"
    if slot == "accounts":
        return bool(frame.accounts) or (frame.intent == "close" and frame.all_accounts)
    if slot == "changes":
        return has_changes(frame)
    return bool(getattr(frame, slot))


def has_changes(frame: Frame) -> bool:
    return bool(frame.first_name or frame.last_name or frame.job_title)


def bare_answer(raw: str) -> str | None:
    """An answer that is just a name ('the DocuSign Sender profile' -> 'DocuSign Sender')."""
    text = re.sub(
        r"^(it'?s |use |make it |on |in |as |to |with |the |an? )+", "", raw.strip(" .!?\"'"), flags=re.I
    )
    text = re.sub(r"\s+(profile|account|group|groups|role|please)$", "", text, flags=re.I).strip(" \"'")
    if not text or "@" in text or len(text) > 100:
        return None
    return text
