"""Free-text values a write may carry (first name, last name, job title): a value, not a sentence.

Why in the tools layer, under every planner: a name or title is read out of a sentence by
position, by the offline planner or by a model, and a misreading carries the sentence around it
into a user's record ("leading the", "Head of" with the rest taken as an account, "whatever HR
says", "the same as maya's"). The gate cannot know the right title, but it can tell a value from
a piece of a sentence: a pronoun or a word of conversation inside it, or a word that leaves it
dangling at the end. Such a call is refused as bad input, naming the value, so nothing is written
and the person (or the model) is asked to give the value on its own. Both lists are data.
"""

from __future__ import annotations

import re

# Words of the conversation around a value, never of a name or a title.
SENTENCE_WORDS = frozenset({
    "i", "me", "my", "you", "your", "he", "she", "him", "her", "his", "they", "them", "their", "we",
    "us", "our", "please", "pls", "plz", "thanks", "thank", "thx", "whatever", "whoever", "something",
    "someone", "maybe", "perhaps", "probably", "same",
})
# A value of several words ending on one of these was cut off mid-phrase ("Head of", "leading the").
DANGLING_WORDS = frozenset({
    "a", "an", "the", "of", "for", "and", "or", "to", "with", "at", "in", "on", "by", "from", "as", "into",
    "per",
})
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


def sentence_problem(value: str | None) -> str | None:
    """Why ``value`` reads as part of a sentence rather than a name or title (None: it does not)."""
    if not value:
        return None
    words = [w.lower() for w in _WORD.findall(value)]
    said = [w for w in words if w in SENTENCE_WORDS]
    if said:
        return f"\u201c{value}\u201d reads as part of a sentence (\u201c{said[0]}\u201d), not a value"
    if len(words) > 1 and words[-1] in DANGLING_WORDS and not value.rstrip().endswith((".", ")")):
        return f"\u201c{value}\u201d breaks off after \u201c{words[-1]}\u201d: it looks cut out of a sentence"
    return None
