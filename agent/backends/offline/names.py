"""First name, last name and job title as the request types them.

Why apart: a value written into a user's record must be the person's own words, never a fragment
of the sentence around them; reading it is its own job, with its own stops and marks.
"""

from __future__ import annotations

import re

from agent.backends.offline.frame import Frame
from agent.backends.offline.grounding import Lexed, Token
from agent.backends.offline.negation import WRITE_VERBS
from agent.backends.offline.tokens import PUNCT_STOP, STOP
from agent.backends.offline.tokens import low as _low
from agent.backends.offline.words import words

# arrows, dashes and colons before a value ("-> ", "=> ", ": ", "— "): marks, never part of a name or title
LEADING_MARKS = re.compile(r"^[^\w(\[\"']+")


# What a request says *about* a name or title rather than the value itself ("his first name is
# wrong", "the title is out of date"): never written into a record; the planner asks for the value.
NOT_A_VALUE = words(
    """
    wrong incorrect misspelled misspelt mispelled mispelt typo typoed outdated out-of-date old stale
    off bad broken missing empty blank weird messed garbled incomplete inaccurate not still fine ok
    okay right correct same different out no invalid obsolete expired unknown garbage rubbish junk
    nonsense mess messy gibberish confusing misleading strange odd funny ancient fixed updated changed
    corrected sorted done cleaned amended
    """
)
# "it should be VP Sales" after a judgement: the value the person wants, said after what is wrong
CORRECTED = words("should must needs ought has have")
CORRECTED_VERBS = words("be say read show")


def read_names(lexed: Lexed, frame: Frame) -> None:
    """Names and job title as typed in the request (never re-spaced): see ``_read_names``."""
    _read_names(lexed, frame)
    if not frame.job_title and frame.intent == "update" and any(t.low == "title" for t in lexed.tokens):
        frame.job_title = _title_stated(lexed.tokens)
    for name in ("first_name", "last_name", "job_title"):
        value = getattr(frame, name)
        if value and _judged(value):
            # "is wrong": a judgement of the value, not the value; the value may follow it
            value = _corrected(lexed.tokens, value)
            setattr(frame, name, value)
        if value:  # "title -> Payroll Manager": the arrow introduces the value, it is not part of it
            value = LEADING_MARKS.sub("", value)
            setattr(frame, name, _as_typed(lexed.text, value) if value else None)


def _judged(value: str) -> bool:
    """'wrong, it should be …', 'a mess': the words judge the old value rather than give a new one."""
    first = [w.strip(".,!?").lower() for w in value.split()[:2]]
    return first[0] in NOT_A_VALUE or (first[0] in ("a", "an", "all", "so", "very", "totally")
                                       and len(first) > 1 and first[1] in NOT_A_VALUE)


def _corrected(toks: list[Token], judged: str) -> str | None:
    """The value said after a judgement ("X's title is wrong, it should be VP Sales" -> "VP Sales"):
    only after "should/must/needs … be/say/read", and never another judgement; else None (ask)."""
    for k in range(len(toks) - 1):
        if _low(toks, k) in CORRECTED and (
            _low(toks, k + 1) in CORRECTED_VERBS
            or (_low(toks, k + 1) == "to" and _low(toks, k + 2) in CORRECTED_VERBS)
        ):
            start = k + 1 if _low(toks, k + 1) in CORRECTED_VERBS else k + 2
            value = _value_after(toks, start + 1, require_to=False)
            if value and not _judged(value) and value.split()[0].lower() not in STOP:
                return value
    return None


def _title_stated(toks: list[Token]) -> str | None:
    """'olivia@acme.com is now Office Manager, please update her title': the title is what the
    person *is* now, said before the word "title" (only with "title" in the request)."""
    for i, tok in enumerate(toks):
        if getattr(tok.entity, "kind", None) in ("email", "self"):
            value = _value_after(toks, i + 1, require_to=True)
            if value and value.split()[0].lower() not in ("a", "an", "the", "my", "her", "his", "their") \
                    and not _doing(value):
                return value
    return None


def _doing(value: str) -> bool:
    """'is now heading the HR team': what the person does, not a title ("Managing Director" is
    capitalised; "heading the…" is a clause, or holds an article a title would not)."""
    first = value.split()[0]
    return (first.islower() and first.endswith("ing")) or any(
        w.lower() in ("the", "a", "an") for w in value.split()[1:])


def _as_typed(text: str, value: str) -> str | None:
    """``value`` (words joined by spaces) as the request spells it ("-A", not "- A"); None when
    it does not occur there at all, so nothing the person did not type is ever written."""
    pattern = r"\s*".join(re.escape(w) for w in value.split())
    whole = rf"(?<![\w.@]){pattern}(?![\w@]|\.\w)"  # a whole word, not part of an email
    found = list(re.finditer(whole, text)) or list(re.finditer(whole, text, re.IGNORECASE))
    return " ".join(found[-1].group(0).split()) if found else None  # the last: values follow their cue


