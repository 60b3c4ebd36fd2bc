"""Turning a typed request into tokens the offline planner can reason about.

Why a lexicon of the organization's own names: "in Sales" is a group and "in Contractors" an
account only because the organization says so. Known names (accounts, permission profiles,
groups, with a few everyday aliases such as "main account" or "sender rights") become single
entity tokens; emails and quoted text too. Everything else stays a word, and a name the
organization does not know is still picked up later from its position ("as X", "the X group"),
so a misspelt profile reaches the gate and comes back with a suggestion instead of being guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.backends.base import OrgVocabulary

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
                parts.append(tok.low)
            else:  # short tags, so "<acct>" never reads as the word "account" to a rule
                parts.append(f"<{SKELETON_TAGS.get(tok.entity.kind, tok.entity.kind)}>")
        return " ".join(parts)

    def entities(self, kind: str) -> list[Entity]:
        return [t.entity for t in self.tokens if t.entity is not None and kind in t.entity.kinds]


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
                else:
                    # "show me ..." / "tell me ..." is about the listing, not about the speaker
                    prev = out.tokens[-1].low if out.tokens and out.tokens[-1].entity is None else ""
                    listing = low == "me" and prev in ("show", "tell", "let")
                    out.tokens.append(Token(word, None if listing else _self_entity(low)))
        return out

    def _segments(self, text: str):
        """Split into (text, entity) pieces: emails, quoted phrases, then known names."""
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
            entity = self.entity_for(inner, quoted=True) or Entity(("phrase",), inner, True)
            spans.append((m.start(), m.end(), entity))
        if self._pattern is not None:
            for m in self._pattern.finditer(text):
                if any(s < m.end() and m.start() < e for s, e, _ in spans):
                    continue
                entity = self.entity_for(m.group(0))
                if entity is not None:
                    spans.append((m.start(), m.end(), entity))
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
