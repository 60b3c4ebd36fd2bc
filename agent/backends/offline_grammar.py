"""What the person asked for: the intent of a lexed request (its slots: ``offline_slots``).

Deterministic rules, ordered from the most specific verb to the most general question, so
"close" beats "list" only when the person asked to close something. A rule never invents a
value: a slot is filled from the request's own words or left empty for the planner to ask about.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from agent.backends.offline_lexicon import Lexed

STATUS_WORDS = [
    (
        r"\b(pending|awaiting activation|not (yet )?activated|unactivated|invited|"
        r"activation (sent|required)|"
        r"(hasn't|hasnt|has not|haven't|havent|have not|didn't|did not|never|yet to)"
        r" (yet )?(been )?activat\w*)\b",
        "pending",
    ),
    (r"\b(closed|deactivated)\b", "closed"),
    (r"\b(disabled)\b", "disabled"),
    (r"\b(active|activated)\b", "active"),
]
READ_START = re.compile(
    r"^(list|show|display|find|search|look ?up|lookup|fetch|print|who|whom|which|what|what's|whats|"
    r"how many|how|are there|is there|tell me|give me (a |the )?(list|rundown|overview|summary)|can i see|"
    r"let me see|i (want|need|would like|'d like) to (see|know)|view|see|check|do i|does|do we|am i)\b"
)
SEAT = re.compile(
    r"\b(provision|onboard|on-board|create|invite|register|set up|setup|seat|license|licence|"
    r"new user|new docusign user|add (a )?(new )?(docusign )?user|(a|an) (new )?(docusign )?account)\b"
)
STRONG_SEAT = re.compile(
    r"\b(provision|onboard|on-board|create|invite|register|new user|new docusign user)\b"
)
WANT = (
    r"(change|set|make|switch|move|promote|demote|upgrade|downgrade|grant|give|assign|update|need|want|"
    r"request|like|get|have|put|be|become|should|needs)"
)


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
    person: str | None = None  # named without an email: looked up, never guessed
    more_people: list[str] = field(default_factory=list)  # further names, looked up with it
    asking_about: str | None = None  # the name a question is pending on (ambiguous or unknown)
    candidates: list[str] = field(default_factory=list)  # the emails offered for it

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Frame:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def classify(lexed: Lexed) -> str | None:
    """The intent's name, or None when no rule recognises the request."""
    s = lexed.skeleton()
    has = {kind: bool(lexed.entities(kind)) for kind in ("email", "self", "account", "profile", "group")}
    target = has["email"] or has["self"]
    if re.search(
        r"\b(purge|redact|erase|scrub|wipe|anonymi[sz]e|gdpr|permanently (delete|remove|erase))\b|"
        r"\bdelete\b.*\b(permanently|forever|all (of )?(their|his|her) data)\b",
        s,
    ):
        return "purge"
    if re.search(r"\b(re-?activate|re-?open|restore|re-?enable|unclose|bring back|reinstate)\b", s):
        return "reactivate"
    if READ_START.search(s) and not re.search(r"^(can|could) i (get|have)\b", s):
        return _read_intent(s, has, asked=True)
    if not STRONG_SEAT.search(s) and (
        re.search(r"\b((job )?title|first name|last name|surname|display name|rename)\b", s)
        or re.search(r"\bname\b.*\bto\b", s)
    ):
        return "update"
    if re.search(r"\b(remove|revoke|take away|take|drop|strip)\b", s) and (
        has["profile"] or re.search(r"\b(profile|role|rights|permissions?)\b", s)
    ):
        return "demote"  # the profile named is the one to lose: the new one must be asked for
    if has["group"] or re.search(r"\bgroups?\b", s):
        if re.search(r"\b(set|replace|change|update)\b.*\bgroups?\b", s) and not has["profile"]:
            return "set_groups"
        if re.search(
            r"\b(remove|take|drop|delete|pull|kick)\b.*\bfrom\b.*<grp>|"
            r"\b(remove|take|drop|delete|pull|kick)\b.*<grp>",
            s,
        ):
            return "remove_groups"
    if re.search(
        r"\b(remove|take|drop|delete|pull|kick)\b.*\b(from|off|out of|access to|access on)\b.*<acct>", s
    ):
        return "remove_from_account"
    if re.search(r"\b(close|deactivate|offboard|off-board|terminate|suspend|revoke|disable|shut down)\b", s):
        return "close"
    if re.search(r"\b(remove|delete|drop|kick)\b", s) and target:
        return "delete"
    if (
        has["group"]
        and not has["profile"]
        and not SEAT.search(s)
        and re.search(r"\b(add|put|include|join|place|assign|enrol|enroll)\b", s)
    ):
        return "add_groups"
    if SEAT.search(s) or re.search(r"\baccess (to|on|in) <acct>|\b(add|added|join)\b.*<acct>", s):
        return "provision"
    if target and re.search(
        r"\b(change|switch|promote|demote|upgrade|downgrade|move|bump|raise|elevate)\b.*\bto\b", s
    ):
        return "change_profile"
    if (
        has["profile"] or re.search(r"\b(profile|role|rights|permissions?)\b|\bas (a |an |the )?\w", s)
    ) and re.search(rf"\b{WANT}\b", s):
        return "change_profile"
    return _read_intent(s, has, asked=False)


def _read_intent(s: str, has: dict[str, bool], *, asked: bool) -> str | None:
    """A question about the organization; ``asked``: the sentence opens like one ("show", "who")."""
    target = has["email"] or has["self"]
    if re.search(r"\bwho am <self>", s):
        return "user_memberships"
    if re.search(r"\b(can|could|may) <self> (ask|request|get|have|choose|pick|apply|be given)\b", s):
        # "what profiles can I ask for on Acme Legal?": the account's choices, not my memberships
        if re.search(r"\b(permission profiles?|profiles?|roles?)\b", s):
            return "list_profiles"
        if re.search(r"\bgroups?\b", s):
            return "list_groups"
    if target and re.search(
        r"\b(accounts?|memberships?|profiles?|permissions?|access|groups?|roles?|rights|"
        r"details|belong|member)\b|<prof>",
        s,
    ):
        return "user_memberships"
    if re.search(r"\b(permission profiles?|profiles|roles|permission sets?)\b", s):
        return "list_profiles"
    if re.search(r"\bgroups\b", s) and not target:
        return "list_groups"
    if re.match(r"(find|search)( for)? [a-z0-9]", s) and not target:
        return "list_users"
    if (
        (target and asked)
        or re.search(
            r"\b(users?|people|members|persons|who|whom|anyone|everyone|everybody|"
            r"employees|seats|named|called)\b",
            s,
        )
        or status_of(s)
    ):
        return "list_users"
    if re.search(r"\b(accounts|organi[sz]ation|org|linked)\b", s):
        return "list_org"
    return None


def status_of(s: str) -> str | None:
    for pattern, status in STATUS_WORDS:
        if re.search(pattern, s):
            return status
    return None
