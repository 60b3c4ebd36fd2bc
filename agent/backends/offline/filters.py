"""'Who are the admins on EMEA?': a listing question filtered by permission profile or group.

Why a module of its own: list_users takes ``permission_profile`` and ``group`` (the catalogue's
read-only filters), and the people who ask speak of roles ("admins", "senders", "viewers"), of the
profile's own name ("DocuSign Viewer") or of a group ("in the Finance group"). Each such word is
grounded in the organization's own vocabulary, never guessed; a word that matches no single
profile is passed on as said, and the gate refuses it with the names there are (a filter is never
dropped: dropping it would list everyone, a wrong answer that reads like a right one). A question
about one person ("is zoe an admin on EMEA?") becomes the same listing for that person's email,
which the gate answers yes or no first. Questions only: everything here is a read.

Three hooks in the planner use it: ``question_intent`` (a question the intent rules left
unplaced), ``refine`` (the frame's profile from role words, or a question) and ``with_filters``
(the read call).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agent.backends.base import OrgVocabulary
from agent.backends.offline.frame import Frame
from agent.backends.offline.grounding import Lexed
from agent.backends.offline.words import MODIFIERS, words

# a role word and the word its profile's name holds ("admins" -> "Account Administrator", "Global Admin")
ROLE_WORDS: tuple[tuple[str, str], ...] = (
    (r"admins?|administrators?", r"admin(istrator)?"),
    (r"senders?", "sender"),
    (r"viewers?", "viewer"),
)
ROLE = re.compile(r"\b(" + "|".join(p for p, _ in ROLE_WORDS) + r")\b")
# words before a role word that make no name of it: "many senders", "all viewers", "the admins"
QUANTIFIERS = words("all any many the our every each current active pending")
# a question about one person: "is zoe an admin", "does Zoe have admin", "has bjorn ..." (not "is anyone")
ABOUT_ONE = re.compile(r"^(is|does|has|am i|do i)\s+(?!(anyone|anybody|someone|somebody|there|any|every\w*|"
                       r"no ?one|nobody|all|users?)\b)")
# a listing question: "who", "which", "list", "show", "how many", "does anyone", "are there", "everyone"
LISTING = re.compile(r"^(who|whom|which|what users|list|show|display|find|give|get|tell|how (many|<prof>)|"
                     r"count|does anyone|does anybody|do we|is anyone|is anybody|are there|is there|any|all|"
                     r"every)(?!\w)")


# "who can send", "who is able to send": more than one profile sends (the sender profile, the
# administrators'), and the listing filters by one: the person is asked which they mean
CAN_SEND = re.compile(r"\b(can|could|is able to|are able to|allowed to)\s+(send|sign)\b")
SENDING = ("By \u201ccan {verb}\u201d, which permission profile do you mean? More than one profile "
           "can {verb} "
           "(DocuSign Sender, and Account Administrator too), and a listing filters by one. Ask, for "
           "example, \u201cwho in Finance are senders?\u201d or \u201cwho in Finance are admins?\u201d. "
           "Nothing was listed.")


def _skeleton_has_filter(s: str) -> bool:
    return "<prof>" in s or "<grp>" in s or bool(ROLE.search(s))


def question_intent(intent: str | None, lexed: Lexed) -> str | None:
    """The intent of a question the intent rules left unplaced that names a role, a profile or a
    group: a listing ("how many senders do we have on EMEA"), or one person's access ("is zoe an
    admin on EMEA?", answered through a filtered listing of their email)."""
    s = lexed.skeleton()
    if intent is not None or not _skeleton_has_filter(s):
        return intent
    if ABOUT_ONE.match(s):
        return "user_memberships"
    return "list_users" if LISTING.match(s) else None


def _profile_for(word: str, names: list[str]) -> str | None:
    """The one profile whose name holds the role's word ('senders' -> 'DocuSign Sender'), or None."""
    stem = next((stem for pattern, stem in ROLE_WORDS if re.fullmatch(pattern, word)), None)
    found = [n for n in names if stem and re.search(rf"\b{stem}\b", n.lower())]
    return found[0] if len(found) == 1 else None


def _profiles(vocabulary: OrgVocabulary, account: str | None) -> list[str]:
    """The named account's profile names (any case), else every account's (read when looked up)."""
    return _names(vocabulary.profiles, vocabulary, account)


def _groups(vocabulary: OrgVocabulary, account: str | None) -> list[str]:
    return _names(vocabulary.groups, vocabulary, account)