def _read_names(lexed: Lexed, frame: Frame) -> None:
    """Names and job title, when the request states them ('rename X to Jon Doe', 'title to AE')."""
    toks = lexed.tokens
    for i, tok in enumerate(toks):
        low = tok.low if tok.entity is None else ""
        if low == "title" and not frame.job_title:
            value = _value_after(toks, i + 1)
            if value:
                frame.job_title = value
        elif low == "name" and i > 0 and _low(toks, i - 1) in ("first", "given") and not frame.first_name:
            frame.first_name = _value_after(toks, i + 1)
        elif (
            low == "name" and i > 0 and _low(toks, i - 1) in ("last", "family") and not frame.last_name
        ) or (low == "surname" and not frame.last_name):
            frame.last_name = _value_after(toks, i + 1)
        elif (
            low == "rename"
            or (low == "name" and _low(toks, i - 1) not in ("first", "given", "last", "family", "user"))
        ) and not (frame.first_name or frame.last_name):
            # "rename Jon Doe to Jonathan Doe": the new name follows the "to", not the old name
            to = next((k for k in range(i + 1, len(toks)) if _low(toks, k) == "to"), None)
            start = to if low == "rename" and to is not None else i + 1
            value = _value_after(toks, start, require_to=low == "name")
            if value and len(value.split()) >= 2:
                first, _, last = value.partition(" ")
                frame.first_name, frame.last_name = first, last
        elif (
            tok.entity is not None
            and tok.entity.kind == "email"
            and frame.intent == "provision"
            and not frame.first_name
        ):
            frame.first_name, frame.last_name = _name_beside(toks, i) or (None, None)
        elif low in ("named", "called") and frame.intent == "provision" and not frame.first_name:
            value = _value_after(toks, i + 1, require_to=False)
            if value and len(value.split()) >= 2:
                first, _, last = value.partition(" ")
                frame.first_name, frame.last_name = first, last


def _name_beside(toks: list[Token], i: int) -> tuple[str, str] | None:
    """'Maya Chen (maya.chen@acme.com)' or 'maya.chen@acme.com (Maya Chen)': two capitalised words."""

    def name(words: list[Token]) -> tuple[str, str] | None:
        if len(words) == 2 and all(w.is_word and w.text[:1].isupper() and w.low not in STOP for w in words):
            return words[0].text, words[1].text
        return None

    before = toks[max(0, i - 3) : i]
    if before and before[-1].text == "(":
        before = before[:-1]
    after = toks[i + 1 : i + 5]
    if len(after) == 4 and after[0].text == "(" and after[3].text == ")":
        return name(after[1:3])
    return name(before[-2:])


# Words between a field's cue and its value, in any order: "last name is now Chen", "first name,
# it should be Amelie", "title of X will be AE". Connectors say a value follows (``require_to``).
LEAD_INS = frozenset({"of", "for", "'s", ",", "-", "it", "it's", "its", "which", "that", "should", "will",
                      "must", "now", "needs", "need", "has", "have", "got", "actually", "officially"})
CONNECTORS = frozenset({"to", "as", ":", "=", "is", "be", "become", "becomes", "changed", "reads", "spelled",
                        "spelt"})
# Another field's cue ends a value: "first name to Noa and last name to Williams-Grant".
FIELD_CUES = frozenset({"first", "last", "given", "family", "surname", "job", "title", "name"})


def _where(toks: list[Token], j: int) -> bool:
    """'title on Acme Legal is …': where the field is, said between its cue and its value."""
    return (toks[j].entity is None and toks[j].low in ("on", "in", "at", "for")
            and j + 1 < len(toks) and getattr(toks[j + 1].entity, "kind", None) in ("account", "email"))


def _value_after(toks: list[Token], i: int, require_to: bool = False) -> str | None:
    """The free text after 'to' / 'as' / ':' up to an account mention, another field or the end."""
    j, connected = i, False
    while j < len(toks) and (
        getattr(toks[j].entity, "kind", None) in ("email", "self")
        or (toks[j].entity is None and toks[j].low in LEAD_INS | CONNECTORS)
        or _where(toks, j)
    ):
        connected = connected or toks[j].low in CONNECTORS
        j += 2 if _where(toks, j) else 1
    if require_to and not connected:
        return None
    entity = toks[j].entity if j < len(toks) else None
    if entity is not None and entity.kind == "phrase":
        return entity.value
    words: list[str] = []
    while j < len(toks):
        tok = toks[j]
        if tok.entity is not None and tok.entity.kind not in ("profile", "group"):
            break
        if tok.entity is None and tok.low in ("on", "in", "at", "please", "thanks") and words:
            break
        if tok.low in ("and", ",", "then") and words and _low(toks, j + 1) in FIELD_CUES | WRITE_VERBS | {
                "her", "his", "their", "then"}:
            break  # "title to AE and add him to Finance": another field, or another change
        if tok.text in PUNCT_STOP and tok.text not in ".-&'":
            break
        words.append(tok.text)
        j += 1
    value = " ".join(words).strip(" .")
    return value or None
