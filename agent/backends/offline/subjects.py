"""Who a statement is about: "victor left, remove him from EMEA", "sofia should be a viewer on EMEA".

Why its own reader: the name readers in ``people`` look for a name after the opening verb or in
capitals; a person in a hurry puts the name first, as the subject of a sentence ("victor left",
"sofia should be…", "priya needs sender rights") and refers back to it with a pronoun. Only the
first word(s) of the request, followed by one of the verbs below, are taken; the name is then
looked up like any other (one whole-name match, or a question), never guessed.

And who is never a name: pronouns and the words that describe a person's state ("he", "she's",
"they", "gone") are read as words, never searched in the directory ("kick victor off EMEA, he's
gone" must not look for users named "he").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from agent.backends.offline.grounding import Token

# Words that refer to someone already named, or describe them: never a name to look up.
_PRONOUN_WORDS = """he she they we you it him her them us his hers their theirs its himself herself themselves
    someone somebody gone left leaving quit"""
PRONOUNS = frozenset(_PRONOUN_WORDS.split())

# After a subject at the start of the request, the verbs that make it a statement about that
# person: (the verb, as a regular expression over the words after the name).
SUBJECT_VERBS: tuple[str, ...] = (
    r"should|must|needs?|has to|will|shall|wants?",  # "sofia should be a viewer", "priya needs …"
    r"left|quit|resigned|retired|has (left|quit|gone|moved)|is (gone|leaving|moving|no longer)",
    r"(is|was) (leaving|moving|gone|out|done)|'s (gone|leaving|moving|out)|moved|changed teams",
    r"(doesn't|does not|no longer) work|is no longer|isn't (here|with us)",
)
# "wei also needs…", "sofia really should…": a softening word between the name and the verb
_VERB = re.compile(r"^(?:(?:also|really|now|still|just|too|then) )?(?:" + "|".join(SUBJECT_VERBS) + r")\b")
MAX_NAME_WORDS = 2


def statement_subject(toks: list[Token], is_name: Callable[[Token], bool]) -> str | None:
    """The name opening a statement ("victor left, …" -> "victor"), else None. ``is_name`` tells
    a name word from a function word (the name readers' own test)."""
    for size in range(1, MAX_NAME_WORDS + 1):  # the shortest name the verb follows ("sofia will be…")
        words = toks[:size]
        if len(words) < size or not all(is_name(t) and t.low not in PRONOUNS for t in words):
            return None
        rest = " ".join(t.low for t in toks[size:size + 4] if t.entity is None)
        if _VERB.match(rest):
            return " ".join(t.text for t in words)
    return None


def is_pronoun(tok: Token) -> bool:
    return tok.entity is None and tok.low in PRONOUNS


# "I think sofia should be a viewer": the speaker's opinion opens a statement about someone else; read
# word by word, its "I" made the speaker the target (their own profile changed). The opener is dropped.
OPINION = re.compile(
    r"^(?:(?:well|so|hmm|ok|okay)[, ]+)?(?:i (?:think|guess|believe|reckon|suppose|feel like)|i'd say|imo|"
    r"in my opinion)(?: that)?[, ]+(?!i\b|i'm\b|i'd\b|me\b|my\b)",
    re.I,
)


def without_opinion(text: str) -> str:
    """``text`` without an opening "I think (that)" before someone else's name."""
    return OPINION.sub("", text, count=1)
