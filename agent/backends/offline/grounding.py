"""Grounding: every mention of the organization's own things, found before anything is decided.

Why a gazetteer of the organization's own names: "in Sales" is a group and "in Contractors" an
account only because the organization says so. Known names (accounts, permission profiles,
groups: case-insensitive, whole phrase) become single entity tokens; emails and quoted text too;
a quoted status ("pending") stays a status word. A small alias table ("main account", "sender",
"viewer", "admin") is grounded only where the alias stands alone as the name: "super admin",
"billing admin", "Limited Sender", "HR Partners", "Contractors Sandbox" are *unknown* names of the
same kind (``Entity.known`` false), echoed back in a question and never swapped for the known
name they contain. Spelling tolerance lives in ``guards`` and only ever suggests.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from agent.backends.base import OrgVocabulary
from agent.backends.offline.frame import STATUS_NAMES
from agent.backends.offline.words import CUE_WORDS, FUNCTION_WORDS, MODIFIERS, SHORT_CUES

QUOTES = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u00ab": '"',
        "\u00bb": '"',
        "`": "'",
    }
)
EMAIL_LIKE = re.compile(r"[^\s,;:()<>\"\[\]{}]+@[^\s,;:()<>\"\[\]{}]+")
WORD = re.compile(r"[A-Za-z0-9][\w&.'/+-]*|[^\sA-Za-z0-9]")
SKELETON_TAGS = {"account": "acct", "profile": "prof", "group": "grp"}
SELF_WORDS = frozenset({"i", "me", "my", "myself", "mine", "i'm", "im", "i'd", "i've"})

# Names of the default account in people's words ("our main account").
DEFAULT_ACCOUNT_ALIASES = (
    "main account",
    "default account",
    "primary account",
    "home account",
    "main docusign account",
    "default docusign account",
)


@dataclass(frozen=True, slots=True)
class Entity:
    """A recognised thing: ``kinds`` lists every role the same words could play (a group and an
    account may share a name); ``value`` is the organization's spelling, or the person's when
    the name is unknown."""

    kinds: tuple[str, ...]
    value: str
    quoted: bool = False
    known: bool = True

    @property
    def kind(self) -> str:
        return self.kinds[0]


@dataclass(slots=True)
class Token:
    text: str
    entity: Entity | None = None

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return self.entity is None and (self.text[:1].isalnum())


@dataclass
class Lexed:
    text: str
    tokens: list[Token] = field(default_factory=list)

    def skeleton(self) -> str:
        """Lower-case words with entities as tags (``<email>``, ``<acct>``): what intent rules match."""
        parts = []
        for tok in self.tokens:
            if tok.entity is None:
                parts.append(cue_spelling(tok.low))
            else:  # short tags, so "<acct>" never reads as the word "account" to a rule
                parts.append(f"<{SKELETON_TAGS.get(tok.entity.kind, tok.entity.kind)}>")
        return " ".join(parts)

    def respelled(self) -> list[tuple[str, str]]:
        """(typed, read as) for every word read as the cue word it misspells: shown back to the
        person before any write, since a typo is never acted on unconfirmed."""
        return [
            (tok.text, cue_spelling(tok.low)) for tok in self.tokens
            if tok.entity is None and cue_spelling(tok.low) != tok.low
            and not _inflected(tok.low, cue_spelling(tok.low))
        ]

    def entities(self, kind: str) -> list[Entity]:
        return [t.entity for t in self.tokens if t.entity is not None and kind in t.entity.kinds]


@lru_cache(maxsize=4096)
def cue_spelling(low: str) -> str:
    """``low`` as the cue word it misspells, else unchanged: words of five letters or more, and
    four-letter ones only by two neighbouring letters swapped ("mkae" is "make", "mate" is not)."""
    if len(low) == 4 and low.isalpha() and low not in SHORT_CUES:
        swaps = {low[:i] + low[i + 1] + low[i] + low[i + 2 :] for i in range(3)}
        return next((w for w in sorted(SHORT_CUES) if w in swaps), low)
    if len(low) < 5 or low in CUE_WORDS or not low.isalpha():
        return low
    close = difflib.get_close_matches(low, CUE_WORDS, n=1, cutoff=0.8)
    # one slip: the same first letter and about the same length ("activated" is not "reactivate")
    if close and close[0][0] == low[0] and abs(len(close[0]) - len(low)) <= 1:
        return close[0]
    return low


def _inflected(typed: str, cue: str) -> bool:
    """'removed', 'closes', 'given': the cue word with an ending, not a typo of it."""
    return typed.startswith(cue) or typed.startswith(cue.removesuffix("e"))


def normalize(text: str) -> str:
    text = text.translate(QUOTES)
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text)
    return " ".join(text.split()).strip()


class Lexicon:
    """The organization's names as phrases, longest first, with their possible kinds."""

    def __init__(self, vocabulary: OrgVocabulary):
        phrases: dict[str, dict[str, str]] = {}  # lower phrase -> kind -> canonical value

        def add(phrase: str, kind: str, value: str) -> None:
            phrase = " ".join(phrase.lower().split())
            if phrase:
                phrases.setdefault(phrase, {}).setdefault(kind, value)

        for account in vocabulary.accounts:
            add(account, "account", account)
        if vocabulary.default_account:
            for alias in DEFAULT_ACCOUNT_ALIASES:
                add(alias, "account", vocabulary.default_account)
        profiles = vocabulary.all_profiles()
        for profile in profiles:
            add(profile, "profile", profile)
        for alias, profile in _profile_aliases(profiles).items():
            if alias not in phrases:
                add(alias, "profile", profile)
        for group in vocabulary.all_groups():
            add(group, "group", group)
        self.vocabulary = vocabulary
        self.phrases = phrases
        ordered = sorted(phrases, key=lambda p: (-len(p), p))
        self._pattern = (
            re.compile(
                "|".join(
                    r"(?<![\w@.-])" + r"\s+".join(map(re.escape, p.split())) + r"(?![\w@-])" for p in ordered
                ),
                re.IGNORECASE,
            )
            if ordered
            else None
        )

    def entity_for(self, phrase: str, quoted: bool = False) -> Entity | None:
        kinds = self.phrases.get(" ".join(phrase.lower().split()))
        if not kinds:
            return None
        return Entity(tuple(kinds), next(iter(kinds.values())) if len(kinds) == 1 else phrase, quoted)

    def canonical(self, phrase: str, kind: str) -> str | None:
        return (self.phrases.get(" ".join(phrase.lower().split())) or {}).get(kind)

    def lex(self, text: str) -> Lexed:
        text = normalize(text)
        out = Lexed(text)
        for piece, entity in self._segments(text):
            if entity is not None:
                out.tokens.append(Token(piece, entity))
                continue
            for word in WORD.findall(piece):
                low = word.lower()
                if low.endswith("'s") and len(low) > 2:
                    out.tokens.append(Token(word[:-2], _self_entity(low[:-2])))
                    out.tokens.append(Token("'s"))
                elif len(word) > 1 and word.endswith(".") and word.count(".") == 1:
                    out.tokens.append(Token(word[:-1], _self_entity(low[:-1])))  # "disabled." ends a sentence
                    out.tokens.append(Token("."))
                else:
                    # "show me ..." / "tell me ..." is about the listing, not about the speaker
                    prev = out.tokens[-1].low if out.tokens and out.tokens[-1].entity is None else ""
                    listing = (low == "me" and prev in ("show", "tell", "let")) or (
                        low in ("me", "us") and prev == "for"  # "pull that for me": who asks, not whom
                    )
                    out.tokens.append(Token(word, None if listing else _self_entity(low)))
        return out

    def _segments(self, text: str):
        """Split into (text, entity) pieces: emails, quoted phrases, then known names."""
        self._text = text
        spans: list[tuple[int, int, Entity]] = []
        for m in EMAIL_LIKE.finditer(text):
            raw = m.group(0)
            lead = len(raw) - len(raw.lstrip("'"))
            trimmed = re.sub(r"('s|'|[.!?,;:])+$", "", raw[lead:])
            start = m.start() + lead
            spans.append((start, start + len(trimmed), Entity(("email",), trimmed.lower())))
        for m in re.finditer(r"\"([^\"]{1,120})\"|(?<![\w])'([^']{1,120})'(?![\w])", text):
            if any(s < m.end() and m.start() < e for s, e, _ in spans):
                continue  # a quoted email stays an email
            inner = (m.group(1) or m.group(2)).strip()
            if inner.lower() in STATUS_NAMES:
                continue  # with status "pending": a status, not a name to search for
            quoted: Entity = self.entity_for(inner, quoted=True) or Entity(("phrase",), inner, True)
            spans.append((m.start(), m.end(), quoted))
        if self._pattern is not None:
            known = []
            for m in self._pattern.finditer(text):
                entity = self.entity_for(m.group(0))
                if _pronoun(text, m):
                    continue  # "show me everyone on EMEA": a pronoun, not the Everyone group
                if entity is not None and not any(s < m.end() and m.start() < e for s, e, _ in spans):
                    known.append((m.start(), m.end(), entity))
            known = _joined(text, sorted(known, key=lambda k: k[0]))
            taken = [(s, e) for s, e, _ in spans + known]
            spans.extend(self._widened(text, s, e, entity, taken) for s, e, entity in known)
        spans.sort()
        pos = 0
        for start, end, entity in spans:
            if start < pos:
                continue
            if start > pos:
                yield text[pos:start], None
            yield text[start:end], entity
            pos = end
        if pos < len(text):
            yield text[pos:], None

    def _known_at(self, pos: int) -> bool:
        return bool(self._pattern is not None and self._pattern.match(self._text, pos))

    def _widened(
        self, text: str, start: int, end: int, entity: Entity, taken: list[tuple[int, int]]
    ) -> tuple[int, int, Entity]:
        """A known name inside a longer one is not that name: "Super Admin", "HR Partners group",
        "Contractors Sandbox" become unknown names of the same kind, spanning the whole phrase."""
        new_start = _modifier_start(text, start)
        if any(s <= new_start < e for s, e in taken if (s, e) != (start, end)):
            new_start = start  # the word before belongs to another name ("EMEA Finance")
        new_end = _extension_end(text, end, entity.kind, self._known_at)
        if (new_start, new_end) == (start, end):
            return start, end, entity
        phrase = text[new_start:new_end].strip()
        return new_start, new_end, Entity((entity.kind,), phrase, entity.quoted, known=False)


