"""Slots the offline planner reads from the request's own words: "changed since when" and a CSV file.

Why words and not the grounded sentence: a date ("2026-11-28"), a span ("in the last 3 days") and
a file name ("new_hires.csv") are not names of the organization; they are read from the text as
typed, and passed on in the form the action takes (``last_modified_since``: an ISO date, a span
such as "3d", "today" or "yesterday", which the gate turns into a moment on its own clock; ``file``:
the name as written, which the gate confines to its bulk folder).
"""

from __future__ import annotations

import re

# "what changed", "who was modified", "updated users", "changes": the listing is about changes
CHANGE_CUE = re.compile(r"\b(chang(e|ed|es)|modified|updated|edited|touched|altered)\b")
UNITS = {"minute": "m", "minutes": "m", "hour": "h", "hours": "h", "day": "d", "days": "d", "week": "w",
         "weeks": "w"}
SPAN = re.compile(r"\b(?:in|during|over|within|for)?\s*(?:the\s+)?(?:last|past)\s+(\d{1,3}|an?|one)?\s*"
                  r"(minutes?|hours?|days?|weeks?|months?)\b")  # fmt: skip
ISO = re.compile(r"\bsince\s+(\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2})?(?:z|[+-]\d{2}:?\d{2})?)?)\b")
DAY = re.compile(r"\b(?:since|from)\s+(yesterday|today|this morning)\b|\b(yesterday|today)\b")
LAST = re.compile(r"\bsince\s+last\s+(week|month)\b")


def changed_since(text: str) -> tuple[str, str] | None:
    """(the action's ``last_modified_since``, the phrase it came from), or None when the request does
    not ask about changes in a period."""
    low = text.lower()
    if not CHANGE_CUE.search(low):
        return None
    m = ISO.search(low)
    if m:
        return m.group(1).replace(" ", "T"), m.group(0)
    m = SPAN.search(low)
    if m:
        count = {None: 1, "a": 1, "an": 1, "one": 1}.get(m.group(1)) or int(m.group(1))
        unit = m.group(2)
        if unit.startswith("month"):
            return f"{30 * count}d", m.group(0).strip()
        return f"{count}{UNITS[unit]}", m.group(0).strip()
    m = LAST.search(low)
    if m:
        return ("1w" if m.group(1) == "week" else "30d"), m.group(0)
    m = DAY.search(low)
    if m:
        word = m.group(1) or m.group(2)
        return ("today" if word in ("today", "this morning") else "yesterday"), m.group(0)
    return None


# -- bulk files --------------------------------------------------------------------------------------
# a file as people name it: "new_hires.csv", "./lists/leavers.csv", "/etc/passwd", "~/.ssh/id_rsa"
CSV_NAME = re.compile(r"(?<![\w@])((?:~|\.{1,2})?[\w./\\~-]*\.csv)\b", re.I)
PATH_NAME = re.compile(r"(?:^|\s)((?:~|\.{1,2})?/[\w./~-]+|~[\w./-]*)")
BULK_CUE = re.compile(r"\b(every(one|body)|all( the)?( users| people)?|users|people|rows?|lines?|import|bulk|"
                      r"in|from|listed)\b")  # fmt: skip
KINDS = (
    ("close", re.compile(r"\b(close|deactivate|offboard|off-board|deprovision|de-provision|disable|remove|"
                         r"terminate|leavers?|left)\b")),
    ("update", re.compile(r"\b(update|change|modify|move|switch|reassign)\b")),
    ("add", re.compile(r"\b(provision|onboard|on-board|import|add|create|invite|set up|setup|new hires?|"
                       r"joiners?|seats?)\b")),
)
SKIP = re.compile(r"\b(skip(ping)?|ignor(e|ing)|leave out|without) (the )?(invalid|bad|broken|wrong)\b")


def bulk_file(text: str) -> str | None:
    """The CSV (or other path) a request names, as written; None when it names none."""
    m = CSV_NAME.search(text)
    if m:
        return m.group(1).strip("'\"`")
    m = PATH_NAME.search(text)
    return m.group(1).strip("'\"`") if m else None


def bulk_kind(text: str) -> str | None:
    low = text.lower()
    return next((kind for kind, pattern in KINDS if pattern.search(low)), None)


def skip_invalid(text: str) -> bool:
    return bool(SKIP.search(text.lower()))