def _names(by_account: Mapping[str, tuple[str, ...]], vocabulary: OrgVocabulary,
           account: str | None) -> list[str]:
    accounts = [a for a in vocabulary.accounts if account is None or a.lower() == account.lower()]
    seen: dict[str, str] = {}
    for name in (n for a in accounts for n in by_account.get(a, ())):
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def refine(frame: Frame, lexed: Lexed, vocabulary: OrgVocabulary) -> str | None:
    """Fill the frame's profile from a role word ("admins", "many senders") when no profile was
    grounded, from the named account's profiles (else every account's); a role word that fits no
    single profile, or a qualified one ("super admins"), is kept as said, for the gate to refuse
    with the names there are. Returns what to say instead of planning, if anything: with no
    profile names at hand (a planner given the account names only) a role word is not read."""
    if frame.intent not in ("list_users", "user_memberships"):
        return None
    _account_for_group(frame, lexed, vocabulary)
    can = CAN_SEND.search(lexed.skeleton()) if frame.intent == "list_users" and not frame.profile else None
    if can:  # "who in finance can send?": a profile is a guess here, so it is asked
        return SENDING.format(verb=can.group(2))
    unknown = [e.value for e in lexed.entities("profile") if not e.known]
    said = next((v for v in unknown if ROLE.search(v.lower())), None)
    if said is None and not frame.profile:
        found = re.search(r"(?:([\w-]+) )?" + ROLE.pattern, lexed.skeleton())
        said = found and (found.group(0) if found.group(1) in MODIFIERS else found.group(2))
    account = frame.accounts[0] if frame.accounts else None
    names = _profiles(vocabulary, account) if said or frame.profile or unknown else []  # read only if asked
    if said:
        bare = _bare_role(said)
        frame.profile = (_profile_for(bare, names) if bare else None) or bare or said
    elif unknown and not frame.profile:
        frame.profile = unknown[0]
    unread = (frame.profile and not names) or (frame.groups and not _groups(vocabulary, account))
    if unread:  # a planner given the account names only: planned again with the org's names
        return f"Which {'permission profile' if frame.profile else 'group'} do you mean?"
    return _problem(frame)


def _account_for_group(frame: Frame, lexed: Lexed, vocabulary: OrgVocabulary) -> None:
    """'does anyone named hannah work in legal?': a bare word that is a group and also the one
    account it shortens ("Acme Legal") is read as the account, and the reply says so and how to ask
    for the group; "in the Legal group" stays the group."""
    if frame.intent != "list_users" or frame.accounts or len(frame.groups) != 1:
        return
    if re.search(r"\bgroups?\b", lexed.skeleton()):
        return
    group = frame.groups[0]
    word = group.lower()
    accounts = [a for a in vocabulary.accounts if word in a.lower().split() and word != a.lower()]
    if len(accounts) == 1:
        frame.accounts, frame.groups = accounts, []
        frame.read_as.append(f"\u201c{group}\u201d read as the account {accounts[0]}; for the group, say "
                             f"\u201cin the {group} group\u201d.")


def _bare_role(value: str) -> str | None:
    """'many senders' -> 'senders'; 'super admins' -> None (a name of its own, not a role word)."""
    words = value.lower().split()
    if words and ROLE.fullmatch(words[-1]) and all(w in QUANTIFIERS for w in words[:-1]):
        return words[-1]
    return None


def _problem(frame: Frame) -> str | None:
    """What a filtered listing cannot say: several groups at once ("in Sales and Finance")."""
    if frame.intent in ("list_users", "user_memberships") and len(frame.groups) > 1:
        return (f"I can filter by one group at a time: which of {', '.join(frame.groups)} do you mean? "
                "(Or ask about each in turn.)")
    return None


def with_filters(frame: Frame, call: tuple[str, dict[str, Any]], *, employee: bool = False
                 ) -> tuple[str, dict[str, Any]]:
    """The read call with the frame's profile and group as list_users filters; one person's
    memberships asked about a profile or group become that person's filtered listing (yes or no),
    except for an employee, who may read their own memberships but not list users."""
    action, args = call
    wanted = {k: v for k, v in (("permission_profile", frame.profile),
                                ("group", frame.groups[0] if frame.groups else None)) if v}
    if not wanted or frame.intent not in ("list_users", "user_memberships"):
        return call
    if action == "list_users":
        return action, {**args, **wanted}
    if action == "list_account" and args.get("operation") == "user_memberships" and args.get("email") \
            and not employee:
        where = {"account": frame.accounts[0]} if frame.accounts else {}
        return "list_users", {"email": args["email"], **where, **wanted}
    return call
