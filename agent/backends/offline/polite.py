"""Indirect requests, said back as the order they are: "Would you mind adding X to Sales?" is "add X
to Sales".

Why a rewrite before anything is classified: people ask for an act in the form of a question about
willingness or possibility ("would you mind", "is it possible to", "could you possibly", "can we
get X set up"), and the question guard — rightly — never lets a question write. These openings ask
someone to *do* something, so they are rewritten to the imperative first; a question about what the
speaker may do to someone else ("can I make X an admin?") is left a question. Each row is data: an
opening (a regular expression over the lower-cased request) and what replaces it.
"""

from __future__ import annotations

import re

from agent.backends.offline.others import named_through_speaker
from agent.backends.offline.own_access import own_access
from agent.backends.offline.subjects import without_opinion
from agent.backends.offline.timing import LATER_DAY

# Verbs a request may be phrased with, for "would you mind adding" -> "add".
VERBS = (
    "add", "put", "give", "make", "set", "get", "change", "switch", "move", "remove", "drop", "close",
    "reactivate", "reopen", "restore", "provision", "create", "invite", "onboard", "grant", "assign",
    "promote", "demote", "upgrade", "downgrade", "update", "rename", "purge", "deactivate", "include",
    "enrol", "enroll", "take", "kick", "revoke", "bump",
)


def _gerunds() -> dict[str, str]:
    """'adding' -> 'add', 'closing' -> 'close', 'putting' -> 'put'."""
    out: dict[str, str] = {}
    for verb in VERBS:
        out[verb + "ing"] = verb
        if verb.endswith("e"):
            out[verb[:-1] + "ing"] = verb
        out[verb + verb[-1] + "ing"] = verb
    return out


GERUNDS = _gerunds()
_GERUND = "|".join(sorted(GERUNDS, key=len, reverse=True))
_VERB = "|".join(VERBS)
# (opening, replacement): the replacement keeps the verb the opening captured as group "v"
OPENINGS: tuple[tuple[str, str], ...] = (
    (rf"^(would|do|will) you (mind|be so kind as to|kindly) (?P<v>{_GERUND})\b", "gerund"),
    (rf"^(would|could|will|can) you (possibly|maybe|perhaps|kindly|please|just) (?P<v>{_VERB})\b", "verb"),
    (rf"^(would|could|will) you be able to (?P<v>{_VERB})\b", "verb"),
    (rf"^(is|would) it be possible to (?P<v>{_VERB})\b", "verb"),
    (rf"^is it possible (for you )?to (?P<v>{_VERB})\b", "verb"),
    (rf"^(is there )?any chance (you|we) (could|can) (?P<v>{_VERB})\b", "verb"),
    (r"^(can|could) we (please )?(?P<v>get|have|add|give|make|set|put|switch|move|close)\b", "verb"),
)
# "for me to send documents from EMEA": the need behind it is the right to send there
SELF_SEND = re.compile(
    r"^(would|is) it (be )?possible for me to send( (documents|docs|envelopes|contracts|things))?"
    r" (from|on|in|through|via|out of)\b",
    re.I,
)
# "I need X to be able to send on Y": the Sender profile, said as what it lets them do
ABLE_TO_SEND = re.compile(r"\bto be able to send( (documents|docs|envelopes|contracts|things))?\b", re.I)


# "I need to send contracts, can you upgrade me", "I can't send envelopes": an employee's need to
# send, said as what they cannot do; the speaker's own Sender rights (first person only: "who can't
# send envelopes?" stays a question about others)
_SENT = r"(documents?|docs|envelopes?|contracts?|things|stuff|agreements?|offer letters?|forms?|ndas?)"
NEED_TO_SEND = re.compile(
    rf"^(?:hi|hey|hello)?[ ,!]*(?:so )?i (?:really )?(?:need|want|have|would like|'d like) to "
    rf"(?:be able to )?send(?: out)?(?: {_SENT})?|"
    rf"^(?:hi|hey|hello)?[ ,!]*i (?:can'?t|cannot|am unable to|'m unable to) send(?: out)?(?: {_SENT})?",
    re.I,
)
_UPGRADE_ME = re.compile(
    r"[,.;]?\s*(?:so )?(?:can|could) you (?:please )?(?:upgrade|bump) me(?: up)?\b[?.!]*", re.I
)


# "lucas is leaving friday, close him out": someone leaving, then the close said of "him". The person
# is named before the verb, so the request is said back as "offboard lucas friday" (every membership
# of the one who leaves; the day stays in, for the planner to read).
LEAVING = re.compile(
    rf"^(?P<who>[\w.@'+-]+(?: [\w'-]+)?) (?:is|'s) (?:leaving|quitting|departing)(?: us| the company)?"
    rf"(?P<when>(?: (?:on )?(?:{LATER_DAY}))?)\s*[,.;:!-]*\s*(?:so |and |then )?(?:please )?"
    r"(?:close|offboard|off-board|deactivate|disable|deprovision) (?:him|her|them)(?: out)?\b",
    re.I,
)


# "can you tell me which accounts sofia is on": the question is what follows the wrapper; read whole,
# the wrapper's "can you" and "me" made it a question about the organization (or the speaker)
ASKED_WRAPPER = re.compile(
    r"^(?:(?:hi|hey|hello|ok|so)[ ,!]*)?(?:(?:can|could|would) you (?:please |pls )?(?:tell|show) me|"
    r"(?:please |pls )?tell me|do you know|i'?d like to know|i want to know|any idea)[ ,:]+"
    r"(?=(?:which|what|who|whom|whose|where|how)\b)",
    re.I,
)


def as_request(text: str) -> str:
    """``text`` with an indirect opening rewritten to the order it asks for (else unchanged)."""
    # "I think sofia should…", "give my colleague sam…", "can i get docusign"
    text = own_access(named_through_speaker(without_opinion(text)))
    wrapped = ASKED_WRAPPER.match(text)
    if wrapped:
        return text[wrapped.end():].rstrip(" ?.!") + "?"
    leaving = LEAVING.match(text)
    if leaving:
        return f"offboard {leaving.group('who')}{leaving.group('when')}{text[leaving.end():]}".rstrip(" .!")
    self_send = SELF_SEND.match(text)
    if self_send:
        return "I need sender rights on" + text[self_send.end() :]
    need = NEED_TO_SEND.match(text)
    if need:  # the need, said as the request; the rest (an account, a reason) is still read
        rest = _UPGRADE_ME.sub("", text[need.end() :]).strip(" ,.;!?")
        if re.fullmatch(r"(?:and )?i (?:really )?need to (?:be able to )?send\b.*", rest, re.I):
            rest = ""  # the same need, said twice
        return f"I need sender rights {rest}".strip()
    text = ABLE_TO_SEND.sub("to have sender rights", text)
    low = text.lower()
    for pattern, form in OPENINGS:
        m = re.match(pattern, low)
        if m:
            verb = GERUNDS[m.group("v")] if form == "gerund" else m.group("v")
            return (verb + text[m.end() :]).rstrip(" ?")
    return text
