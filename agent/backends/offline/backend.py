"""The offline backend: the Backend protocol over the planner, stateless between calls.

Why apart from ``planner``: this is the conversation's side (reading the transcript, resuming a
half-filled request, choosing the narrowest vocabulary, writing the reply from the gate's results);
the planner is pure text-to-calls.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agent.backends.base import ModelTurn, OrgVocabulary, TurnContext, last_user_text, pending_tool_results
from agent.backends.offline import nearby
from agent.backends.offline.followups import corrected_request, follow_up, session_calls
from agent.backends.offline.grounding import normalize
from agent.backends.offline.guards import Grounding
from agent.backends.offline.intents import READ_START
from agent.backends.offline.plan import Plan, memberships
from agent.backends.offline.planner import POLITE, READ_ACTIONS, Planner
from agent.backends.offline.referents import referent, said_whom, with_referent
from agent.backends.offline.scope import vocabulary_for
from tools.actions import ToolCall


class OfflineBackend:
    """Backend protocol implementation; stateless between calls (state lives in the transcript)."""

    name = "offline"

    def __init__(self, vocabulary: OrgVocabulary | None = None):
        self._fixed_vocabulary = vocabulary

    def next_turn(self, messages: list[dict[str, Any]], context: TurnContext) -> ModelTurn:
        results = pending_tool_results(messages)
        pending = resumed_frame(messages)
        if results and pending and pending.get("lookup") == "near_email":
            plan = _near_email_answer(pending, [_result_of(r) for r in results])
        elif results and not (pending and pending.get("lookup")):
            note = own_access_note(messages, context.actor_email)
            text = NOT_IN_ORG if note and all(_not_found(_result_of(r)) for r in results) else report(results)
            plan = _near_email_search(messages, results) or Plan(text + note)
        elif results:
            planner = _planner(self._fixed_vocabulary or context.vocabulary(), context)
            plan = planner.after(pending or {}, [_result_of(r) for r in results])
        else:
            text = last_user_text(messages)
            plan = (
                self._follow_up(text, messages, context)
                or (None if pending else self._referred(text, messages, context))
                or self._plan(text, pending, context)
            )
        if plan.calls:
            base = sum(1 for m in messages for b in _blocks(m) if b.get("type") == "tool_use")
            calls = [
                ToolCall(id=f"toolu_offline_{base + i + 1:04d}", action=c.action, args=c.args)
                for i, c in enumerate(plan.calls)
            ]
            return ModelTurn(text=plan.text, tool_calls=calls, stop_reason="tool_use", state=plan.state,
                             hold=plan.hold)
        return ModelTurn(text=plan.text, clarify=plan.clarify, state=plan.state, stop_reason="end_turn",
                         about=plan.about)

    def _follow_up(self, text: str, messages: list[dict[str, Any]], context: TurnContext) -> Plan | None:
        """ "next page", "the same for EMEA", "undo that": answered from the transcript's calls."""
        low = POLITE.sub("", normalize(text)).strip(" .!").lower()
        history = session_calls(messages)
        if not history or len(low) > 80:
            return None
        vocabulary = self._fixed_vocabulary or context.vocabulary()
        found = follow_up(low, history, Grounding(vocabulary).account)
        if found is None:
            corrected = corrected_request(POLITE.sub("", normalize(text)).strip(" .!"), history)
            who = referent(history, context.actor_email)
            if corrected and who and who not in corrected and with_referent(text, who):
                return None  # "make her a viewer" after a question about someone else: her is that one
            return self._plan(corrected, None, context) if corrected else None
        answer, calls = found
        return Plan(answer, calls=calls, clarify=not calls)

    def _referred(self, text: str, messages: list[dict[str, Any]], context: TurnContext) -> Plan | None:
        """ "ok make her a sender" after a question about maya: the request with maya's email, and a
        note saying so (``referents``); None when the pronoun has no single person to stand for."""
        who = referent(session_calls(messages), context.actor_email)
        resolved = with_referent(normalize(text), who) if who else None
        if who is None or resolved is None:
            return None
        named = [w for w in re.split(r"[._+-]", who.partition("@")[0]) if len(w) > 2]
        if any(re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE) for w in named):
            return None  # "lucas is leaving friday, close him out": the sentence names its person itself
        plan = self._plan(resolved[0], None, context)
        if not plan.calls:  # not understood with the email in: read as said (it may name the person)
            return None
        plan.text = "\n\n".join(filter(None, (said_whom(resolved[1], who), plan.text)))
        return plan

    def _plan(self, text: str, pending: dict | None, context: TurnContext) -> Plan:
        """Plan with the account names alone when that settles it (a plain read costs one request),
        else with the names the request needs (``scope``: the concerned accounts' profiles, then
        groups), else with every profile and group name. A narrower plan counts only when it
        proposes calls: a question or refusal is planned again on every name."""
        if self._fixed_vocabulary is not None:
            return _planner(self._fixed_vocabulary, context).plan(text, pending)
        if pending is None and READ_START.search(POLITE.sub("", normalize(text)).lower()):
            plan = _planner(context.organization(), context).plan(text, None)
            # a plan that has something to say (a word it did not apply) is planned on every name
            if plan.calls and not plan.state and not plan.text and all(c.action in READ_ACTIONS
                                                                        for c in plan.calls):
                return plan
        vocabulary = context.vocabulary()
        settled = ((pending or {}).get("frame") or {}).get("accounts") or ()
        scoped = vocabulary_for(normalize(text), vocabulary, settled)
        if scoped is not vocabulary:
            plan = _planner(scoped, context).plan(text, pending)
            if plan.calls:
                return plan
        return _planner(vocabulary, context).plan(text, pending)


