"""The words a slot reader stops at, shared by the slot, cue and name readers.

Why apart: each reader walks the same tokens and must stop at the same function words, so they are
spelled once here rather than in each reader.
"""

from __future__ import annotations

from agent.backends.offline.grounding import Token

ARTICLES = frozenset({"a", "an", "the", "our", "my", "his", "her", "their", "this", "that", "its", "new"})
STOP = ARTICLES | frozenset(
    {
        "on",
        "in",
        "at",
        "as",
        "to",
        "for",
        "with",
        "from",
        "into",
        "onto",
        "of",
        "by",
        "and",
        "or",
        "but",
        "then",
        "also",
        "plus",
        "please",
        "pls",
        "plz",
        "thanks",
        "thank",
        "thx",
        "ty",
        "tia",
        "cheers",
        "kindly",
        "now",
        "asap",
        "today",
        "right",
        "profile",
        "profiles",
        "role",
        "roles",
        "group",
        "groups",
        "account",
        "accounts",
        "membership",
        "memberships",
        "permission",
        "permissions",
        "rights",
        "access",
        "seat",
        "license",
        "licence",
        "user",
        "users",
        "status",
        "named",
        "called",
        "is",
        "be",
        "are",
        "was",
        "me",
        "i",
        "so",
        "because",
        "org",
        "organization",
        "organisation",
        "company",
        "docusign",
        "everywhere",
        "there",
        "too",
        "again",
        "instead",
        "level",
        "it",
        "them",
        "him",
        "her",
        "who",
        "which",
        "what",
        "all",
        "every",
        "each",
    }
)
PUNCT_STOP = frozenset(",.;:!?()[]{}")
CLAUSE_ENDS = frozenset(".;:!?")


def low(toks: list[Token], i: int) -> str:
    if 0 <= i < len(toks) and toks[i].entity is None:
        return toks[i].low
    return ""
