"""Writes the person said *not* to do: "don't close chris yet, just check his access".

Why apart: a negated verb is the one place where the words of a write appear while the person asks
for the opposite; reading past the negation turns a "don't" into the very write. The negated clause
is dropped up to the next clause break, and what remains is read as the request (a pronoun there
stands for the address the dropped clause named); when nothing remains, the answer is that nothing
was changed. The verbs are data, the words of every write the planner reads.
"""

from __future__ import annotations

import re

from agent.backends.offline.words import words

WRITE_VERBS = words(
    """
    add assign block bump change close create cut deactivate delete demote disable downgrade drop
    erase give grant kick kill lock make move nuke offboard onboard promote provision purge reactivate
    redact remove rename reopen revoke set suspend switch take terminate touch update upgrade wipe
    """
)
_NEGATION = r"(?:do\s+not|don'?t|dont|never|no\s+need\s+to|please\s+don'?t|not)"
NEGATED = re.compile(
    rf"(?:\b(?:i|we)\s+)?\b{_NEGATION}\s+(?:(?:want|need|yet|go|ahead|and|to|you|actually|really)\s+){{0,3}}"
    rf"(?P<verb>{'|'.join(sorted(WRITE_VERBS))})\b(?P<rest_of_clause>(?:[^,;.!?]|\.(?=\S))*)[,;.!?]*\s*"
    r"(?:(?:but|just|instead|only|rather|please|and)\s+)*",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
PRONOUNS = re.compile(r"\b(him|her|them|his|hers|their)\b", re.IGNORECASE)


def unnegated(text: str) -> tuple[str, str | None]:
    """``text`` without its negated write clauses, and the first such clause as said (None: none)."""
    found = NEGATED.search(text)
    if found is None:
        return text, None
    said = " ".join(text[found.start() : found.end("rest_of_clause")].split()).rstrip(" ,;.!?")
    rest = (text[: found.start()] + text[found.end() :]).strip(" ,;.!?")
    named = EMAIL.findall(found.group(0))
    if rest and named and not EMAIL.search(rest):
        rest = PRONOUNS.sub(lambda m: named[0] + ("'s" if m.group(1).lower() in ("his", "hers", "their")
                                                    else ""), rest, count=1)
    return rest, said


def nothing_done(said: str) -> str:
    """The answer when the request was only what not to do."""
    return f"Understood: you asked me not to do that (\u201c{said}\u201d). Nothing was changed."
