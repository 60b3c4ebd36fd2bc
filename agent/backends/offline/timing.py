"""Time words in a request: "right now", "asap", "today", "for now", "until Friday".

Why apart and why as data: a time word is never part of an account, profile, group or person
("on EMEA right now" is the account EMEA), and the planner cannot schedule anything. So the words
that only say *when* are taken out of the sentence before its names are read, and a request that
asks for a change to last only *until* some time is done now with a plain note that nothing will
undo it by itself (never a silent promise).
"""

from __future__ import annotations

import re

DAYS = (
    r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)"
)
WHEN = (
    rf"(next |this )?{DAYS}|tomorrow|tonight|the end of (the )?(day|week|month|quarter|year)|eod|eow|"
    r"next (week|month)|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(/\d{2,4})?|the \d{1,2}(st|nd|rd|th)"
)
# Words that say only "now": dropped wherever they stand (never inside "since today", a filter).
NOW = re.compile(
    r"(?<!since )(?<!from )(?<!changed )(?<!modified )(?<!updated )\b("
    r"right now|right away|straight away|straightaway|immediately|asap|a\.s\.a\.p\.?|"
    r"as soon as (possible|you can)|"
    r"when you (can|get a chance)|for now|for the time being|for the moment|today|this (morning|afternoon)|"
    r"effective (immediately|today|now)|urgently|urgent"
    r")\b[,!]?",
    re.IGNORECASE,
)
# A change meant to last only for a while: done now, with a note that nothing is scheduled.
UNTIL = re.compile(
    rf"\b((until|till|til|through|thru) ({WHEN})|for (the next )?(\d+|a|one|two|three|a few|a couple of) "
    r"(hours?|days?|weeks?|months?)|temporarily)\b[,!]?",
    re.IGNORECASE,
)


# A day still to come on which the change is wanted ("on friday", "tomorrow", "next week"): the
# planner cannot schedule, and doing it now without a word would be a misunderstanding written. Never
# after "until" (a change meant to last, ``UNTIL``), "since"/"from" (a filter of a listing) or "by" (a
# deadline, which now meets). Days are spelt out: "sun" or "wed" may be part of a name.
LATER_DAY = (
    r"(next |this )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)|tomorrow|"
    r"next (week|month)|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(/\d{2,4})?"
)
LATER = re.compile(
    r"(?<!until )(?<!till )(?<!since )(?<!from )(?<!through )(?<!thru )(?<!by )(?<!before )"
    rf"\b((on|effective|as of|starting) )?({LATER_DAY})\b[,!]?",
    re.IGNORECASE,
)


def later(text: str) -> tuple[str, str | None]:
    """``text`` without a day still to come, and that day as said ("on friday"), when it had one."""
    found = LATER.search(text)
    if found is None:
        return text, None
    rest = (text[: found.start()] + text[found.end() :]).replace(" ,", ",")
    return re.sub(r"\s{2,}", " ", rest).strip(" ,"), found.group(0).strip(" ,!")


def held_for_the_day(phrase: str) -> str:
    """Why a write said for a later day waits for the person's yes: confirming runs it now."""
    return (f"you said \u201c{phrase}\u201d and dsadmin does not schedule changes: confirming makes "
            f"the change now, not {phrase}; to have it then, decline and ask again on the day")


def untimed(text: str) -> tuple[str, str | None]:
    """``text`` without its time words, and the "until …" phrase when it had one."""
    until = UNTIL.search(text)
    text = NOW.sub("\x00", UNTIL.sub("\x00", text))
    if "\x00" not in text:
        return text, None  # untouched, spacing and all: values are written as typed
    text = re.sub(r"\s*\x00[\x00\s]*(?=[,.!?;:]|$)", "", text)  # "on EMEA right now?" -> "on EMEA?"
    text = re.sub(r"\s*\x00[\x00\s]*", " ", text)
    return text.lstrip(" ,:;.!-").rstrip(" ,"), (until.group(0).strip(" ,!") if until else None)


def not_scheduled(phrase: str) -> str:
    """The note a time-limited change carries: what was done stays done."""
    return (
        f"Note: you asked for this {phrase}. dsadmin does not schedule changes, so nothing will undo it "
        "by itself: ask again when it should be changed back."
    )
