"""Pronouns that point back: "what profile does maya have?" then "ok make her a sender".

Why from the transcript's calls and not from the words: the person the conversation was last about
is the one the last reads or writes were about, with the email the gate itself used. Only a single
person counts: the last call about one user (its ``email``), or a listing that found exactly one.
A listing of several people, or the speaker themselves, makes the pronoun unclear, and then nothing
is resolved (the planner asks whom). The request is rewritten with the email in the pronoun's
place and read like any other, so the gate grounds and decides it, and the reply says whom the
pronoun was taken to be.
"""

from __future__ import annotations

import re
from typing import Any

from agent.backends.offline.followups import Past

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# what "her" owns when it is a possessive ("her title", "her groups"), not the person acted on
OWNED = (r"(title|job|name|first|last|surname|profile|permission|permissions|role|rights|groups?|access|"
         r"accounts?|memberships?|seat|status|details|email)")
PRONOUN = re.compile(
    rf"\b(?:(?P<own>his|their)|(?P<her_own>her)(?=\s+{OWNED}\b)|(?P<obj>him|her|them|she|he))\b",
    re.IGNORECASE,
)


def referent(history: list[Past], actor: str) -> str | None:
    """The one person the conversation was last about, or None when that is unclear."""
    for past in reversed(history):
        email = past.args.get("email")
        if not email and past.action == "list_users":
            rows = _users(past.result)
            if rows is None:
                continue
            email = rows[0].get("email") if len(rows) == 1 else None
            if email is None:
                return None  # a listing of several people (or none): "her" is unclear
        if email:
            email = str(email).lower()
            return None if email == actor.lower() else email
    return None


def _users(result: dict[str, Any]) -> list[dict[str, Any]] | None:
    data = result.get("data") if result.get("kind") == "ok" else None
    rows = data.get("users") if isinstance(data, dict) else None
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else None


def with_referent(text: str, email: str) -> tuple[str, str] | None:
    """(``text`` with its pronouns replaced by ``email``, the first pronoun as typed), or None when
    the text names an email of its own or has no pronoun."""
    if EMAIL.search(text):
        return None
    first = PRONOUN.search(text)
    if first is None:
        return None

    def put(m: re.Match) -> str:
        return email if m.group("obj") else f"{email}'s"

    return PRONOUN.sub(put, text), first.group(0)


def said_whom(pronoun: str, email: str) -> str:
    return f"I took \u201c{pronoun}\u201d to be {email}, the person we were just talking about."
