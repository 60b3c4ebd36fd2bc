"""A second change in the same sentence that the reading left out.

Why: "set lucas's title to Head of Sales and move him to finance" was read as one request (the
title) and the move was silently dropped: the reply reported what ran, but the person believed
both had. When a later clause carries its own write verb and names something of the organization
(a group, a profile, an account) that none of the planned calls uses, the sentence asked for more
than was understood, and nothing runs until the person asks for the parts one at a time. A clause
whose names the calls do use ("provision maya as a sender and add her to Sales") was understood.
"""

from __future__ import annotations

import re
from typing import Any

from agent.backends.offline.grounding import SELF_WORDS, Lexicon
from agent.backends.offline.negation import WRITE_VERBS
from agent.backends.offline.words import FUNCTION_WORDS

CLAUSE_BREAK = re.compile(r"\s*[;,]\s*|\s+(?:and then|then|and also|and|also|plus)\s+", re.IGNORECASE)
ORG_KINDS = ("group", "profile", "account")


def left_out(text: str, lexicon: Lexicon, args: list[dict[str, Any]], start: int = 1) -> str | None:
    """The first clause from ``start`` on with a write verb of its own and an org name (or a field
    such as the title) no call uses, else None. Of the first clause only a field counts: a name
    there may be what a change takes away ("revoke sender rights for X, make her a viewer")."""
    clauses = [c.strip(" .!?") for c in CLAUSE_BREAK.split(text) if c and c.strip(" .!?")]
    used = {_low(v) for a in args for v in _values(a)}
    for index, clause in enumerate(clauses if len(clauses) > 1 else []):
        if index < start or not {w.lower() for w in re.findall(r"[A-Za-z']+", clause)} & WRITE_VERBS:
            continue
        lexed = lexicon.lex(clause)
        names = {_low(e.value) for kind in ORG_KINDS for e in lexed.entities(kind)}
        if index and names and not names & used:
            return clause
        if index and not names and _unknown_name(clause, used):  # "and add him to Marketing": no such group
            return clause
        if any(re.search(rf"\b{word}\b", clause, re.I) and not any(a.get(field) for a in args)
               for word, field in FIELDS):
            return clause  # "set ken's title to … and remove him from Litigation": the title is a change too
    return None


# a field a clause changes, and the argument that would carry it
FIELDS = (("title", "job_title"), ("first name", "first_name"), ("last name", "last_name"),
          ("surname", "last_name"))


# "to Marketing", "as Chief Signer": a name the organization does not have, after its cue word
NAME_AFTER_CUE = re.compile(r"\b(?:to|in|into|on|as|from)\s+(?:the\s+|a\s+|an\s+)?([A-Za-z][\w&'-]*)")


def _unknown_name(clause: str, used: set[str]) -> bool:
    for m in NAME_AFTER_CUE.finditer(clause):
        word = m.group(1)
        if word.lower() not in FUNCTION_WORDS and word.lower() not in SELF_WORDS and \
                not any(word.lower() in u.split() for u in used):
            return True
    return False


def _values(args: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for value in args.values():
        out.extend(value if isinstance(value, list) else [value])
    return out


def _low(value: Any) -> str:
    return str(value).strip().lower()


def ask_one_at_a_time(clause: str) -> str:
    return (f"That asks for more than one change, and I could not read \u201c{clause}\u201d as part of "
            "the first. Nothing was changed: please ask for each change on its own (with the person's "
            "email and the account in each).")
