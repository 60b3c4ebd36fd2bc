"""A request being understood: its intent and slots, serialisable so a question can resume it.

Also the statuses people name, in their words: a status is an entity of the organization's
directory like an account, so "pending" (quoted or not) is a filter, never a name to search.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

STATUS_WORDS = [
    (
        r"\b(pending|awaiting activation|not (yet )?activated|unactivated|invited|"
        r"activation (sent|required)|"
        r"(hasn't|hasnt|has not|haven't|havent|have not|didn't|did not|never|yet to)"
        r" (yet )?(been )?activat\w*)\b",
        "pending",
    ),
    # "who's been deactivated": the placeholder sentence reads "deactivated" as the cue "deactivate"
    (r"\b(closed|deactivated|(been|were|was|got|are|is) deactivate)\b", "closed"),
    (r"\b(disabled)\b", "disabled"),
    (r"\b(active|activated)\b", "active"),
]
STATUS_NAMES = frozenset({"pending", "closed", "disabled", "active", "activated", "deactivated"})


@dataclass
class Frame:
    """A request with its slots; serialisable so a clarifying question can resume it next turn."""

    intent: str
    emails: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    profile: str | None = None
    groups: list[str] = field(default_factory=list)
    all_accounts: bool = False
    status: str | None = None
    name_contains: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    page_size: int | None = None
    since: str | None = None  # last_modified_since, as the action takes it ("yesterday", "3d", a date)
    person: str | None = None  # named without an email: looked up, never guessed
    more_people: list[str] = field(default_factory=list)  # further names, looked up with it
    asking_about: str | None = None  # the name a question is pending on (ambiguous or unknown)
    candidates: list[str] = field(default_factory=list)  # the emails offered for it
    respelled: list[str] = field(default_factory=list)  # the request as read, when a word was a typo
    seat: bool = False  # an employee's own seat request: configured defaults fill what is unsaid
    asked: str | None = None  # a question about one person's record ("title", "invite", "status", ...)
    asked_status: str | None = None  # the status a "status" question asks about ("is X still active?")
    read_as: list[str] = field(default_factory=list)  # how a read took a doubtful word, said before it
    then: str | None = None  # "... and add him to Finance": a second change of the same person, planned next
    then_said: str | None = None  # that clause as said, on the second change's frame
    carried: list[dict] = field(default_factory=list)  # the first change's calls, proposed with the second's
    later: str | None = None  # a day still to come the change was asked for ("on friday"): held

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Frame:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def status_of(s: str) -> str | None:
    for pattern, status in STATUS_WORDS:
        if re.search(pattern, s):
            return status
    return None
