"""Follow-ups that only make sense after an earlier turn: "next page", "the same for EMEA", "undo that".

Why from the transcript and not from memory: the conversation stores every proposed call and the
gate's typed result, so the previous listing's cursor, the previous call's arguments and the last
change that really happened are all there. "Undo that" proposes the inverse of the last change
that the gate reports done, as a normal write, so the gate confirms or decides it like any other;
a change whose inverse cannot be stated exactly (a rename, a purge) is said so, never guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.actions import WRITE_ACTIONS, ToolCall

NEXT_PAGE = re.compile(r"^(next( page)?|more|show more|(show|give) me more|continue|keep going|the rest)\b")
SAME_FOR = re.compile(
    r"^(and )?(the )?(same|do the same|same thing|likewise)( thing)? (for|on|with|in) (?P<name>.+)$"
    r"|^(and |what about |how about )(for |on )?(?P<name2>.+?)\??$"
)
UNDO = re.compile(
    r"^((actually|oops|sorry|hmm|wait|no|ok|okay|oh)[,.!]* )*(please )?(can you |could you )?(please )?"
    r"((undo|revert|roll ?back|reverse)( (that|it|this|the last (change|one)))?\b|"
    r"(put|change|set|switch) (it|that|him|her|them) back\b)"
)
# "actually make it Viewer", "no wait, make that DocuSign Sender": the last change, with another profile
CORRECTED = re.compile(
    r"^((actually|no|nope|wait|sorry|oops|hmm|scratch that|on second thought)[,.!]*\s+)*"
    r"(make (it|that|him|her|them)|change (it|that) to|switch (it|that) to|i meant|use)\s+"
    r"(?P<what>[^,.;!?]+?)(\s+instead)?[.!]*$",
    re.IGNORECASE,
)
PROFILE_OPERATIONS = frozenset({"provision", "add_to_account", "change_permission_profile", "reactivate"})
INVERSE_OPERATION = {"add_groups": "remove_groups", "remove_groups": "add_groups"}


@dataclass(frozen=True)
class Past:
    """One call the conversation made and what the gate answered."""

    action: str
    args: dict[str, Any]
    result: dict[str, Any]


def session_calls(messages: list[dict[str, Any]]) -> list[Past]:
    """Every tool call of the transcript, oldest first, with its result (``{}`` when none came)."""
    uses: dict[str, tuple[str, dict]] = {}
    order: list[str] = []
    results: dict[str, dict] = {}
    for message in messages:
        content = message.get("content")
        for block in content if isinstance(content, list) else []:
            if block.get("type") == "tool_use":
                uses[block["id"]] = (block["name"], dict(block.get("input") or {}))
                order.append(block["id"])
            elif block.get("type") == "tool_result":
                results[block.get("tool_use_id", "")] = _parsed(block.get("content"))
    return [Past(*uses[i], results.get(i, {})) for i in order]


def _parsed(content: Any) -> dict[str, Any]:
    if isinstance(content, list):
        content = "".join(c.get("text", "") for c in content if isinstance(c, dict))
    try:
        value = json.loads(content) if isinstance(content, str) else content
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def follow_up(
    low: str, history: list[Past], account_of: Callable[[str], str | None]
) -> tuple[str, list[ToolCall] | None] | None:
    """(text, calls) for a follow-up, or None when ``low`` is not one. ``account_of`` grounds an
    account name (None: not the organization's)."""
    if NEXT_PAGE.match(low):
        return _next_page(history)
    if UNDO.match(low):
        return _undo(history)
    m = SAME_FOR.match(low)
    if m and history:
        return _same_for((m.group("name") or m.group("name2") or "").strip(" .?!"), history, account_of)
    return None


def _next_page(history: list[Past]) -> tuple[str, list[ToolCall] | None]:
    listing = next((p for p in reversed(history) if p.action == "list_users"), None)
    if listing is None:
        return "There is no listing to continue. Ask for one, e.g. \u201clist users on EMEA\u201d.", None
    cursor = listing.result.get("next_cursor")
    if not cursor:
        return "That was the last page: there are no more users in that listing.", None
    return "", [ToolCall(id="", action="list_users", args={**listing.args, "cursor": cursor})]


def _same_for(
    name: str, history: list[Past], account_of: Callable[[str], str | None]
) -> tuple[str, list[ToolCall] | None] | None:
    last = next((p for p in reversed(history) if "account" in p.args), None)
    if last is None:
        return None
    account = account_of(name)
    if account is None:
        return f"There is no account \u201c{name}\u201d; which account do you mean?", None
    args = {k: v for k, v in last.args.items() if k != "cursor"}
    return "", [ToolCall(id="", action=last.action, args={**args, "account": account})]


def _undo(history: list[Past]) -> tuple[str, list[ToolCall] | None]:
    done = [
        p for p in history
        if p.action in WRITE_ACTIONS and p.result.get("kind") == "ok" and p.result.get("changed")
    ]
    if not done:
        return "There is no change in this conversation to undo.", None
    last = done[-1]
    args, op = last.args, last.args.get("operation")
    base = {"email": args.get("email")}
    if op in INVERSE_OPERATION:
        inverse = {
            **base,
            "operation": INVERSE_OPERATION[op],
            "account": args.get("account"),
            "groups": args.get("groups"),
        }
        return "", [ToolCall(id="", action=last.action, args=inverse)]
    if op in ("provision", "reactivate") and args.get("account"):
        return "", [
            ToolCall(
                id="", action="manage_user", args={**base, "operation": "close", "account": args["account"]}
            )
        ]
    if op == "close" and args.get("account"):
        return "", [
            ToolCall(
                id="",
                action="manage_user",
                args={**base, "operation": "reactivate", "account": args["account"]},
            )
        ]
    if op == "change_permission_profile":
        before = re.search(r"from '([^']+)' to", str(last.result.get("summary", "")))
        if before:
            inverse = {
                **base,
                "operation": op,
                "account": args.get("account"),
                "permission_profile": before.group(1),
            }
            return "", [ToolCall(id="", action=last.action, args=inverse)]
    return (
        f"I cannot undo the last change ({op} of {args.get('email')}) exactly: say what it should be "
        "changed back to.",
        None,
    )


# "make him an admin on EMEA": the correction names its own account
ON_ACCOUNT = re.compile(r"\b(on|in|at)\s+\S", re.IGNORECASE)


def corrected_request(low: str, history: list[Past]) -> str | None:
    """'actually make it Viewer' after a change that gave a profile: the same person and account
    with the new profile, as a request the planner reads like any other (so the profile is grounded
    or asked about, and the gate decides). A correction that names an account ("make him an admin
    on EMEA") is that account alone, never that account and the earlier one too."""
    m = CORRECTED.match(low)
    if m is None:
        return None
    last = next((p for p in reversed(history) if p.args.get("operation") in PROFILE_OPERATIONS), None)
    if last is None or not last.args.get("email") or not last.args.get("account"):
        return None
    what = re.sub(r"^(a|an|the)\s+", "", m.group("what").strip())
    if ON_ACCOUNT.search(what):
        return f"change {last.args['email']} to {what}"
    return f"change {last.args['email']} to {what} on {last.args['account']}"
