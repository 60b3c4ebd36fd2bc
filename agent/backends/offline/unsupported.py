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
# Things people ask dsadmin to *do* that no declared action does: (pattern, what, what to ask instead).
# The object must be the account, group or profile itself ("delete the EMEA account"), never a
# person's ("delete maya's account", "create an account for maya" are about a user), and never a
# person's group or profile ("remove the Sales group from maya").
_NOT_A_PERSONS = r"(?!\s+(for|of|to|from|on behalf)\b)"
_THING = r"(the|a|an|our|this|that)\s+(new\s+)?(?!(user|docusign|seat)\b)([\w-]+\s+){0,2}"
_RENAME = r"|\brename\s+(the\s+|our\s+)?([\w-]+\s+){0,2}"  # "rename the Sales group to Revenue"
ACTS: tuple[tuple[str, str, str], ...] = (
    (r"\bre-?send\w*\b.*\b(activation|invit\w*|welcome|e-?mail|link)\b|"
     r"\bsend\b.*\b(activation|invit\w*|welcome) (e-?mail|link|mail)\b.*\bagain\b|"
     r"\b(new|another|fresh) (activation|invitation|invite) (e-?mail|link)\b",
     "resend an activation or invitation email",
     "To see who has not activated yet, ask \u201cwho is still pending?\u201d."),
    (rf"\b(delete|remove|close|rename|create|add|open|set up|make|merge|archive)\s+{_THING}"
     rf"account\b{_NOT_A_PERSONS}{_RENAME}account\b",
     "create, rename or delete an account itself",
     "I can list the accounts, and close or open a user's membership on one (for example "
     "\u201cclose maya.chen@acme.com on Contractors\u201d)."),
    (rf"\b(delete|remove|create|add|make|set up|rename|archive|edit)\s+{_THING}groups?\b{_NOT_A_PERSONS}"
     rf"{_RENAME}groups?\b",
     "create, rename or delete a group itself",
     "I can list an account's groups, and add users to a group or remove them from one."),
    (rf"\b(delete|remove|create|add|make|set up|rename|edit|copy|clone)\s+{_THING}(permission\s+)?"
     rf"profiles?\b{_NOT_A_PERSONS}{_RENAME}(permission\s+)?profiles?\b",
     "create, edit or delete a permission profile itself",
     "I can list an account's permission profiles and change which one a user has."),
)
EMAIL_OR_PERSON = re.compile(r"@|\b(him|her|them|me|my|myself|his|their)\b|'s\b")

# having no group or profile: every membership is in "Everyone", and a listing filters by one group
# or profile that users have, never by one they lack
LACKING = re.compile(r"(\b(no |without (a |any )?)|(\bnot|n't) (in|on|part of|a member of) (a |any )?)"
                     r"(groups?|permission profiles?|profiles?)\b")
UNSUPPORTED_FILTERS = re.compile(
    r"\b((changed|modified|updated|edited|created|added|joined|invited)\s+)?"
    r"(since (yesterday|today|last \w+|monday|tuesday|wednesday|thursday|friday|\d[\w/-]*)|"
    r"in (the )?(last |past )?\d+ (days?|weeks?|months?|hours?|minutes?)|(yesterday|last week|last month)|"
    r"(before|after) \d[\w/-]*|this (week|month|year|quarter)|(last|this) (year|quarter)|in (19|20)\d\d|"
    r"recently|lately)|" + LACKING.pattern
)


def declined(text: str) -> str | None:
    """One sentence naming what the Admin API cannot serve and what dsadmin can, or None."""
    low = text.lower()
    for pattern, topic in TOPICS:
        if re.search(pattern, low):
            return f"I cannot help with {topic}: that is outside the DocuSign Admin API. {CAN_DO}"
    for pattern, what, instead in ACTS:
        found = re.search(pattern, low)
        if found and (what.startswith("resend") or not EMAIL_OR_PERSON.search(low)):
            return (f"I can't {what} with dsadmin: none of its actions does that, so nothing was changed. "
                    f"{instead} {CAN_DO}")
    return None


def unsupported_filter(text: str, intent: str | None = "list_users") -> str | None:
    """The part of a listing request no action can filter on ("changed since yesterday"); for a
    listing of profiles or groups, only a question about users lacking one ("users without a group")."""
    if intent != "list_users":
        lacking = LACKING.search(text.lower())
        about_users = re.search(r"\b(users?|who|people|anyone)\b", text.lower())
        return _said(lacking.group(0)) if lacking and about_users else None
    m = UNSUPPORTED_FILTERS.search(text.lower())
    return _said(m.group(0)) if m else None


def _said(phrase: str) -> str:
    """The phrase as echoed back: "n't in any group" (cut from "isn't") reads "not in any group"."""
    phrase = phrase.strip()
    return "not" + phrase[3:] if phrase.startswith("n't") else phrase


def filter_refusal(phrase: str) -> str:
    return (
        f"I cannot filter users by \u201c{phrase}\u201d, and a listing without it would not answer the "
        "question: a user listing filters only by status, account, email, name, one permission profile, "
        "one group, or when a user last changed. Ask for one of those (for example \u201clist closed "
        "users on EMEA\u201d or \u201cwho changed in the last 3 days?\u201d)."
    )


def closed_period_note(phrase: str) -> str:
    return (f"Not applied: \u201c{phrase}\u201d. A user listing cannot filter by when a membership was "
            "closed, so every closed user is listed below, each closed membership with the date it was "
            "closed (YYYY-MM-DD): read the period off those dates.")
