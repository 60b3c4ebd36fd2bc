"""People named without an email ("Close Maya's membership", "change John Doe to ...").

Why a read and never a guess: a name is not an identity. The planner asks the organization
(``list_users`` with ``name_contains``, through the gate like any read) and goes on only when
exactly one user carries every word of the name as a whole word of their name or email; with
several it lists them and asks, with none it says so and asks for the email. A name that is only
part of a longer one ("Ann" in "Hannah") is not a match: it is offered as a hint, never taken.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from agent.backends.offline.frame import Frame
from agent.backends.offline.grounding import Token
from agent.backends.offline.subjects import PRONOUNS
from agent.backends.offline.tokens import STOP
from tools.actions import ToolCall

# Capitalised words that open or shape a request, not a person's name.
_NOT_NAME_WORDS = """
    add assign bring can change close could create deactivate delete demote disable do does downgrade
    drop erase find get give grant hello hey hi how invite kick let list make move need needs offboard
    ok okay onboard promote provision pull purge put re-activate re-open reactivate redact register
    reinstate remove rename reopen restore revoke scrub search set should show strip suspend switch take
    terminate update upgrade want wants what which who wipe would yes no dear team someone somebody
    anyone anybody everyone everybody nobody new sender senders viewer viewers admin administrator
    job title first last name surname just quick please pls also so actually really kindly urgent
    thanks thank quickly fyi btw
