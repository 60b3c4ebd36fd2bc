"""Questions about one person's record, answered about that person with a sentence first.

Why a module of its own: "which accounts sofia is on" once listed the organization's accounts,
"is victor still active on EMEA?" every active user on EMEA, and "has nina accepted her invite
yet?" was not understood at all. Each row below is one kind of question about one person, with
where the person is in the sentence; the planner looks the person up (a name is never a guess:
an unknown or ambiguous one is echoed back and asked about), reads their memberships, and the
reply starts with the direct answer, written here from what the read returned. Reads only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.backends.offline.frame import Frame
from agent.backends.offline.plan import memberships
from agent.backends.offline.words import FUNCTION_WORDS

# a first name and maybe a last name; the second word is never one of the question's own words
_NOT_SECOND = (r"(?!(?:still|currently|now|yet|really|already|is|are|on|in|at|a|an|the|accepted|accept|"
               r"activated|activate|active|closed|disabled|enabled|pending|invited|signed|set|have|has|got|"
               r"can|access|use|belong|do|does)\b)")
_WHO = rf"(?P<who>[\w.'-]+@[\w.-]+|[^\W\d][\w'-]*(?: {_NOT_SECOND}[^\W\d][\w'-]*)?)"
_ACCOUNT = r"(?: (?:on|in|at) (?:the )?(?P<acct>[\w -]+?)(?: account)?)?"


@dataclass(frozen=True)
class Asked:
    """One kind of question: ``kind`` (what the answer says), ``pattern`` (over the lower-cased
    request, with the person in ``who`` and maybe an account in ``acct``)."""

    kind: str
    pattern: str


ROWS: tuple[Asked, ...] = (
    # "which accounts sofia is on", "which accounts is sofia on", "what accounts does sofia belong to"
    Asked("accounts", rf"^(?:which|what) accounts? (?:is |does |do )?{_WHO}(?: is| are)? "
                      r"(?:on|in|a member of|belong to|have|has|have access to)\??$"),
    Asked("accounts", rf"^(?:which|what) accounts? (?:has|can) {_WHO} (?:got|access|use|sign in to)\??$"),
    # "what's ken's job title", "what is the job title of ken", "ken's title?"
    Asked("title", rf"^(?:what's|whats|what is|tell me|show me|show)? ?{_WHO}'s (?:job )?title\??$"),
    Asked("title", rf"^(?:what's|whats|what is) (?:the )?(?:job )?title of {_WHO}\??$"),
    Asked("title", rf"^what (?:job )?title does {_WHO} have\??$"),
    # "has nina accepted her invite yet?", "did nina activate her account?"
    Asked("invite", rf"^(?:has|did|have) {_WHO} (?:accepted|accept|activated|activate|signed up|set up)\b"
                    r"(?! \w+ (?:on|in) )"),
    Asked("invite", rf"^is {_WHO} (?:still )?(?:activated|pending|invited)(?: yet)?\??$"),
    # "is victor still active on EMEA?", "is victor closed on acme main?", "is victor active?"
    Asked("status", rf"^is {_WHO} (?:still |currently |now )?(?P<status>active|closed|disabled|enabled)"
                    rf"{_ACCOUNT}(?: still| now| yet)?\??$"),
)
# words that would make "who" a fragment, not a person ("which accounts are there")
NOT_A_PERSON = FUNCTION_WORDS | frozenset({"anyone", "anybody", "everyone", "someone", "nobody", "people"})
PENDING = ("activation_sent", "activation_required")


def person_question(text: str) -> tuple[Asked, str, str | None, str | None] | None:
    """(the row, the person as said, the account as said, the status asked about) or None."""
    low = text.lower().strip()
    for row in ROWS:
        found = re.match(row.pattern, low)
        if not found:
            continue
        who = found.group("who")
        if "@" not in who and any(w in NOT_A_PERSON for w in who.split()):
            continue
        groups = found.groupdict()
        account = (groups.get("acct") or "").strip() or None
        return row, who, account, groups.get("status")
    return None


def person_frame(found: tuple[Asked, str, str | None, str | None], account_named: Callable[[str], str | None],
                 group_named: Callable[[str], str | None]) -> Frame:
    """The read of that person's memberships, carrying what was asked (the person is looked up by
    name first). The place is an account, else a group ("is fatima active in HR?"); a place the
    organization lacks is kept as an account, as said, for the planner to ask about."""
    row, who, account, status = found
    group = group_named(account.lower()) if account and not account_named(account) else None
    frame = Frame("user_memberships", asked=row.kind, asked_status=status)
    if "@" in who:
        frame.emails = [who]
    else:
        frame.person = who
    if group:
        frame.groups = [group]
    elif account:
        frame.accounts = [account_named(account) or account]
    return frame


def answer_state(frame: Frame) -> dict[str, Any] | None:
    """The state that brings the read's result back here, to be answered in a sentence."""
    return {"pending": {"frame": frame.as_dict(), "lookup": "answer"}} if frame.asked else None


def answer_for(frame: Frame, result: dict[str, Any]) -> str:
    """The answer to the question the frame carries, about the account or the group it names."""
    if frame.groups:  # read as that person's listing in the group: the gate's yes or no answers it
        return ""
    account = frame.accounts[0] if frame.accounts else None
    return answer(frame.asked or "", frame.asked_status, account, result)


def answer(kind: str, status: str | None, account: str | None, result: dict[str, Any]) -> str:
    """The direct answer, from the memberships the read returned (the listing follows it)."""
    data = result.get("data") or {}
    if result.get("kind") != "ok":
        return ""
    who = data.get("email") or "This user"
    rows = memberships(result)
    if kind == "title":
        return (f"I can't tell you {who}'s job title: the DocuSign Admin API sets job titles but returns "
                "them in no read. Here is what it does return about them:")
    if kind == "accounts":
        if not rows:
            return f"{who} is on no account."
        listed = ", ".join(f"{m['account']} ({m.get('status')})" for m in rows)
        return f"{who} is on {len(rows)} account(s): {listed}."
    if account is not None:
        rows = [m for m in rows if str(m.get("account", "")).lower() == account.lower()]
        if not rows:
            return f"No: {who} has no membership on {account}."
    if kind == "invite":
        pending = [m["account"] for m in rows if str(m.get("status")) in PENDING]
        if pending:
            return f"No: {who} has not accepted the invitation yet (still pending on {', '.join(pending)})."
        active = [m["account"] for m in rows if m.get("status") == "active"]
        if active:
            return f"Yes: {who} is active on {', '.join(active)}."
        return f"No: {who} has no pending or active membership ({_statuses(rows)})."
    wanted = "active" if status == "enabled" else status
    matching = [m["account"] for m in rows if m.get("status") == wanted]
    where = f" on {rows[0]['account']}" if account is not None else ""
    if matching and len(matching) == len(rows):
        return f"Yes: {who} is {wanted} on {', '.join(matching)}."
    if matching:
        return f"Partly: {who} is {wanted} on {', '.join(matching)} ({_statuses(rows)})."
    return f"No: {who} is not {wanted}{where} ({_statuses(rows) or 'no membership'})."


def _statuses(rows: list[dict[str, Any]]) -> str:
    return "; ".join(f"{m['account']}: {m.get('status')}" for m in rows)
