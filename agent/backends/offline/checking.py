"""Requests that say they only check: "just checking", "don't change anything", "no changes".

Why its own rule: "sam should be a sender on Acme Main - just checking, don't change anything" has
the words of a change ("should be a sender"), and once "don't change anything" is read as the
negated clause it is, what remains reads like an order. The person said in so many words that
nothing is to change, so the whole request is read as a question: only reads are considered, and a
request that still comes out as a write is asked about instead (a no-op write proposal would
contradict what they said).
"""

from __future__ import annotations

import re

CHECK_ONLY = re.compile(
    r"\b(just|only|merely|simply) (checking|asking|curious|wondering|confirming|verifying|looking)\b|"
    r"\b(don'?t|dont|do not|please don'?t|no need to|without) (change|changing|touch|touching|modify|"
    r"modifying|update|updating|edit|editing) (anything|a thing|nothing)\b|"
    r"\b(no|without) changes?\b|\bread[- ]only\b|\bnot (asking|looking) (you )?to change\b",
    re.IGNORECASE,
)


# "close X but don't change anything else": one change, and nothing besides it
BESIDES = re.compile(r"\b(else|except|besides|apart from|other than)\b", re.IGNORECASE)


def check_only(text: str) -> bool:
    """Whether the request says it only checks and nothing is to change."""
    return bool(CHECK_ONLY.search(text)) and not BESIDES.search(text)


def not_a_change(text: str) -> str:
    """The answer when a request that said it only checks still read as a change."""
    return (f"You said nothing should change, so I did not read \u201c{text[:200]}\u201d as a change and "
            "nothing was changed. Ask it as a question (e.g. \u201cis sam.lee@acme.com a sender on "
            "Acme Main?\u201d) and I will look it up.")
