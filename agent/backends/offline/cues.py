"""Unknown names read from their position: "as X", "the X group", "on X", "to X".

Why apart from ``slots``: a name the organization does not have is still the person's word, and it
must be found (to be echoed back) without swallowing a purpose or a time ("to send", "on Friday").
Strong cues always count; weak ones ("in", "to", "from") only where the intent needs that slot.
"""

from __future__ import annotations

from agent.backends.offline.grounding import Token
from agent.backends.offline.negation import WRITE_VERBS
from agent.backends.offline.tokens import ARTICLES, STOP
from agent.backends.offline.tokens import low as _low
from agent.backends.offline.words import FUNCTION_WORDS

# Words that begin a purpose or a time, never the name of an account, profile or group.
NOT_A_NAME = frozenset(
    [
        "send",
        "sign",
        "signing",
        "sending",
        "get",
        "do",
        "make",
        "see",
        "view",
        "use",
        "work",
        "manage",
        "approve",
        "review",
        "start",
        "help",
        "create",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "today",
        "tomorrow",
        "yesterday",
        "tonight",
        "week",
        "month",
        "morning",
        "afternoon",
        "evening",
        "weekend",
        "asap",
        "behalf",
    ]
)
# Cue words that may still begin a name when capitalised ("to Account Admn", "as DocuSign Senderr").
SOFT_STOP = frozenset({"account", "docusign", "user", "permission", "group"})


def forward(toks: list[Token], i: int) -> str | None:
    """The unknown name that starts at ``i`` (articles skipped), up to five words."""
    while i < len(toks) and toks[i].entity is None and toks[i].low in ARTICLES:
        i += 1
    entity = toks[i].entity if i < len(toks) else None
    if entity is not None:
        return entity.value if entity.kind == "phrase" else None
    words: list[str] = []
    while i < len(toks) and len(words) < 5:
        tok = toks[i]
        capitalised_name_word = tok.low in SOFT_STOP and tok.text[:1].isupper()
        if tok.entity is not None or not tok.is_word or (tok.low in STOP and not capitalised_name_word):
            break
        words.append(tok.text)
        i += 1
    if all(w.lower() in SOFT_STOP for w in words):
        return None  # "access to DocuSign", "as Account": cue words, no name
    if words and words[0].lower() in NOT_A_NAME:
        return None  # "to send contracts", "on Friday": a purpose or a time, not a name
    return " ".join(words)


def _backward(toks: list[Token], i: int) -> str | None:
    """The unknown name that ends just before ``i``."""
    j = i - 1
    entity = toks[j].entity if j >= 0 else None
    if entity is not None:
        return entity.value if entity.kind == "phrase" else None
    words: list[str] = []
    while j >= 0 and len(words) < 5:
        tok = toks[j]
        if tok.entity is not None or not tok.is_word or tok.low in STOP or tok.low in ("'s", "s"):
            break
        words.insert(0, tok.text)
        j -= 1
    if words and all(w.lower() in FUNCTION_WORDS for w in words):
        return None  # "which users have no group": a fragment of the sentence, never a name
    return " ".join(words) or None


# (cue word, direction, kinds it introduces, strong?) — weak cues only fill a slot the intent needs.
CUES = [
    ("as", "f", ("profile",), True),
    ("a", "f", ("profile",), False),  # "make priya a Chief Signer on EMEA": a profile, never a name
    ("an", "f", ("profile",), False),
    ("profile", "b", ("profile",), True),
    ("role", "b", ("profile",), True),
    ("group", "b", ("group",), True),
    ("groups", "b", ("group",), True),
    ("account", "b", ("account",), True),
    ("on", "f", ("account",), True),
    ("at", "f", ("account",), True),
    ("in", "f", ("account", "group"), False),
    ("into", "f", ("account", "group"), False),
    ("to", "f", ("profile", "account", "group"), False),
    ("from", "f", ("account", "group"), False),
]
WEAK_USE = {
    "profile": {"change_profile"},
    "account": {"provision", "close", "reactivate", "remove_from_account"},
    "group": {"add_groups", "remove_groups", "set_groups", "provision"},
}


def _candidates(toks: list[Token], kind: str, intent: str):
    for i, tok in enumerate(toks):
        if tok.entity is not None:
            continue
        for word, direction, kinds, strong in CUES:
            if tok.low != word or kind not in kinds:
                continue
            if not strong and intent not in WEAK_USE.get(kind, ()):
                continue
            if word == "to" and kind == "account" and intent != "provision":
                continue
            if word in ("to", "from") and kind == "group" and intent == "provision":
                continue  # a seat "in Marketing" names a group; "to read stuff" is a purpose
            name = forward(toks, i + 1) if direction == "f" else _backward(toks, i)
            if direction == "f" and word in ("profile", "role", "group", "groups"):
                continue
            if name:
                yield name
        if (
            tok.low in ("profile", "role")
            and _low(toks, i + 1) in ("to", "of", "=", ":")
            and kind == "profile"
        ):
            name = forward(toks, i + 2)
            if name:
                yield name
        if (
            tok.low in ("group", "groups")
            and kind == "group"
            and _low(toks, i + 1) in ("named", "called", ":")
        ):
            name = forward(toks, i + 2)
            if name:
                yield name


NOT_LISTED = frozenset({"then", "also", "him", "her", "them", "me", "please", "thanks", "thank"})


def listed_after(toks: list[Token], i: int) -> list[str]:
    """Unknown names listed after a known one at ``i - 1``: "Sales and Marketing", "Sales, Ops":
    each is echoed back as a name the organization may not have, never dropped."""
    found: list[str] = []
    while i < len(toks) and toks[i].entity is None and toks[i].low in (",", "and", "&", "plus"):
        name = forward(toks, i + 1)
        if not name or name.split()[0].lower() in WRITE_VERBS | NOT_LISTED:
            break  # "Sales and make him a viewer": a second request, not a second group
        found.append(name)
        i += 1 + len(name.split())
    return found


def cued(toks: list[Token], kind: str, intent: str) -> str | None:
    return next(iter(_candidates(toks, kind, intent)), None)


def cued_all(toks: list[Token], kind: str, intent: str) -> list[str]:
    found: list[str] = []
    for name in _candidates(toks, kind, intent):
        if name not in found:
            found.append(name)
    return found