def _joined(text: str, known: list[tuple[int, int, Entity]]) -> list[tuple[int, int, Entity]]:
    """Two profile names side by side are one name the organization does not have: "Admin Sender"
    is neither "admin" nor "Sender" (a person holds one profile), so it is echoed back as said,
    never read as the privileged half of it."""
    out: list[tuple[int, int, Entity]] = []
    for start, end, entity in known:
        before = out[-1] if out else None
        if before and "profile" in entity.kinds and "profile" in before[2].kinds \
                and not text[before[1]:start].strip():
            out[-1] = (before[0], end, Entity(("profile",), text[before[0]:end], False, known=False))
            continue
        out.append((start, end, entity))
    return out


# Verbs after which a capitalised word is the person acted on ("Give Chris sender rights").
OBJECT_VERBS = frozenset(
    {"give", "make", "grant", "let", "get", "set", "promote", "move", "bump", "put", "assign", "close",
     "remove", "revoke", "strip", "take", "drop"}
)
KIND_NOUNS = {
    "account": ("account", "accounts"),
    "group": ("group", "groups"),
    "profile": ("profile", "profiles", "role", "rights", "permissions"),
}
_WORD_BEFORE = re.compile(r"([A-Za-z][\w'-]*)\s+$")
_WORD_AFTER = re.compile(r"\s+([A-Za-z][\w&'-]*)")