"""
NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())
NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'\u2019.-]*(?:['\u2019-][^\W\d_]+)*$")
MAX_CANDIDATES_SHOWN = 8
MAX_PEOPLE = 5
# a question's opening word is followed by what is asked about ("list pending approvals"), not a name
QUESTION_VERBS = frozenset({"list", "show", "find", "search", "who", "what", "which", "how", "do", "does"})
AFTER_NAME = frozenset({"to", "on", "in", "as", "from", "at", "'s", "everywhere", "off", "out", "a", "an",
                        "access", "the", "some"})  # "give wei access to EMEA", "give sam the sender profile"


def people_named(toks: list[Token], taken: list[str]) -> list[str]:
    """The people a request names without an email, in order: "Maya" in "Maya's membership", the
    runs of capitalised words that are not a verb or a name already read as an account, profile or
    group (``taken``), else the lower-case words right after the opening verb."""
    taken_low = {" ".join(t.lower().split()) for t in taken if t}
    found: list[str] = []

    def offer(name: str | None) -> None:
        low = " ".join((name or "").lower().split())
        inside_taken = any(f" {low} " in f" {t} " for t in taken_low)  # "VP" of the title "VP Sales"
        fresh = low not in (f.lower() for f in found)
        if name is not None and low and not inside_taken and fresh and len(found) < MAX_PEOPLE:
            found.append(name)

    for i, tok in enumerate(toks):
        if tok.entity is None and tok.text == "'s" and i > 0 and _name_word(toks[i - 1], lower_ok=True):
            words = [toks[i - 1].text]
            j = i - 2
            while j >= 0 and len(words) < 3 and _name_word(toks[j]) and toks[j].text[:1].isupper():
                words.insert(0, toks[j].text)
                j -= 1
            offer(" ".join(words))
    for run in _runs(toks):
        if not any(run in name or name in run for name in found):
            offer(run)
    if not found:
        offer(_after_verb(toks) or _question_subject(toks) or _statement_subject(toks))
    return found


# "jane should only be in Legal", "maya needs to be a sender": a lower-case name opening a statement
STATEMENT_VERBS = frozenset({"should", "must", "needs", "has", "will", "shall"})


def _statement_subject(toks: list[Token]) -> str | None:
    if len(toks) > 2 and _name_word(toks[0], lower_ok=True) and toks[1].entity is None \
            and toks[1].low in STATEMENT_VERBS:
        return toks[0].text
    return None


# "does emma have…", "what profile does sam have on EMEA?", "can ken send…": the subject of a
# question about someone's access is the word between the auxiliary and what is asked
QUESTION_AUX = frozenset({"does", "did", "is", "has", "can", "could", "was"})
AFTER_SUBJECT = frozenset(
    {"have", "has", "got", "still", "an", "a", "the", "on", "in", "send", "sign", "view", "belong", "hold",
     "need", "currently", "already", "really", "?", "activated", "accepted", "joined", "logged", "been",
     "yet", "only", "just", "exactly", "active", "pending", "closed", "disabled"}
)


def _question_subject(toks: list[Token]) -> str | None:
    for i, tok in enumerate(toks[:-2]):
        if tok.entity is not None or tok.low not in QUESTION_AUX:
            continue
        words: list[str] = []
        for nxt in toks[i + 1 : i + 3]:
            if not _name_word(nxt, lower_ok=True) or nxt.low in AFTER_SUBJECT:
                break
            words.append(nxt.text)
        after = toks[i + 1 + len(words)] if i + 1 + len(words) < len(toks) else None
        if words and (after is None or (after.entity is None and after.low in AFTER_SUBJECT)):
            return " ".join(words)
        return None
    return None


def person_named(toks: list[Token], taken: list[str]) -> str | None:
    return next(iter(people_named(toks, taken)), None)


def _after_verb(toks: list[Token]) -> str | None:
    """'change john doe to ...': lower-case words right after the opening verb, up to a cue word."""
    openers = NOT_NAMES - QUESTION_VERBS - QUESTION_AUX  # "can ken send…": the subject, not "ken send"
    if len(toks) < 2 or toks[0].entity is not None or toks[0].low not in openers:
        return None
    words: list[str] = []
    for tok in toks[1:]:
        if _name_word(tok, lower_ok=True) and tok.low not in AFTER_NAME and len(words) < 3:  # "kick X off"
            words.append(tok.text)
            continue
        cue = (tok.entity is None and (tok.low in AFTER_NAME or not tok.is_word)) or _profile(tok)
        return " ".join(words) if words and cue else None
    return " ".join(words) or None


def _profile(tok: Token) -> bool:
    """'give sam sender rights': a profile right after the name ends it."""
    return tok.entity is not None and tok.entity.kinds == ("profile",)


def _runs(toks: list[Token]):
    run: list[str] = []
    for tok in [*toks, Token(".")]:
        if tok.entity is not None and tok.entity.kind == "phrase" and not run:
            words = tok.entity.value.split()
            if 1 <= len(words) <= 4 and all(NAME_WORD.match(w) for w in words):
                yield tok.entity.value
            continue
        if _name_word(tok) and tok.text[:1].isupper() and len(run) < 3:
            run.append(tok.text)
            continue
        if run:
            yield " ".join(run)
        run = []


def _name_word(tok: Token, lower_ok: bool = False) -> bool:
    return (
        tok.entity is None
        and bool(NAME_WORD.match(tok.text))
        and tok.low not in STOP
        and tok.low not in NOT_NAMES
        and tok.low not in PRONOUNS  # "he's gone": a pronoun is never looked up as a name
        and (lower_ok or tok.text[:1].isupper())
    )


def lookup_call(name: str) -> ToolCall:
    """One read for the name: the sandbox and DocuSign filter on a fragment, so ask for its longest
    word (accents and word order are settled here, on the rows that come back)."""
    fragment = max(name.split(), key=len)
    return ToolCall(id="", action="list_users", args={"name_contains": fragment, "page_size": 100})


def matches(result: dict[str, Any], name: str) -> tuple[list[dict], list[dict], bool]:
    """(users the name fits word for word, users it is only part of, whether the read was complete)."""
    data = result.get("data") if result.get("kind") == "ok" else None
    rows = (data or {}).get("users") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        return [], [], False
    wanted = _words(name)
    exact, near = [], []
    for row in rows:
        if not isinstance(row, dict) or not row.get("email"):
            continue
        email = str(row["email"]).lower()
        words = _words(str(row.get("name") or "")) | _words(email.split("@")[0])
        haystack = _fold(f"{row.get('name') or ''} {email}")
        if wanted and wanted <= words:
            exact.append(row)
        elif all(w in haystack for w in wanted):
            near.append(row)
    return exact, near, not result.get("next_cursor")


def who_question(frame: Frame, name: str, result: dict[str, Any], found: tuple) -> str:
    """The question about a name that fits several users, none, or could not be looked up; notes on
    ``frame`` which name is pending and the emails offered (a numbered answer picks among them)."""
    exact, near, complete = found
    frame.asking_about, frame.candidates = name, []
    if result.get("kind") == "denied":
        text = f"I cannot look up who \u201c{name}\u201d is: your role may not search users."
    elif result.get("kind") != "ok":
        why = result.get("message") or "the read failed"
        text = f"I could not look up who \u201c{name}\u201d is ({why})."
    elif exact:
        frame.candidates = [r["email"].lower() for r in exact]
        more = "" if complete else " (and more I have not listed)"
        text = f"Several users match \u201c{name}\u201d{more}:\n{listing(exact)}"
    elif frame.intent == "provision":
        parts = name.split()
        if len(parts) == 2 and not frame.first_name:  # the new user's name, in the person's words
            frame.first_name, frame.last_name = parts
        text = f"No user is named \u201c{name}\u201d yet."
    else:
        text = f"No user matches \u201c{name}\u201d."
        if near:
            frame.candidates = [r["email"].lower() for r in near]
            text += f" Users whose names contain it:\n{listing(near)}"
    whose = "the new user's" if frame.intent == "provision" else "their"
    question = (
        "Which one do you mean? Please give their email address (or its number)."
        if exact
        else f"What is {whose} email address?"
    )
    return f"{text}\n{question}"


def describe(row: dict[str, Any]) -> str:
    """'john.doe@acme.com (John Doe, active on EMEA)' — enough to tell two namesakes apart."""
    memberships = [
        f"{m.get('status')} on {m.get('account')}"
        for m in row.get("memberships") or []
        if isinstance(m, dict) and m.get("account")
    ]
    details = ", ".join(filter(None, [str(row.get("name") or "").strip(), "; ".join(memberships)]))
    return f"{row['email']}" + (f" ({details})" if details else "")


def listing(rows: list[dict[str, Any]]) -> str:
    shown = [f"  {n}. {describe(r)}" for n, r in enumerate(rows[:MAX_CANDIDATES_SHOWN], 1)]
    if len(rows) > MAX_CANDIDATES_SHOWN:
        shown.append(f"  and {len(rows) - MAX_CANDIDATES_SHOWN} more")
    return "\n".join(shown)


def chosen(answer: str, candidates: list[str]) -> str | None:
    """An answer to "which one?" that names a candidate by its number ("2", "the second one")."""
    ordinals = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
    low = answer.lower().strip(" .!")
    if len(candidates) == 1 and re.fullmatch(r"(yes|yep|yeah|y|correct|right|that's right|exactly)\b.*", low):
        return candidates[0]  # "did you mean X?" - "yes"
    m = re.fullmatch(r"(?:(?:the|number|no\.?|#)\s*)?(\d{1,2})(?:st|nd|rd|th)?(?:\s+one)?", low)
    index = int(m.group(1)) - 1 if m else None
    if index is None:
        m = re.fullmatch(rf"(?:the\s+)?({'|'.join(ordinals)})(?:\s+one)?", low)
        index = ordinals.index(m.group(1)) if m else None
    return candidates[index] if index is not None and 0 <= index < len(candidates) else None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^\w]+|_", _fold(text)) if w}


def name_word(tok: Token) -> bool:
    """A word that may be (part of) a person's name, in any case: not a function word, verb or pronoun."""
    return _name_word(tok, lower_ok=True)
