"""An email that names nobody: the users whose address is one slip away are offered, never used.

Why after the gate and not before: the planner cannot know an address is unknown without reading
the directory, and reading it before every write would cost every request a DocuSign call. So a
write that failed is followed, once, by a search on the address's parts; if the address really
names nobody and one or more users are one slip away ("david.kimm" for "david.kim", "jhon.doe"
for "john.doe" or "jon.doe"), the person is asked which one they meant. Their yes resumes the
request with that address; it never runs on a guess.
"""

from __future__ import annotations

import re
from typing import Any

from agent.backends.offline.frame import Frame
from agent.backends.offline.intents import CALLS
from agent.backends.offline.plan import Plan
from agent.backends.offline.words import CUE_WORDS
from tools.actions import WRITE_ACTIONS, ToolCall

# operations on someone who must already exist (a provision creates the address it is given)
ON_EXISTING = frozenset(
    call[1] for call in CALLS.values() if call and call[0] in WRITE_ACTIONS and call[1] != "provision"
)
# the catalogue field -> the frame slot it came from, for a resumed request
SLOTS = {"account": "accounts", "accounts": "accounts", "permission_profile": "profile", "groups": "groups",
         "first_name": "first_name", "last_name": "last_name", "job_title": "job_title",
         "all_accounts": "all_accounts"}
MIN_PART = 3


def one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one letter changed, added, removed or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        i, j = [*diff, 0, 0][:2]
        swapped = len(diff) == 2 and j == i + 1 and (a[i], a[j]) == (b[j], b[i])
        return len(diff) == 1 or swapped
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def plain_slip(typed: str, meant: str) -> bool:
    """A typo with one reading only: five letters or more, one slip from the word it was read as
    ("chnage", "provison", "remvoe") and from no other word a request is read by. Such a word is
    understood (the reply says how it was read); any other respelling is asked about first, since
    a doubtful reading must never become a write."""
    typed = typed.lower()
    return (len(typed) >= 5 and one_edit(typed, meant)
            and sum(1 for cue in CUE_WORDS if one_edit(typed, cue)) == 1)


def read_as(respelled: list[tuple[str, str]]) -> str:
    """The line that tells the person how their typos were read, before what was done."""
    words = ", ".join(f"\u201c{typed}\u201d as \u201c{meant}\u201d" for typed, meant in respelled)
    return f"(Read {words}.)"


def failed_write(calls: list[tuple[str, dict[str, Any]]], results: list[dict[str, Any]]) -> dict | None:
    """The one write on an existing user that came back an error, if that is all this turn did."""
    if len(calls) != 1 or len(results) != 1 or results[0].get("kind") != "error" or results[0].get("system"):
        return None
    action, args = calls[0]
    if args.get("operation") not in ON_EXISTING or "@" not in str(args.get("email", "")):
        return None
    # the gate's typed cause (``Error.cause``), never its wording: any other failure (a purge of an
    # active user, a membership the user lacks) is reported as it came, with no search
    if results[0].get("cause") != "unknown_user":
        return None
    return {"action": action, "args": args}


def search_calls(email: str) -> list[ToolCall]:
    """Users whose name or address contains a part of the typed address's user part."""
    local = email.rpartition("@")[0].lower()
    parts = sorted({p for p in re.split(r"[._+-]", local) if len(p) >= MIN_PART}, key=len, reverse=True)[:2]
    return [ToolCall(id="", action="list_users", args={"name_contains": p, "page_size": 100}) for p in parts]


def near(email: str, results: list[dict[str, Any]]) -> list[str] | None:
    """The addresses one slip from ``email`` (None: ``email`` exists, so the error was another)."""
    found: list[str] = []
    for result in results:
        rows = (result.get("data") or {}).get("users") or [] if result.get("kind") == "ok" else []
        for row in rows:
            address = str(row.get("email", "")).lower() if isinstance(row, dict) else ""
            if address == email.lower():
                return None
            if address and address not in found and _slip(email.lower(), address):
                found.append(address)
    return found


def _slip(typed: str, real: str) -> bool:
    local, _, domain = typed.rpartition("@")
    real_local, _, real_domain = real.rpartition("@")
    return one_edit(typed, real) or (domain == real_domain and one_edit(local, real_local))


def offer(failed: dict, candidates: list[str]) -> Plan:
    """The question naming the users the address may have meant, with the request kept to resume."""
    args = failed["args"]
    intent = next(name for name, call in CALLS.items() if call == (failed["action"], args["operation"]))
    frame = Frame(intent, candidates=candidates)
    for field, slot in SLOTS.items():
        value = args.get(field)
        if value is None:
            continue
        if slot == "accounts":
            frame.accounts = list(value) if isinstance(value, list) else [value]
        else:
            setattr(frame, slot, list(value) if isinstance(value, list) else value)
    typed = args["email"]
    if len(candidates) == 1:
        question = f"Did you mean {candidates[0]}? Say yes to go ahead with it, or give the right address."
    else:
        listed = "\n".join(f"{i}. {c}" for i, c in enumerate(candidates, 1))
        question = f"Did you mean one of these?\n{listed}\nSay which (its number or address)."
    text = f"There is no user {typed} in this organization; nothing was changed. {question}"
    return Plan(text, clarify=True, state={"pending": {"frame": frame.as_dict(), "missing": "emails"}})



# The gate's answer for a profile change where the user has no membership on the account.
NO_MEMBERSHIP = re.compile(r"\bhas no membership on (?P<account>.+?); nothing was changed\b")


def missing_membership(calls: list[tuple[str, dict[str, Any]]], results: list[dict[str, Any]]) -> dict | None:
    """The one profile change that failed because the user has no membership on that account."""
    if len(calls) != 1 or len(results) != 1 or results[0].get("kind") != "error":
        return None
    action, args = calls[0]
    if args.get("operation") != "change_permission_profile" or not NO_MEMBERSHIP.search(
            str(results[0].get("message", ""))):
        return None
    return {"action": action, "args": args}


def new_seat(failed: dict | None, report: str, *, existing: bool = False) -> Plan:
    """A profile change that failed for want of a membership (``existing``: the user exists) or of a
    user (no near address to offer): the failure as the gate reported it, and the new seat it may
    have meant, asked (a yes provisions it, through the gate like any write)."""
    args = (failed or {}).get("args") or {}
    if args.get("operation") != "change_permission_profile" or not args.get("account"):
        return Plan(report)
    frame = Frame("provision", emails=[str(args["email"]).lower()], accounts=[str(args["account"])],
                  profile=args.get("permission_profile"))
    email, account = frame.emails[0], frame.accounts[0]
    as_profile = f" as {frame.profile}" if frame.profile else ""
    offer = (f"Should I add {email} to {account}{as_profile} instead (a new membership)?" if existing else
             f"If {email} is someone new, I can provision a new seat for them on {account}{as_profile}.")
    text = f"{report}\n\n{offer} Say yes to go ahead."
    return Plan(text, clarify=True, state={"pending": {"frame": frame.as_dict(), "missing": "reading"}})