def _near_email_search(messages: list[dict[str, Any]], results: list[dict[str, Any]]) -> Plan | None:
    """A write on an address that failed: search once for the users it may have meant."""
    history = session_calls(messages)[-len(results):]
    tried, answers = [(p.action, p.args) for p in history], [_result_of(r) for r in results]
    seat = nearby.missing_membership(tried, answers)
    if seat:  # "make sam a Sender on EMEA" with no EMEA membership: a new membership is offered
        return nearby.new_seat(seat, report(results), existing=True)
    failed = nearby.failed_write(tried, answers)
    calls = nearby.search_calls(failed["args"]["email"]) if failed else []
    if failed and not calls:
        return nearby.new_seat(failed, report(results))
    if not failed:
        return None
    state = {"pending": {"lookup": "near_email", "failed": failed, "report": report(results)}}
    return Plan(calls=calls, state=state)


def _near_email_answer(pending: dict[str, Any], results: list[dict[str, Any]]) -> Plan:
    """The users one slip from the failed address, asked about; else the failure as it was."""
    failed = pending["failed"]
    candidates = nearby.near(failed["args"]["email"], results)
    return nearby.offer(failed, candidates) if candidates else nearby.new_seat(failed, pending["report"])


def _planner(vocabulary: OrgVocabulary, context: TurnContext) -> Planner:
    return Planner(
        vocabulary,
        context.actor_email,
        context.actor_roles,
        denied_profiles=context.denied_profiles,
        seat_defaults=context.seat_defaults,
    )


NO_ACCESS = (
    "\n\nYou have no DocuSign access yet. If you need it, say \u201cI need a DocuSign seat\u201d and I "
    "will send the seat request to an approver."
)


# The speaker's own record read before their first seat: not a failure and no misspelt address.
NOT_IN_ORG = "There is no DocuSign user with your email in this organization yet."


def _not_found(result: dict[str, Any]) -> bool:
    from agent.render import NOBODY

    return result.get("kind") == "error" and bool(NOBODY.match(str(result.get("message") or "")))


def own_access_note(messages: list[dict[str, Any]], actor: str) -> str:
    """After reading the speaker's own memberships: none at all means no seat, and how to get one."""
    history = session_calls(messages)
    last = history[-1] if history else None
    if last is None or last.args.get("operation") != "user_memberships":
        return ""
    if str(last.args.get("email", "")).lower() != actor.lower():
        return ""
    result = last.result
    if result.get("kind") == "ok" and memberships(result):
        return ""
    if result.get("kind") in ("ok", "error") and "denied" not in str(result.get("kind")):
        return NO_ACCESS
    return ""


def resumed_frame(messages: list[dict[str, Any]]) -> dict | None:
    """The half-filled request of the assistant's last turn, if that turn was a question."""
    for message in reversed(messages[:-1]):
        if message["role"] == "assistant":
            meta = message.get("meta") or {}
            return meta.get("pending")
    return None


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    return content if isinstance(content, list) else []


def report(results: list[dict[str, Any]]) -> str:
    """The reply text from the tool results the conversation fed back."""
    from agent.render import result_text

    return "\n\n".join(result_text(_result_of(block)) for block in results)


def _result_of(block: dict[str, Any]) -> dict[str, Any]:
    """A tool_result block's content back as the Result's JSON form."""
    content = block.get("content")
    if isinstance(content, list):
        content = "".join(c.get("text", "") for c in content if isinstance(c, dict))
    try:
        result = json.loads(content) if isinstance(content, str) else content
    except json.JSONDecodeError:
        result = None
    return result if isinstance(result, dict) else {"kind": "error", "message": str(content)}
