"""Requests dsadmin cannot serve, recognised as such instead of being answered with a listing.

Why: "Which users haven't sent an envelope in 90 days?" once listed every user, which reads as an
answer and is not one. The DocuSign Admin API that dsadmin drives manages users, their account
memberships, permission profiles and groups; envelopes, usage, passwords, brands, licences and
transfers live elsewhere. Each row: what gives such a request away, and the words for it. A filter
that the listing cannot apply ("joined since Monday") is named back, never dropped; "changed since
yesterday" is a filter the listing has (``since.changed_since``).
"""

from __future__ import annotations

import re

CAN_DO = (
    "dsadmin administers users and their account memberships: it lists users (by status, account, "
    "email or name), accounts, permission profiles and groups, and provisions, changes profiles or "
    "groups, closes, reactivates or purges users."
)
# (pattern over the lower-cased request, what it is about)
TOPICS: tuple[tuple[str, str], ...] = (
    # "Olivia is transferring to the Contractors team" is context about a person, not a transfer
    (r"\btransfer(ring|red|s)?\b"
     r"(?! (over )?to (the )?[\w-]+( [\w-]+)? (team|department|office|division|unit)\b)",
     "transfers of envelopes or ownership"),
    # "envelopes", "who hasn't sent a document": what was sent, not someone's need to send
    (r"\benvelopes?\b|\b(sent|signed) (any|a|an|no) (documents?|contracts?)\b|"
     r"\b(sent|signed|signing|sending) (anything|nothing)\b", "envelopes"),
    (r"\bpasswords?\b|\b(2fa|mfa|two-factor)\b|\blocked out\b", "passwords and sign-in security"),
    (r"\bbrand(s|ing)?\b|\blogos?\b", "brands"),
    (
        r"\bhow many (licen[cs]es|seats)\b|\blicen[cs]es? (left|remaining|available|count|usage)\b|"
        r"\b(unused|spare|free) (licen[cs]es|seats)\b|\bbilling\b(?! admin)|\binvoices?\b",
        "licences and billing",
    ),
    (
        r"\busage\b|\blast (log ?in|sign[ -]?in|active|activity)\b|\blogged in\b|\bactivity\b|"
        r"\binactive (for|since)\b",
        "usage and sign-in activity",
    ),
)
UNSUPPORTED_FILTERS = re.compile(
    r"\b((changed|modified|updated|edited|created|added|joined|invited)\s+)?"
    r"(since (yesterday|today|last \w+|monday|tuesday|wednesday|thursday|friday|\d[\w/-]*)|"
    r"in (the )?(last |past )?\d+ (days?|weeks?|months?|hours?|minutes?)|(yesterday|last week|last month)|"
    r"(before|after) \d[\w/-]*)"
)


def declined(text: str) -> str | None:
    """One sentence naming what the Admin API cannot serve and what dsadmin can, or None."""
    low = text.lower()
    for pattern, topic in TOPICS:
        if re.search(pattern, low):
            return f"I cannot help with {topic}: that is outside the DocuSign Admin API. {CAN_DO}"
    return None


def unsupported_filter(text: str) -> str | None:
    """The part of a listing request no action can filter on ("changed since yesterday")."""
    m = UNSUPPORTED_FILTERS.search(text.lower())
    return m.group(0).strip() if m else None


def filter_refusal(phrase: str) -> str:
    return (
        f"I cannot filter users by \u201c{phrase}\u201d: a user listing filters only by status, account, "
        "email, name or when a user last changed. Ask for one of those (for example \u201clist pending "
        "users on EMEA\u201d or \u201cwho changed in the last 3 days?\u201d)."
    )
