"""What the person asked for: one declarative table of intents, scored over the placeholder sentence.

Why a table and a score rather than an ordered cascade of rules: a cascade answers the first rule
that fires, so "Do I have the DocuSign Viewer profile on EMEA?" became a profile change because
"have ... profile" fired before anybody asked whether the sentence was a question. Here every
intent is one row: its cues (regular expressions over the sentence in which grounded entities are
already placeholders such as ``<prof>``), each with a weight; the entity types that fill its slots
(each present adds a little); and whether it writes. The sentence's *form* is read first: a
question or an opening like "show" admits only the reads. The best score wins; below
``CONFIDENCE`` the planner abstains and asks. Ties go to the earlier row (the more specific one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.backends.offline.frame import status_of
from agent.backends.offline.grounding import Lexed

CONFIDENCE = 2.0
ENTITY_BONUS = 0.25

READ_START = re.compile(
    r"^(list|show|display|find|search|look ?up|lookup|fetch|print|who|whom|which|what|what's|whats|"
    r"how many|how|are there|is there|tell me|give me (a |the )?(list|rundown|overview|summary)|can i see|"
    r"let me see|i (want|need|would like|'d like) to (see|know)|view|see|check|do i|does|do we|am i|"
    r"((just|i|we) )*(need|want|would like|'d like) (a|an|the) (quick |full |current )?"
    r"(list|rundown|overview|summary|report|count))\b"
)
# A question, however it is worded, is answered by reading: it never proposes a write.
QUESTION = re.compile(
    r"^(do|does|did|is|are|am|was|were|has|have|had|should|shall|which|what|who|whom|whose|how|when|"
    r"where|why)\b(?!.*^)|"
    r"^(can|could|would|will) you (please )?(tell|check|confirm|let me know|see|find out)\b"
    r".*\b(whether|if)\b|"
    r"^(tell me|let me know|i wonder|i'm wondering|i am wondering|wondering|not sure|i'd like to know|"
    r"i want to know|i need to know) (whether|if)\b|"
    r"\bwhat (would|will|happens|could) (happen|happens)\b|\bshould (<self>|i|we) (use|pick|choose|give)\b|"
    # "would it hurt to close X?", "could that break anything?": about a change's effect, not an order
    r"^(would|could|will|might|can) (it|that|this|there)\b(?! be possible)|"
    r"^(shouldn't|wouldn't|couldn't|isn't|aren't|wasn't|weren't|doesn't|didn't|hasn't|haven't)\b|"
    # "…, right?", "…, didn't I?": a tag asks whether something is so
    r"(,|\s)(right|correct|yes|no|didn't (i|we|you|they|he|she)|did (i|we) not|isn't (it|that|he|she)|"
    r"wasn't (it|that|he|she)|haven't (i|we)|hasn't (he|she)|shouldn't (i|we|he|she))\s*\?+$|"
    r"\b(is|would) (that|this|it) (be )?(allowed|ok|okay|possible|fine|alright|permitted|a problem)\s*\?+$|"
    r"\bshould (i|we) (do|go ahead with) (it|that|this)\s*\?+$|"
    r"^(is it |would it be |it's |its )?(ok|okay|safe|fine|alright|wise|smart) to\b.*\?\s*$|"
    r"^(remind (me|i)|quick question|question|just checking|sanity check|hypothetically|out of curiosity|"
    r"just curious|curious)\b"
)
# "…so I can pick one", "…because she moved": a purpose or reason is context, not the request.
CONTEXT_TAIL = re.compile(
    r"\s(so (that )?(<self>|we|he|she|they) (can|could|may)|because|as (he|she|they) )\b.*$"
)
STRONG_SEAT = r"\b(provision|onboard|on-board|create|invite|register|new (docusign )?user)\b"
SEAT = (
    r"\b(set up|setup|set (\S+ ){1,2}up|seat|license|licence|add (a )?(new )?(docusign )?user|"
    r"(a|an) (new )?(docusign )?account|get (<self> )?(access|set up))\b"
)
WANT = (
    r"\b(change|set|make|switch|move|promote|demote|upgrade|downgrade|grant|give|assign|update|need|want|"
    r"request|like|get|have|put|be|become|should|needs|bump)\b"
)
MAY_I = r"\b(can|could|may) <self>"
AS_NAME = r"\bas (a |an |the )?\w"
PROFILE_WORD = r"(<prof>|\b(profile|role|rights|permissions?)\b)"
REMOVE = r"\b(remove|take|drop|delete|pull|kick|get rid of)\b"


@dataclass(frozen=True)
class Intent:
    """One row: ``cues`` are (pattern, weight) over the placeholder sentence; ``fills`` the entity
    placeholders its slots take; ``needs_target``: only when the request names a person."""

    name: str
    write: bool
    cues: tuple[tuple[str, float], ...]
    fills: tuple[str, ...] = ()
    needs_target: bool = False
    vetoes: tuple[str, ...] = ()


INTENTS: tuple[Intent, ...] = (
    Intent(
        "purge",
        True,
        (
            (r"\b(purge|redact|erase|scrub|wipe|anonymi[sz]e|gdpr)\b", 6),
            (r"\bpermanently (delete|remove|erase)\b", 6),
            (r"\bdelete\b.*\b(permanently|forever|all (of )?(their|his|her) data)\b", 6),
        ),
        ("<email>",),
    ),
    Intent(
        "reactivate",
        True,
        ((r"\b(re-?activate|re-?open|restore|re-?enable|unclose|bring back|reinstate)\b", 5.5),),
        ("<email>", "<acct>", "<prof>"),
    ),
    Intent(
        "update",
        True,
        (
            (r"\b((job )?title|first name|last name|surname|display name|rename)\b", 4.6),
            (r"\bname\b.*\bto\b", 4.0),
            (r"\bupdate\b", 3.4),
        ),
        ("<email>",),
        vetoes=(STRONG_SEAT,),
    ),
    Intent(
        "demote",
        True,
        ((rf"\b(remove|revoke|take away|take|drop|strip)\b.*{PROFILE_WORD}", 5.0),),
        ("<email>", "<acct>", "<prof>"),
    ),
    Intent(
        "set_groups",
        True,
        ((r"\b(set|replace|change|update)\b.*\bgroups?\b", 4.9),
         # "her groups should be exactly Sales and Finance", "she should only be in Sales", "Finance only"
         (r"\bgroups?\b.*\b(should|must|needs? to|has to|to) be (exactly|only|just)\b", 5.0),
         (r"\b(should|must|needs? to|has to) (only|just) be in\b", 5.0),
         (r"\b(should|must) be (only|just|exactly) in\b", 5.0),
         (r"\b(put|keep|leave|place)\b.*\bin\b.*<grp>( groups?)? only\b|\bin only (the )?<grp>", 5.0)),
        ("<email>", "<acct>", "<grp>"),
        vetoes=(r"<prof>",),
    ),
    Intent(
        "remove_groups",
        True,
        ((rf"{REMOVE}.*<grp>", 4.8), (rf"{REMOVE}.*\bfrom\b.*\bgroups?\b", 4.8)),
        ("<email>", "<acct>", "<grp>"),
    ),
    Intent(
        "remove_from_account",
        True,
        (
            (rf"{REMOVE}.*\b(from|off|out of|access to|access on)\b.*<acct>", 4.7),
            (r"<email> (off|out of) <acct>", 4.7),
        ),
        ("<email>", "<acct>"),
    ),
    Intent(
        "close",
        True,
        ((r"\b(close|deactivate|offboard|off-board|terminate|suspend|revoke|disable|shut down)\b", 4.5),
         # slang for the same: "kill her access", "nuke his access", "cut X off", "cut off X on EMEA"
         (r"\b(kill|nuke|yank|cut off|cut-off|shut off|lock out)\b|\bcut( \S+){1,3} off\b", 4.5),
         (r"\b(left|leaves|leaving|quit|departed) (the )?(company|firm|organi[sz]ation)\b"
          r"|\bdeprovision", 4.5)),
        ("<email>", "<acct>"),
    ),
    Intent(
        "delete", True, ((r"\b(remove|delete|drop|kick|get rid of)\b", 4.4),), ("<email>",), needs_target=True
    ),
    Intent(
        "add_groups",
        True,
        ((r"\b(add|put|include|join|place|assign|enrol|enroll|give)\b.*(<grp>|\bgroups?\b)", 4.3),
         (r"\b(make|become)\b.*\bmember of (the )?(<grp>|\S+ groups?\b)", 4.3)),
        ("<email>", "<acct>", "<grp>"),
        vetoes=(r"<prof>", STRONG_SEAT, SEAT),
    ),
    Intent(
        "provision",
        True,
        (
            (STRONG_SEAT, 4.2),
            (SEAT, 4.0),
            (r"\baccess (to|on|in) (the )?<acct>|\b(add|added|join)\b.*<acct>", 4.0),
            (r"\b(a|an) (new )?(<prof> )?membership\b", 4.0),  # "give X a DocuSign Sender membership"
            (
                r"\b(need|want|request|like|get)\b( a| an| some)?( new)?( docusign)? "
                r"(access|seat|licen[cs]e)\b",
                4.0,
            ),
        ),
        ("<email>", "<acct>", "<prof>", "<grp>"),
    ),
    Intent(
        "change_profile",
        True,
        (
            (r"\b(change|switch|promote|demote|upgrade|downgrade|move|bump|raise|elevate)\b.*\bto\b", 3.9),
            (
                rf"({PROFILE_WORD}|{AS_NAME}).*{WANT}|{WANT}.*({PROFILE_WORD}|{AS_NAME})",
                3.5,
            ),
            # "make priya a Chief Signer on EMEA": "make <someone> a <what>" names a profile, known or not
            (r"^(make|turn) (<email>|[a-z][\w.'-]*)( [a-z][\w'-]*)? (a|an) (?!(new|member|list)\b)\w", 3.5),
            (
                r"^(<self> )?<prof>( on <acct>)?( (pls|please|thanks|thx))?$",
                3.0,
            ),  # "sender rights on EMEA pls"
        ),
        ("<email>", "<acct>", "<prof>"),
        # "move him to Finance" (a group, no profile): join it or leave the others? asked, never a profile
        vetoes=(r"^(?!.*<prof>).*\b(move|switch|transfer|shift)\b.*<grp>",),
    ),
    # -- reads ---------------------------------------------------------------------------------
    Intent("whoami", False, ((r"\bwho am <self>\b", 6),)),
    Intent(
        "list_profiles",
        False,
        (
            (r"\b(permission profiles?|profiles|roles|permission sets?)\b", 3.0),
            (
                rf"{MAY_I} (ask|request|get|have|choose|pick|apply|be given)\b.*\bprofiles?\b",
                4,
            ),
            (r"\bprofiles?\b.*\bshould (<self>|we) (use|pick|choose|give)\b", 4),
            (r"\bwhich\b.*\bprofile\b.*\bshould\b", 4),
            (r"\bwhat (can|could|may|should) <self> (ask|request|apply) for\b", 4),  # "what can I ask for?"
        ),
        ("<acct>",),
    ),
    Intent(
        "list_groups",
        False,
        ((r"\bgroups\b", 2.6), (r"\b(can|could|may) <self> (ask|request|join|get)\b.*\bgroups?\b", 4)),
        ("<acct>",),
    ),
    Intent(
        "user_memberships",
        False,
        (
            (
                r"\b(accounts?|memberships?|profiles?|permissions?|access|groups?|roles?|rights|details|"
                r"belong|member|seat|sender|viewer)\b|<prof>|<grp>",
                3.2,
            ),
            (r"<email>.*\?$", 2.0),  # a question about a named person, whatever it asks: their access
        ),
        ("<email>",),
        needs_target=True,
    ),
    Intent(
        "list_users",
        False,
        (
            (
                r"\b(users?|people|members|persons|who|whom|anyone|anybody|everyone|everybody|employees|seats|"
                r"named|called)\b",
                2.4,
            ),
            (r"^(find|search)( for)? [a-z0-9]", 2.8),
            # "is there a lucas in the org?", "do we have a maya?": a name search, not the org's accounts
            (r"^((is|are) there|there (is|are)|(do|does) we have) (a|an) [a-z][\w'-]*"
             r"( (in|on|at)\b.*| here)?\??$", 2.9),
            (r"^(is|are) <email>\b", 3.4),
            # "list the contractors", "show me everyone on EMEA": an account's people
            (r"^(list|show|display|get)( me)?( all| every one of| everyone on| everybody on)?( the| our)? "
             r"<acct>( (users|people|members|folks|team|account))?( please)?$", 3.0),
            (r"^(look ?up|lookup|find|search|show|check|fetch|who is)( for)? <email>", 3.0),
        ),
        ("<acct>",),
    ),
    Intent("list_org", False, ((r"\b(accounts|organi[sz]ation|org|linked)\b", 2.2),)),
)
READS = frozenset(i.name for i in INTENTS if not i.write)
# The catalogue's (action, operation) each intent proposes; None: the planner asks first ("remove X":
# close the user, or remove them from one account?). A test checks every row against the catalogue.
CALLS: dict[str, tuple[str, str] | None] = {
    "purge": ("manage_user", "purge"),
    "reactivate": ("manage_user", "reactivate"),
    "update": ("manage_user", "update"),
    "demote": ("manage_account_membership", "change_permission_profile"),
    "set_groups": ("manage_account_membership", "set_groups"),
    "remove_groups": ("manage_account_membership", "remove_groups"),
    "remove_from_account": ("manage_account_membership", "remove_from_account"),
    "close": ("manage_user", "close"),
    "delete": None,
    "add_groups": ("manage_account_membership", "add_groups"),
    "provision": ("manage_user", "provision"),
    "change_profile": ("manage_account_membership", "change_permission_profile"),
    "whoami": ("list_account", "user_memberships"),
    "list_profiles": ("list_account", "permission_profiles"),
    "list_groups": ("list_account", "groups"),
    "user_memberships": ("list_account", "user_memberships"),
    "list_users": ("list_users", "list"),
    "list_org": ("list_account", "organization"),
}


# what the speaker may do to someone else ("can I make X an admin?"): a question about possibility
CAN_I_ACT_ON_OTHERS = re.compile(
    r"(can|could|may) i (make|give|add|set|change|grant|promote|demote|close|remove|put|assign|switch|move|"
    r"purge|reactivate|provision|upgrade|downgrade) (?!i\b|myself\b)"
)


def is_question(s: str) -> bool:
    """Whether the placeholder sentence asks rather than requests ("can I get…" is a request)."""
    s = s.replace("<self>", "i")  # the speaker's words, as typed: "I wonder whether…"
    if re.match(r"(if|what if|suppose|say) ", s) and s.rstrip().endswith("?"):
        return True  # "if I remove X from Legal, will she…?": a hypothetical
    if re.match(r"(can|could|may) (i|we) (get|have|be)\b", s):
        return False
    if CAN_I_ACT_ON_OTHERS.match(s):
        return True  # "can I make X an admin?": whether it is possible, not an order
    return bool(QUESTION.search(s))


def reads_only(s: str) -> bool:
    """Questions and sentences opening like a read ("show", "who", "which") never write."""
    return is_question(s) or bool(READ_START.search(s) and not re.search(r"^(can|could) i (get|have)\b", s))


def scores(lexed: Lexed, reads: bool = False) -> list[tuple[float, int, str]]:
    """Every intent's score over the request, best first (score, -row, name); ``reads``: the person
    said nothing is to change, so only the reads are scored."""
    s = CONTEXT_TAIL.sub("", lexed.skeleton())
    target = bool(lexed.entities("email") or lexed.entities("self"))
    only_reads = reads or reads_only(s)
    ranked: list[tuple[float, int, str]] = []
    for row, intent in enumerate(INTENTS):
        if (intent.write and only_reads) or (intent.needs_target and not target):
            continue
        if any(re.search(v, s) for v in intent.vetoes):
            continue
        best = max((w for pattern, w in intent.cues if re.search(pattern, s)), default=0.0)
        if not best:
            continue
        bonus = ENTITY_BONUS * sum(1 for tag in intent.fills if tag in s)
        ranked.append((best + bonus, -row, intent.name))
    if status_of(s) and not any(name == "list_users" for *_, name in ranked) and only_reads:
        ranked.append((2.4, -len(INTENTS), "list_users"))
    ranked.sort(reverse=True)
    return ranked


# An order to change something: answering it with a read would report a write as done.
IMPERATIVE = re.compile(
    r"^(please )?(swap|move|switch|put|take|give|make|set|add|remove|drop|kick|change|update|assign|grant|"
    r"revoke|transfer|shift|replace|fix)\b"
)


def classify(lexed: Lexed, reads: bool = False) -> str | None:
    """The intent's name, or None when nothing reaches ``CONFIDENCE`` (the planner then asks)."""
    ranked = scores(lexed, reads)
    if not ranked or ranked[0][0] < CONFIDENCE:
        return None
    name = ranked[0][2]
    if name in READS and IMPERATIVE.match(lexed.skeleton()):
        return None  # "swap X from HR to Finance": a change it cannot read, so it asks
    return "user_memberships" if name == "whoami" else name