def _modifier_start(text: str, start: int) -> int:
    """Where a qualified name begins: before "billing" in "billing admin", "Senior" in "Senior
    Paralegal", "Super AAA" in "Super AAA sender" (up to three words that are not function words,
    the first of a sentence, or a person named right after the verb: "Give Chris sender rights")."""
    pos = start
    for _ in range(3):
        m = _WORD_BEFORE.search(text[:pos])
        if not m or not _qualifies(text, m, start):
            break
        pos = m.start()
    return pos


def _qualifies(text: str, m: re.Match, name_start: int) -> bool:
    word = m.group(1)
    low = word.lower()
    if low in FUNCTION_WORDS or low in SELF_WORDS or not word.replace("-", "").isalpha():
        return False
    if low in MODIFIERS:
        return True
    head = text[: m.start()].rstrip()
    if not head or head[-1:] in ".!?;:,":
        return False  # the sentence's first word: a verb ("Add", "Make"), not part of a name
    before = _WORD_BEFORE.search(text[: m.start()])
    after_verb = before is not None and before.group(1).lower() in OBJECT_VERBS
    # the word right after the verb is the person given something, in any case ("give sam sender rights")
    return not (after_verb and text[name_start : name_start + 1].islower())


def _extension_end(text: str, end: int, kind: str, known_at) -> int:
    """Where a name that continues past a known one ends: "HR Partners", "Contractors Sandbox",
    "DocuSign Sender legacy" (up to three words that are not function words, the kind's noun or
    the start of another known name, ``known_at(pos)``)."""
    nouns = KIND_NOUNS.get(kind, ())
    pos = end
    for count, m in enumerate(_WORD_AFTER.finditer(text, end)):
        low = m.group(1).lower()
        if m.start() != pos or count >= 3 or low in nouns or low in FUNCTION_WORDS or low in SELF_WORDS:
            break
        if known_at(m.start(1)) or not m.group(1).replace("-", "").isalpha():
            break
        pos = m.end()
    return pos


