"""The words of a listing question that no filter used, said back before the answer.

Why: "who in marketing is pending?" once listed every pending user without a word about
"marketing", an answer that reads as the right one. The rule for reads: every meaningful word of
a question is either used by the listing (an account, group, profile, status, name, email or
number the frame holds) or the reply names it as not applied. The words below are the ones a
listing question is made of and that carry no filter of their own; everything else that the frame
did not take is named.
"""

from __future__ import annotations

import re

from agent.backends.base import OrgVocabulary
from agent.backends.offline.frame import Frame
from agent.backends.offline.grounding import Lexed
from agent.backends.offline.words import FUNCTION_WORDS, words

# the words of asking for a listing, and of the domain, that filter nothing by themselves
LISTING_WORDS = FUNCTION_WORDS | words(
    """
    list listing show display find search fetch print view who whom whose which what what's whats
    who's whos how many much number count total users user people persons person members member
    everyone everybody anyone anybody someone somebody employees employee staff folks seats seat
    named called name names contains containing includes like matching starting with all every
    there here me give tell see let get currently right now please pls kindly thanks thx hi hello hey
    are is am be been being have has had do does did can could would will should may might
    docusign org organization organisation company ours exist exists in on at of by for from the a an
    page first top only just per time overview rundown summary report quick full current
    listed registered set up setup status statuses state
    hasn't hasnt haven't havent isn't isnt aren't arent don't dont doesn't doesnt didn't didnt not no
    yet still ever already really
    i'd i'm we'd we're you're let's
    admin admins administrator administrators sender senders viewer viewers
    activate activated activation active pending closed disabled deactivated invited invitation
    awaiting unactivated required sent
    changed modified updated since today yesterday days day weeks hours minutes last past
    u pull work works working asked asks wants wanted needs needed auditor manager boss colleague
    belong belongs belonging part currently
    colleagues
    """
)


def unapplied(frame: Frame, lexed: Lexed) -> list[str]:
    """The words of a list_users question that its filters did not take, as typed, in order."""
    if frame.intent != "list_users":
        return []
    taken = " ".join(
        v.lower() for v in (frame.name_contains, frame.profile, *frame.groups, *frame.accounts,
                            *frame.emails, frame.status, frame.since) if v
    ).split()
    left: list[str] = []
    for tok in lexed.tokens:
        if tok.entity is not None or not tok.is_word:
            continue
        low = tok.low.strip("'\u2019")
        if low in LISTING_WORDS or low in taken or low.isdigit() or re.fullmatch(r"\d+\w{0,2}", low):
            continue
        if tok.text not in left:
            left.append(tok.text)
    return left


def unapplied_note(left: list[str]) -> str:
    said = ", ".join(f"\u201c{w}\u201d" for w in left)
    return (f"Not applied: {said}. I could not use {'it' if len(left) == 1 else 'them'} to filter the "
            "users (not an account, group, permission profile, status or name I know), so the listing "
            "below is without it. Name an account, group or profile to narrow it.")


def unknown_place(left: list[str], lexed: Lexed) -> str | None:
    """A word left over right after in/on/at/from ("everyone in Marketing"): a place the person
    named, which the organization does not have; asked about, never listed without."""
    s = lexed.skeleton()
    return next((w for w in left if re.search(rf"\b(in|on|at|from) (the )?{re.escape(w.lower())}\b", s)),
                None)


def place_question(word: str, vocabulary: OrgVocabulary) -> str:
    groups = sorted({g for names in vocabulary.groups.values() for g in names})
    org = vocabulary.organization or "the organization"
    return (f"There is no account or group \u201c{word}\u201d in {org}: "
            f"its accounts are {', '.join(vocabulary.accounts)}"
            + (f"; its groups are {', '.join(groups)}" if groups else "")
            + ". Which do you mean? Nothing was listed.")
