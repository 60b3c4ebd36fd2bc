"""Sentences that carry a change's words without ordering it: a condition, a relayed question, a
report of what happened, a note for context, a change "for everyone except X", a hedged value.

Why apart, and why before anything is proposed: the intent table reads *what* change the words
describe, not whether the person orders it. "If chris is still active, close him on EMEA" names a
close, but only under a condition the planner never checks; "jane asked me if she could be a
Viewer" relays a question (and its "me" is not the person to change); "someone removed chris from
Sales" reports a change; "remove everyone except chris" names the one person it must *not* touch.
Acting on any of them writes what nobody asked for, so a write read from such a sentence is asked
about instead, naming the words that made it doubtful. Each row is data: a name, a pattern over
the lower-cased request (emails replaced by ``<email>``) and the reason said back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")

# "if possible", "if that's ok", "if you can": courtesy, not a condition on the organization's state
_COURTESY = (
    r"(possible|you can|you could|you have time|you don't mind|you do not mind|need be|"
    r"(that's|that is|it's|it is) (ok|okay|alright|all right|fine)|ok|okay|alright)\b"
)
_CONDITION_WORD = r"(if|unless|once|when|whenever|in case|as soon as|provided( that)?|assuming|only if)"
_PAST_WRITE = (
    r"(removed|closed|added|made|moved|changed|gave|given|deleted|purged|promoted|demoted|deactivated|"
    r"reactivated|provisioned|granted|revoked|took|taken|dropped|kicked|switched|upgraded|downgraded|"
    r"updated|renamed|offboarded|onboarded|invited|created|put|set up)"
)


@dataclass(frozen=True)
class Framing:
    """One way a sentence holds a change without ordering it; ``why`` is said back (``{said}``:
    the words that matched)."""

    name: str
    pattern: re.Pattern[str]
    why: str


FRAMINGS: tuple[Framing, ...] = (
    Framing(
        "relayed",
        re.compile(
            r"\b(asked|asks|asking|wants to know|wanted to know|wonders|wondered|wondering|"
            r"would like to know)"
            r"( me| us| you)? (whether|if)\b[^,;.!?]*|"
            r"\b(asked|asks|wants|wanted|told|tells) (me|us) to\b[^,;.!?]*|"
            r"\b(said|says|claims|claimed|thinks|thought|mentioned|feels|believes)( that)? "
            r"(he|she|they|<email>) (should|needs?|wants?|must|ought)\b[^,;.!?]*"
        ),
        "That relays what someone else asked (\u201c{said}\u201d); I do not act on a request passed on in "
        "someone's words.",
    ),
    Framing(
        "condition",
        re.compile(
            rf"^(?:{_CONDITION_WORD} |after (?!all\b))(?!{_COURTESY})[^,;]*|"
            rf"[\s,;]+{_CONDITION_WORD} (?!{_COURTESY})[^,;.!?]*"
        ),
        "That change depends on a condition (\u201c{said}\u201d), and I do not check conditions before "
        "changing anything.",
    ),
    Framing(
        "hypothetical",
        re.compile(r"^(suppose|supposing|say|what if|imagine|hypothetically|let's say|lets say)\b[^,;.!?]*"),
        "That imagines a change (\u201c{said}\u201d) rather than asking for one.",
    ),
    Framing(
        "intention",
        re.compile(
            r"^((i|we)( might| may| could)( need to| have to| want to)?|(i|we) (was|were|am|are|'m|'re) "
            r"(going to|planning to|planning on|thinking of|thinking about|considering)|(i|we) "
            r"(plan|intend|hope) to|(thinking|planning|considering) (of|about|to|on))\b[^,;.!?]*"
        ),
        "That says what may be done later (\u201c{said}\u201d), not what to do now.",
    ),
    Framing(
        "report",
        re.compile(
            rf"^((someone|somebody|they|he|she|hr|we|i|it)( (already|just|recently|accidentally|"
            rf"mistakenly|apparently))? {_PAST_WRITE}|<email> (was|got|has been|had been|were)( (already|"
            rf"just|recently|accidentally|mistakenly))? {_PAST_WRITE})\b[^,;.!?]*\??$"
        ),
        "That reads as a report of a change already made (\u201c{said}\u201d), not as a request.",
    ),
    Framing(
        "note",
        re.compile(
            r"^(fyi|f\.y\.i\.?|heads[- ]up|for your information|just so you know)\b(?!.*\bplease\b).*|"
            r"^(the |an? |this |that )?(ticket|e-?mail|message|request|note|slack|hr|manager|legal)"
            r"( from \S+)? (says|said|wrote|reads)\b[^.!?]*"
        ),
        "That reads as a note for context (\u201c{said}\u201d), not as a request.",
    ),
    Framing(
        "exception",
        re.compile(
            r"\b(except( for)?|excluding|apart from|other than|but not|besides|save for|"
            r"with the exception of|"
            r"(everyone|everybody|all|everywhere|anywhere|every account) but)\b[^,;.!?]*"
        ),
        "That change is said by what it must leave out (\u201c{said}\u201d); I change only what is named, "
        "never everything but an exception.",
    ),
    Framing(
        "mass",
        re.compile(
            r"\b(everyone|everybody|all (the )?(users|people|members|employees)|"
            r"every (user|member|person|one)|them all|all of them)\b[^,;.!?]*"
        ),
        "That change reaches people it does not name (\u201c{said}\u201d); I change only people named "
        "by email, one request each (or a CSV file for many).",
    ),
    Framing(
        "hedge",
        re.compile(r"\b(or maybe|or perhaps|probably|or something|something like)\b[^,;.!?]*|"
                   r"^(maybe|perhaps|possibly)\b[^,;.!?]*|"
                   r"\b(i think|i guess|i believe|not sure)[\s.!?]*$"),
        "You sound unsure (\u201c{said}\u201d), and I only make a change you are sure of.",
    ),
)

ASK = ("Nothing was changed. If you want a change made, say it as a request of its own, naming each "
       "person by email and the account.")


# "(he moved to Finance)", "- she got married": why the change is wanted, never a value of it
ASIDE = re.compile(
    r"\s*\((?:he|she|they|his|her|their|just|since|as|because|per)\b[^)]*\)|"
    r"\s+[-\u2013\u2014]\s+(?:he|she|they|his|her|their)\b[^()]*$",
    re.IGNORECASE,
)


def without_asides(text: str) -> str:
    """``text`` without its asides: "remove X from Sales (he moved to Finance)" -> "remove X from
    Sales", so the reason's names (Finance) are never read as the change's values."""
    return ASIDE.sub("", text).strip()


# "…so she can see what everyone sends", "…because he asked": the reason, read apart from the order
REASON = re.compile(
    r"\s+(so( that)? (i|we|he|she|they|you)\b|because\b|since (he|she|they)\b).*$", re.IGNORECASE
)


def not_an_order(text: str) -> str | None:
    """Why the write ``text`` describes is not to be proposed (None: it reads as an order)."""
    typed = EMAIL.sub("<email>", " ".join(REASON.sub("", text).split()))
    low = typed.lower()
    for framing in FRAMINGS:
        found = framing.pattern.search(low)
        if found:
            said = _as_typed(text, typed[found.start() : found.end()] if len(low) == len(typed) else
                             found.group(0), low[: found.start()].count("<email>"))
            return f"{framing.why.format(said=said)} {ASK}"
    return None


def _as_typed(text: str, said: str, skipped: int) -> str:
    """The matched words, with the person's own emails back in place of ``<email>`` (``skipped``:
    how many emails come before them)."""
    rest = iter(EMAIL.findall(text)[skipped:])
    return re.sub("<email>", lambda _m: next(rest, "<email>"), said.strip(" ,;()"))