PRONOUN_NAMES = frozenset({"everyone", "everybody", "all", "anyone"})


def _pronoun(text: str, m: re.Match) -> bool:
    """A name that is also a pronoun counts as the name only as "the Everyone group"."""
    if m.group(0).lower() not in PRONOUN_NAMES:
        return False
    after = _WORD_AFTER.match(text, m.end())
    before = _WORD_BEFORE.search(text[: m.start()])
    named = (after and after.group(1).lower() in ("group", "groups")) or (
        before and before.group(1).lower() == "the"
    )
    return not named


def _self_entity(low: str) -> Entity | None:
    return Entity(("self",), "self") if low in SELF_WORDS else None


def _profile_aliases(profiles: list[str]) -> dict[str, str]:
    """Everyday names: 'Sender' for 'DocuSign Sender', 'admin' for 'Account Administrator'."""
    aliases: dict[str, list[str]] = {}

    def offer(alias: str, profile: str) -> None:
        aliases.setdefault(alias.lower(), []).append(profile)

    for profile in profiles:
        words = profile.split()
        low = profile.lower()
        if len(words) > 1 and words[0].lower() == "docusign":
            rest = " ".join(words[1:])
            offer(rest, profile)
            offer(rest + "s", profile)
            for suffix in ("rights", "permissions", "access", "role"):
                offer(f"{rest} {suffix}", profile)
        if "administrator" in low:
            offer(low.replace("administrator", "admin"), profile)
            offer("admin", profile)
            offer("administrator", profile)
            offer("admin rights", profile)
            offer("administrator rights", profile)
    return {alias: found[0] for alias, found in aliases.items() if len(set(found)) == 1}
