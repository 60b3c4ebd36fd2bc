"""Words that only pace or soften a request: "after all", "too", "as well", "now", "pls", "thanks".

Why taken out before the names are read: a value is read up to the end of the sentence, so a
trailing "now" became part of the job title ("Account Executive now") and "after all" part of the
account ("EMEA after all", an unknown account asked about). These words never belong to a name, a
title or an account when they end the request, so they are dropped there (the final "?" stays: it
makes a question). "as well as" joins two values like "and": "add him to Sales as well as
Finance" names two groups. Time words ("right now", "asap", "today") are ``timing``'s.
"""

from __future__ import annotations

import re

# Filler that may end a request, longest first so "as well" is taken whole before "well" is tried.
TRAILING = (
    "after all", "as well", "too", "also", "now", "please", "pls", "plz", "thanks", "thank you", "thx",
    "ty", "cheers",
)
_TRAILING = re.compile(
    r"(?:[\s,;:-]+|^)(?:" + "|".join(re.escape(w) for w in sorted(TRAILING, key=len, reverse=True))
    + r")(?P<end>[\s.!?]*)$",
    re.IGNORECASE,
)
AS_WELL_AS = re.compile(r"\s+(?:as well as|along with|together with)\s+", re.IGNORECASE)


def unfilled(text: str) -> str:
    """``text`` without the filler that ends it, and "as well as" read as "and"."""
    text = AS_WELL_AS.sub(" and ", text)
    while True:
        m = _TRAILING.search(text)
        if m is None or not text[: m.start()].strip():
            return text
        text = text[: m.start()].rstrip(" ,;:-") + m.group("end").strip()
