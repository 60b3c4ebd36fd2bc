"""Which of the organization's names a request needs: read in stages, the cheapest that explains it.

Why: the lexicon must know a name before it can find it in the text, and building it from every
account's permission profiles and groups cost two DocuSign requests per account on every cold
write, where the request names one account (or none: the default one). The stages, each tried
only when the one before leaves a word unexplained:

0. the account names alone (one request for the organization, usually cached);
1. and the permission profiles of the accounts the request concerns;
2. and their groups;
3. every account's profiles and groups, as before.

"The accounts the request concerns" are those it (or the question it answers) names, else the
default account; every account when it says "all", "every", "each", "both" or "accounts". A word
is explained when it is part of an email or a known name of the stage, or a grammar word of the
planner's own lists (cue, function, status and self words, numbers). A kind's own noun ("profile",
"rights", "group", "team") asks for that kind's names at once. So a name the organization has can
go unseen only if every word of it is one of those grammar words; and a plan made on a narrower
stage is used only when it proposes calls (see ``OfflineBackend._plan``): a question or refusal
is planned again on every name, so what a person is asked never changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from agent.backends.base import OrgVocabulary
from agent.backends.offline.frame import STATUS_NAMES
from agent.backends.offline.grounding import SELF_WORDS, Lexicon
from agent.backends.offline.words import CUE_WORDS, FUNCTION_WORDS

PROFILE_NOUNS = frozenset(
    {"profile", "profiles", "role", "roles", "rights", "permission", "permissions", "access", "seat", "seats"}
)
GROUP_NOUNS = frozenset({"group", "groups", "team", "teams"})
GRAMMAR = FUNCTION_WORDS | frozenset(CUE_WORDS) | STATUS_NAMES | SELF_WORDS | {"'s", "s"}  # john@x.com's
EVERY_ACCOUNT = re.compile(r"\b(all|every|each|both|accounts)\b", re.IGNORECASE)
STAGES: tuple[frozenset[str], ...] = (frozenset(), frozenset({"profiles"}), frozenset({"profiles", "groups"}))


@dataclass(frozen=True, slots=True)
class ScopedVocabulary(OrgVocabulary):
    """An ``OrgVocabulary`` whose lexicon-wide lists (``all_profiles``, ``all_groups``) hold only
    the ``kinds`` of names of the accounts in ``scope``; ``profiles[account]`` and
    ``groups[account]`` still answer for any account (read when looked up)."""

    scope: tuple[str, ...] = ()
    kinds: frozenset[str] = frozenset()

    def all_profiles(self) -> list[str]:
        return _union(self.profiles.get(a, ()) for a in self.scope) if "profiles" in self.kinds else []

    def all_groups(self) -> list[str]:
        return _union(self.groups.get(a, ()) for a in self.scope) if "groups" in self.kinds else []


def vocabulary_for(text: str, full: OrgVocabulary, accounts: Iterable[str] = ()) -> OrgVocabulary:
    """The narrowest stage of ``full`` that explains every word of ``text``; ``full`` if none does.
    ``accounts``: accounts already settled (the pending question's), part of the scope."""

    def stage(scope: tuple[str, ...], kinds: frozenset[str]) -> ScopedVocabulary:
        return ScopedVocabulary(
            full.organization,
            full.accounts,
            full.default_account,
            full.profiles,
            full.groups,
            scope=scope,
            kinds=kinds,
        )

    bare = Lexicon(stage((), frozenset())).lex(text)
    known = {a.lower(): a for a in full.accounts}
    named = [known[e.value.lower()] for e in bare.entities("account") if e.known and e.value.lower() in known]
    named += [known[a.lower()] for a in accounts if a and a.lower() in known]
    if EVERY_ACCOUNT.search(text):
        scope = tuple(full.accounts)
    elif named:
        scope = tuple(dict.fromkeys(named))
    else:
        scope = (full.default_account,) if full.default_account else tuple(full.accounts)
    lows = {t.low for t in bare.tokens if t.entity is None}
    asked = frozenset(
        kind for kind, nouns in (("profiles", PROFILE_NOUNS), ("groups", GROUP_NOUNS)) if lows & nouns
    )
    tried: set[frozenset[str]] = set()
    for kinds in STAGES:
        kinds = kinds | asked
        if kinds in tried:
            continue
        tried.add(kinds)
        vocabulary = stage(scope, kinds)
        lexed = bare if not kinds else Lexicon(vocabulary).lex(text)
        if all(_explained(t) for t in lexed.tokens):
            return vocabulary
    return full


def unrecognised(lexed) -> list[str]:
    """The words of a request that are neither grammar nor a known name ("Adminstrator",
    "Finanse"): what a question about a missing profile or group must echo back."""
    return [t.text for t in lexed.tokens if t.entity is None and t.text[:1].isalpha() and not _explained(t)]


def _explained(token) -> bool:
    entity = token.entity
    if entity is not None:
        return entity.known and entity.kind != "phrase"
    low = token.low
    return not low[:1].isalnum() or low in GRAMMAR or low.isdigit()


def _union(lists: Iterable[Iterable[str]]) -> list[str]:
    seen: dict[str, str] = {}
    for names in lists:
        for name in names:
            seen.setdefault(name.lower(), name)
    return list(seen.values())
