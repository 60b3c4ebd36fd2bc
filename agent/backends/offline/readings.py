"""Which reading of a request the planner takes when the words allow two: a listing of who changed
or a person named "modified"; a named person's memberships or the organization's; a listing by a
profile it cannot filter on; a write read through a misspelt word, shown back before it runs.

Why apart from ``planner``: each is one small rule over the request already read (intent, lexed
sentence, frame), with no state of its own.
"""

from __future__ import annotations

import re

from agent.backends.offline.frame import STATUS_NAMES, Frame
from agent.backends.offline.intents import reads_only
from agent.backends.offline.plan import Plan
from agent.backends.offline.slots import fill

ACCESS_WORDS = re.compile(
    r"\b(accounts?|memberships?|profiles?|permissions?|access|groups?|roles?|rights|send|sign|admin)\b|"
    r"<acct>|<prof>|<grp>"
)
# asked about one person, these words ask for their memberships too: "what's raj's status right now?"
STATUS_ASKED = re.compile(r"\b(status|active|activated|pending|closed|disabled|set up|invited)\b")


def changed_listing(intent: str | None, lexed, changed):
    """'what changed since yesterday?', 'users updated since ...': a listing of who changed, with the
    period; the period is dropped for any other intent."""
    if changed and (intent in (None, "list_users", "list_org") or (
            intent == "update" and not lexed.entities("email"))):
        intent = "list_users"
    return intent, (changed if intent == "list_users" else None)


def about_someone(intent: str | None, lexed) -> str | None:
    """'Show Tom Baker's memberships', 'What accounts does John Doe have?': a question about a named
    person's access is about their memberships, not the organization's."""
    if intent == "list_users":  # "who is Ken Watanabe?": no filter, only a person
        listing = fill(intent, lexed)  # "Is Nina Patel activated?" has a status, and still one person
        if listing.name_contains or listing.emails or listing.accounts:
            return intent
    elif intent not in (None, "list_org", "list_profiles", "list_groups") or not (
        ACCESS_WORDS.search(lexed.skeleton()) or _status_question(lexed.skeleton())
    ):
        return intent
    person = fill("user_memberships", lexed).person
    if person and intent == "list_users" and _placed(person, lexed.skeleton()):
        return intent  # "everyone in Marketing", "who in marketing is pending?": a place or a status
    return "user_memberships" if person else intent


def _placed(person: str, s: str) -> bool:
    """Whether the 'person' of a listing is a status word or a name after in/on/at (an unknown
    account or group, which the listing names back), not someone to look up."""
    low = person.lower()
    return low in STATUS_NAMES or bool(re.search(rf"\b(in|on|at|from) (the )?{re.escape(low)}\b", s))


def _status_question(s: str) -> bool:
    return bool(STATUS_ASKED.search(s)) and (reads_only(s) or s.endswith("?"))


def respelled_text(text: str, respelled: list[tuple[str, str]]) -> str:
    """The request with each misspelt word as it was read ("deactvate" -> "deactivate")."""
    for typed, meant in respelled:
        text = re.sub(rf"(?<![\w@.]){re.escape(typed)}(?![\w@])", meant, text, count=1)
    return text


def reading_asked(frame: Frame) -> Plan | None:
    """A write read through a misspelt word: the corrected sentence is shown and needs a yes."""
    if not frame.respelled:
        return None
    return Plan(
        f"Did you mean \u201c{frame.respelled[0]}\u201d? Say yes to go ahead, or say it again in other "
        "words; nothing was changed.",
        clarify=True,
        state={"pending": {"frame": frame.as_dict(), "missing": "reading"}},
    )
