"""An employee's own access in the fewest words: "can i get docusign", "i need docusign", "upgrade me".

Why a rewrite, like ``polite``: these are the shortest ways to ask for one's own seat or a better
profile, and read word by word they name nothing the planner knows ("docusign" is the product, not
an account). Each row is said back as the request it is; the rest of the sentence ("for my new hire,
jo@acme.com") is kept and read as usual, so a seat asked for someone else still names them. What
happens next is the seat request's usual path: a seat already held is said so (with how to ask for
another profile), a missing one goes to an approver with the configured seat defaults.
"""

from __future__ import annotations

import re

_PLEASE = r"(?:please |pls |plz )?"
_PRODUCT = r"(?:a )?docusign(?: access| account| seat| licen[cs]e| login)?"
# (opening, the request it is); the words after the opening are kept
ROWS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^(?:can|could|may) i {_PLEASE}(?:get|have|be given) {_PRODUCT}\b", re.I),
     "I need a DocuSign seat"),
    (re.compile(rf"^(?:so )?i (?:really )?(?:need|want|would like|'d like) (?:to use )?{_PRODUCT}\b", re.I),
     "I need a DocuSign seat"),
    (re.compile(rf"^(?:can|could) you {_PLEASE}(?:get|give|set) me {_PLEASE}(?:up (?:with|on) )?{_PRODUCT}\b",
                re.I), "I need a DocuSign seat"),
    # "how do i get docusign?": what the speaker has is read (none: how to ask for a seat is said)
    (re.compile(rf"^how (?:do|can|could|would) i (?:get|have|request|ask for) {_PRODUCT}\b", re.I),
     "which accounts do I have?"),
    # "upgrade me", "can you upgrade me?", "bump me up please": which profile is asked, never guessed
    (re.compile(rf"^(?:(?:can|could|would) you )?{_PLEASE}(?:upgrade|bump) me(?: up)?"
                r"(?= *(?:please|pls)?[.!?]*$)", re.I), "change my permission profile"),
)


def own_access(text: str) -> str:
    """``text`` with a short request for one's own access said as the request it is."""
    for pattern, request in ROWS:
        m = pattern.match(text)
        if m:
            rest = text[m.end():].strip(" ?!.")
            rest = re.sub(r"^(?:please|pls|plz|thanks|thx)\b", "", rest, flags=re.I).strip(" ,?!.")
            return f"{request} {rest}".strip()
    return text
