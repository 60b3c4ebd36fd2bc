"""Someone else named through the speaker: "give my colleague sam sender rights", "I need DocuSign
for my new hire, jo@acme.com".

Why a rewrite before the request is read: "my" is the speaker, so "my colleague sam" read word by
word made the speaker the target (an employee's own Sender request) and "colleague sam sender
rights" a profile name. The relation says the request is for someone else: it is dropped when the
person is named right after it ("my colleague sam" -> "sam", "my new hire, jo@acme.com" ->
"jo@acme.com"), and the name or email is read as any other. With nobody named ("give my colleague
sender rights") the request is about someone the planner cannot know: it is answered, never read
as the speaker's own (``unnamed_other``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from agent.backends.offline.grounding import Token

# The people a speaker names through themselves (singular; a plural "s" is allowed).
RELATIONS = (
    "colleague", "co-worker", "coworker", "teammate", "team mate", "team member", "new hire", "hire",
    "new starter", "starter", "new joiner", "joiner", "direct report", "report", "manager", "boss",
    "intern", "assistant", "contractor", "friend", "employee", "staff member", "supervisor", "team",
    "department",
)
# Only as the object of a request ("give my colleague…", "for my new hire"): "my manager said…" and
# "she's on my team" say who asked or who she is, and stay as they are.
BEFORE = (
    "add", "put", "give", "make", "set", "get", "change", "switch", "move", "remove", "drop", "close",
    "reactivate", "provision", "create", "invite", "onboard", "grant", "assign", "promote", "demote",
    "upgrade", "downgrade", "update", "include", "enrol", "enroll", "kick", "revoke", "bump", "for",
    "help", "let", "allow", "license", "up", "onboard", "register",
)
_RELATION = "|".join(sorted((re.escape(r) for r in RELATIONS), key=len, reverse=True))
# "my colleague", "one of my colleagues", "our new intern"; what follows decides the rewrite
MY_RELATION = re.compile(
    rf"\b(?P<before>(?:{'|'.join(BEFORE)}) )(?:one of )?(?:my|our) (?:new )?(?:{_RELATION})s?\b"
    r"(?:\s*[,:(-]\s*|\s+)?",
    re.I,
)
# a name or an email right after the relation: the person meant ("sam", "Liam O'Connor", "jo@acme.com")
_NAMED = re.compile(r"[\w.'+-]+@[\w.-]+|[a-z][\w'-]*", re.I)
# words after the relation that are not a name: the request goes on ("my colleague sender rights")
_NOT_A_NAME_WORDS = """a an the to on in as for from with and or but access sender viewer admin rights seat
    docusign account profile needs need wants want should is has can could will who that"""
NOT_A_NAME = frozenset(_NOT_A_NAME_WORDS.split())
SOMEONE_ELSE = "someone else"


def named_through_speaker(text: str) -> str:
    """``text`` with "my <relation>" dropped before the person it names, or said as "someone else"."""

    def replace(m: re.Match) -> str:
        after = _NAMED.match(text, m.end())
        if after and after.group(0).lower() not in NOT_A_NAME:
            return m.group("before")
        return m.group("before") + SOMEONE_ELSE + (" " if m.group(0).endswith((" ", ",")) else "")

    return MY_RELATION.sub(replace, text)


def unnamed_other(text: str) -> bool:
    """Whether the request is for someone it does not name ("give my colleague sender rights")."""
    return bool(re.search(rf"\b{SOMEONE_ELSE}\b", text, re.I))


def whom_text(employee: bool) -> str:
    """The answer to a request for an unnamed someone else: an employee is told whom to ask (the
    policy lets employees ask only for themselves); an admin is asked who it is."""
    if employee:
        return (
            "You can ask only for your own DocuSign access: a request for a colleague has to come from "
            "them (they can ask me themselves) or from an administrator. Nothing was changed."
        )
    return "Who is it for? Please give their email address (or their name). Nothing was changed."


# "a seat for sam", "sender rights for Sam Lee": for someone named after "for" at the end of the
# request. Not a purpose ("for contracts", "for signing", "for now"), which stays the speaker's own.
_PURPOSE_WORDS = """contracts contract work docs documents document envelopes envelope now today tomorrow
    sales legal finance hr marketing onboarding training testing a an the this that it them everyone
    everybody all both us me myself good real sure later weeks week months month days day year project
    clients client customers customer deals deal ndas nda offers offer letters forms"""
PURPOSES = frozenset(_PURPOSE_WORDS.split())


def named_after_for(toks: list[Token], is_name: Callable[[Token], bool]) -> str | None:
    """The name after a final "for" ("… for sam", "… for Sam Lee"), else None."""
    words: list[str] = []
    for i in range(len(toks) - 1, 0, -1):
        tok = toks[i]
        if not words and tok.entity is None and tok.text in "?.!":
            continue
        if tok.entity is None and tok.low == "for":
            return " ".join(words) if words and _what_is_given(toks[i - 1]) else None
        if len(words) >= 2 or not is_name(tok) or tok.low in PURPOSES or tok.low.endswith("ing"):
            return None
        words.insert(0, tok.text)
    return None


# what is asked for, right before "for <name>": "a seat for sam", "sender rights for Sam Lee"
GIVEN = frozenset({"seat", "access", "license", "licence", "account", "rights", "profile", "role",
                   "permissions", "docusign", "login", "membership"})


def _what_is_given(tok: Token) -> bool:
    if tok.entity is not None:
        return "profile" in tok.entity.kinds
    return tok.low in GIVEN
