"""A conversation: the person's words in, the backend's proposals through the gate, a reply out.

Why the loop lives here and not in a backend: whichever backend speaks (Claude, the offline
planner, a script), every proposal crosses ``Gate.submit`` with the identity the channel
authenticated, the model only ever sees typed results (never a confirmation token, so it cannot
answer a confirmation), and the step limit and token budget hold. The transcript is persisted in
the store's ``sessions`` / ``session_messages`` tables so a session can be resumed by its owner.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from agent.backends.base import CUT_OFF_STOPS, Backend, BackendError, ModelTurn, Usage
from audit.models import Session, SessionMessage
from audit.redact import redact_strings
from policies.call import Actor
from policies.decision import DecisionKind, Outcome
from tools.actions import WRITE_ACTIONS
from tools.results import ConfirmationNeeded, PendingApproval, Result, decision_of, outcome_of

if TYPE_CHECKING:
    from agent.runtime import Runtime

MAX_RESULT_CHARS = 40_000
# The longest request a person may send, on every channel (the web form and the HTTP API say so too):
# far above any real request (a list of names belongs in a CSV file, `dsadmin bulk`), and the audit
# log records the whole of what the model reads, so the two never differ.
MAX_REQUEST_CHARS = 4000
# A message that only says yes: it means the prompt on screen, so it does not withdraw it.
BARE_YES = re.compile(r"\s*(?:y|yes|yep|yeah|yup|sure|ok|okay|confirm(?:ed)?|go ahead|do it|proceed)"
                      r"(?:[\s,]*(?:please|pls|thanks))?[\s.!]*")
# declarative tables: ``Base`` declares ``__table__`` as a Table (audit.models)
_SESSIONS, _MESSAGES = Session.__table__, SessionMessage.__table__


class SessionError(ValueError):
    """The session cannot be used by this person (unknown, or someone else's)."""


@dataclass(frozen=True)
class CallRecord:
    action: str
    args: dict[str, Any]
    decision: DecisionKind | None
    status: Outcome

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "args": self.args, "decision": self.decision, "status": self.status}


@dataclass
class Reply:
    """What one request came to. ``outcome`` comes from typed results only (the gate's results,
    the backend's ``clarify`` flag), never from the reply's words; ``failed`` marks an error of the
    system itself (the backend or the store), which the CLI reports with exit code 1."""

    outcome: Outcome
    text: str
    approval_id: str | None = None
    confirmation_token: str | None = None
    calls: list[CallRecord] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    results: list[Result] = field(default_factory=list)
    session_id: str | None = None
    failed: bool = False
    model_turns: int = 0
    receipt: str = ""
    # the approval requests a "what's waiting for me?" answer listed (a channel adds its controls)
    waiting: list[Any] = field(default_factory=list)

    @property
    def confirmations(self) -> list[ConfirmationNeeded]:
        """What the pending token covers, in the gate's words (one per write it confirms)."""
        return [r for r in self.results
                if isinstance(r, ConfirmationNeeded) and r.token == self.confirmation_token]

    @property
    def preview(self) -> list[dict[str, Any]]:
        """Every row the pending confirmation would change ([{account, field, before, after}])."""
        return [row for r in self.confirmations for row in r.preview]

    def as_json(self) -> dict[str, Any]:
        shape = {
            "outcome": self.outcome,
            "reply": self.text,
            "approval_id": self.approval_id,
            "confirmation_token": self.confirmation_token,
            "calls": [c.as_dict() for c in self.calls],
        }
        if self.confirmation_token:
            shape["preview"] = self.preview
        return shape


class Conversation:
    """One person's session with one backend. Not thread-safe; one per channel session."""

    def __init__(self, rt: Runtime, actor: Actor, backend: Backend, session_id: str | None = None, *,
                 dry_run: bool = False, channel: str = "cli"):
        self.rt = rt
        self.actor = actor
        self.backend = backend
        self.dry_run = dry_run  # writes are planned, decided and previewed, never run
        self.channel = channel  # where the person is (``agent.waiting.HOW_TO_DECIDE``'s keys)
        self.session_id = session_id or uuid.uuid4().hex
        self.messages: list[dict[str, Any]] = []
        self._stored = 0
        self._pending_token: str | None = None
        self._load_or_create(resume=session_id is not None)

    # -- public surface -----------------------------------------------------------------------------

    def ask(self, text: str) -> Reply:
        """Handle one request from the person; never raises for a backend or gate failure."""
        text = (text or "").strip()[:MAX_REQUEST_CHARS]  # channels refuse longer (agent.api); never more
        self.rt.audit.append(
            "user_message",
            session_id=self.session_id,
            actor=self.actor.email,
            payload={"text": text, "backend": self.backend.name},
        )
        self._add({"role": "user", "content": [{"type": "text", "text": text}]})
        withdrawn = self._withdraw_unanswered(text)
        reply = self._loop(reads_as_question(text))
        if withdrawn:
            what = "; ".join(withdrawn)
            reply.text = (f"{reply.text.rstrip()}\n\n(Withdrawn, nothing of it was done: the change that "
                          f"waited for your yes ({what}). Ask for it again if you still want it.)")
        reply = self._finish(reply)
        self._save()
        if reply.confirmation_token:
            self._pending_token = reply.confirmation_token
        return reply

    def confirm(self, accept: bool = True, token: str | None = None) -> Reply:
        """The person's answer at the channel's y/N prompt (never reachable from a model turn)."""
        token = token or self._pending_token
        if not token:
            return self._finish(Reply(Outcome.ERROR, "There is no pending confirmation to answer."))
        self._pending_token = None
        results = self.rt.gate.confirm_all(self.actor, token, accept=accept, session_id=self.session_id)
        from agent.render import result_text

        text = "\n".join(result_text(_model_view(r)) for r in results)
        word = "confirmed" if accept else "declined"
        self._add(
            {
                "role": "user",
                "content": [{"type": "text", "text": f"[At the prompt I {word} the pending request.]"}],
                "meta": {"note": "confirmation"},
            }
        )
        self._add(
            {
                "role": "assistant",
                "content": [{"type": "text", "text": text}],
                "meta": {"note": "confirmation"},
            }
        )
        self._save()
        outcome = outcome_of(results[-1]) if len(results) == 1 else _outcome(results, clarify=False)
        reply = Reply(outcome, text, results=results, calls=[_record(r.action, {}, r) for r in results])
        return self._finish(reply)

    def _withdraw_unanswered(self, text: str) -> list[str]:
        """A new request instead of an answer withdraws what this session's last reply asked a yes
        for: "make david an admin" then "no wait, make it EMEA" must not leave the first change one
        stray click (a stale Confirm button) or the next "yes" away from running. A bare yes is the
        exception: the person means the prompt, and is pointed to it (the model cannot consent)."""
        if BARE_YES.fullmatch(text.lower()):
            return []
        self._pending_token = None
        return self.rt.gate.withdraw(self.actor, self.session_id)

    @property
    def pending_confirmation(self) -> str | None:
        return self._pending_token

    # -- the loop -----------------------------------------------------------------------------------

    def _loop(self, question: bool = False) -> Reply:
        settings = self.rt.config.model
        limit = self.rt.gate.policy.max_writes_per_request
        writes = 0  # writes this request has submitted so far (the blast-radius budget)
        budget = settings.max_tokens_per_request
        usage = Usage()
        calls: list[CallRecord] = []
        results: list[Result] = []
        texts: list[str] = []
        turns = 0
        clarify = False
        waiting: list[Any] = []
        for _step in range(settings.max_steps):
            context = self.rt.turn_context(self.actor, remaining_tokens=max(budget - usage.total, 0))
            try:
                turn = self.backend.next_turn(self.messages, context)
            except BackendError as exc:
                return Reply(
                    Outcome.ERROR,
                    f"The model backend failed: {exc}",
                    calls=calls,
                    results=results,
                    usage=usage,
                    failed=True,
                    model_turns=turns,
                )
            turns += 1
            usage = usage + turn.usage
            self._record_usage(turn)
            if turn.stop_reason == "refusal":
                # a refusal turn's tool calls are never run
                text = turn.text or "The model declined this request; nothing was done."
                self._add({"role": "assistant", "content": [{"type": "text", "text": text}]})
                return Reply(
                    Outcome.DENIED,
                    _join([*texts, text]),
                    calls=calls,
                    results=results,
                    usage=usage,
                    model_turns=turns,
                )
            if turn.stop_reason in CUT_OFF_STOPS:
                # the request did not finish: nothing the turn was writing runs, and the person is told
                text = turn.text or "The model's reply was cut off; nothing it was about to propose was run."
                self._add({"role": "assistant", "content": [{"type": "text", "text": text}]})
                return Reply(
                    _outcome(results, clarify=False) if results else Outcome.ERROR,
                    _join([*texts, text]),
                    calls=calls,
                    results=results,
                    usage=usage,
                    failed=True,
                    model_turns=turns,
                )
            if turn.about == "approvals" and not turn.tool_calls:  # answered here, in the turn's words
                listed, waiting = self._waiting()
                turn.text = _join([turn.text, listed])
            meta = {"pending": turn.state["pending"]} if turn.state and "pending" in turn.state else None
            self._add(
                {
                    "role": "assistant",
                    "content": turn.content_blocks() or [{"type": "text", "text": "(no reply)"}],
                    **({"meta": meta} if meta else {}),
                }
            )
            if turn.text and turn.tool_calls:
                texts.append(turn.text)
            if not turn.tool_calls:
                texts.append(turn.text)
                clarify = turn.clarify
                break
            blocks = []
            proposed = sum(1 for c in turn.tool_calls if c.action in WRITE_ACTIONS)
            stop = self._over_budget(question, writes, proposed, limit) or \
                (turn.hold if proposed and not self.dry_run else None)
            if stop:
                answered = self.rt.gate.hold(self.actor, list(turn.tool_calls), session_id=self.session_id,
                                             why=stop)
            else:
                answered = [self.rt.gate.submit(self.actor, call, session_id=self.session_id,
                                                dry_run=self.dry_run) for call in turn.tool_calls]
            writes += proposed
            for call, result in zip(turn.tool_calls, answered, strict=True):
                results.append(result)
                calls.append(_record(call.action, call.args, result))
                blocks.append(_tool_result(call.id, result))
            self._add({"role": "user", "content": blocks})
            if stop and any(isinstance(r, ConfirmationNeeded) for r in answered):
                # the request stops here: one confirmation lists every write it would make
                from agent.render import result_text

                texts.append("\n".join(result_text(_model_view(r)) for r in answered))
                return Reply(Outcome.NEEDS_CONFIRMATION, _join(texts), calls=calls, results=results,
                             usage=usage, model_turns=turns)
            if usage.total >= budget:
                texts.append(f"I stopped: this request used its token budget ({budget} tokens).")
                return Reply(
                    Outcome.ERROR,
                    _join(texts),
                    calls=calls,
                    results=results,
                    usage=usage,
                    failed=True,
                    model_turns=turns,
                )
        else:
            texts.append(
                f"I stopped after {settings.max_steps} steps without finishing; nothing more was "
                "done. Try a more specific request."
            )
            return Reply(
                _outcome(results, clarify=False) if results else Outcome.ERROR,
                _join(texts),
                calls=calls,
                results=results,
                usage=usage,
                model_turns=turns,
            )
        return Reply(
            _outcome(results, clarify=clarify),
            _join(texts),
            calls=calls,
            results=results,
            usage=usage,
            model_turns=turns,
            waiting=waiting,
        )

    def _waiting(self) -> tuple[str, list[Any]]:
        """The approval requests waiting for this person (or, for anyone else, their own), read from
        the approval book, and how to decide them in this channel (``agent.waiting``)."""
        from agent.waiting import answer

        pending = self.rt.approvals.list("pending")
        return answer(self.actor.email, self.actor.roles, pending, self.channel)

    def _over_budget(self, question: bool, done: int, proposed: int, limit: int) -> str | None:
        """Why this turn's writes must stop for one confirmation (None: they may go on)."""
        if not proposed or self.dry_run:
            return None
        if question:
            return "the request reads as a question, and answering it would change something"
        if done + proposed > limit:
            total = done + proposed
            return f"this request would make {total} writes, more than the policy's {limit} per request"
        return None

    def _finish(self, reply: Reply) -> Reply:
        reply.session_id = self.session_id
        for result in reversed(reply.results):
            if isinstance(result, ConfirmationNeeded) and reply.confirmation_token is None:
                reply.confirmation_token = result.token
            if isinstance(result, PendingApproval) and reply.approval_id is None:
                reply.approval_id = result.approval_id
        if self.rt.sandbox is not None:
            reply.text = (
                reply.text.rstrip() + "\n\n(Running against the dsadmin sandbox organization, "
                "not a real DocuSign account.)"
            ).lstrip()
        from agent.render import confirmation_prompt, preview_text, receipt_text

        if reply.confirmation_token:
            lines = [line for r in reply.confirmations for line in preview_text(r.preview).splitlines()]
            if not lines or not all(line in reply.text for line in lines):
                # the model's words did not carry the gate's: a confirmation is shown in the gate's own
                reply.text = f"{reply.text.rstrip()}\n\n{confirmation_prompt(reply.confirmations)}"
        # the reply ends with the gate's own account of every call, whatever the model wrote
        reply.receipt = receipt_text([r.model_dump(mode="json") for r in reply.results])
        reply.text = f"{reply.text.rstrip()}\n\n{reply.receipt}".lstrip()
        return reply

    def _record_usage(self, turn: ModelTurn) -> None:
        if turn.usage.total:
            self.rt.audit.append(
                "model_usage",
                session_id=self.session_id,
                actor=self.actor.email,
                payload={
                    "backend": self.backend.name,
                    "model": turn.model,
                    "stop_reason": turn.stop_reason,
                    **turn.usage.as_dict(),
                },
            )

    # -- persistence ------------------------------------------------------------------------------

    def _add(self, message: dict[str, Any]) -> None:
        # a typed secret is cut here, before the transcript is stored or sent to the model
        self.messages.append(_redacted(message))

    def _load_or_create(self, resume: bool) -> None:
        now = datetime.now(UTC)
        with self.rt.engine.begin() as conn:
            row = conn.execute(select(Session).where(Session.id == self.session_id)).first()
            if row is None:
                if resume and len(self.session_id) > 64:
                    raise SessionError("a session id has at most 64 characters")
                conn.execute(
                    _SESSIONS.insert().values(
                        id=self.session_id,
                        actor=self.actor.email,
                        backend=self.backend.name,
                        created_at=now,
                        updated_at=now,
                    )
                )
            elif row.actor != self.actor.email:
                raise SessionError(f"session {self.session_id} belongs to someone else; start a new one")
            stored = (
                []
                if row is None
                else conn.execute(
                    select(SessionMessage.role, SessionMessage.content)
                    .where(SessionMessage.session_id == self.session_id)
                    .order_by(SessionMessage.seq)
                ).all()
            )
        if row is None:  # audited after the session row is committed (the log takes its own write lock)
            self.rt.audit.append(
                "session_started",
                session_id=self.session_id,
                actor=self.actor.email,
                payload={"backend": self.backend.name},
            )
            return
        for message in stored:
            content = message.content
            entry = (
                {"role": message.role, **content}
                if isinstance(content, dict) and "content" in content
                else {"role": message.role, "content": content}
            )
            self.messages.append(_redacted(entry))  # sessions stored before redaction existed
        self._stored = len(self.messages)

    def _save(self) -> None:
        new = self.messages[self._stored :]
        if not new:
            return
        now = datetime.now(UTC)
        with self.rt.engine.begin() as conn:
            top = conn.execute(
                select(func.max(SessionMessage.seq)).where(SessionMessage.session_id == self.session_id)
            ).scalar()
            seq = (top or 0) + 1
            for offset, message in enumerate(new):
                conn.execute(
                    _MESSAGES.insert().values(
                        session_id=self.session_id,
                        seq=seq + offset,
                        role=message["role"],
                        content={k: v for k, v in message.items() if k != "role"},
                        created_at=now,
                    )
                )
            conn.execute(
                _SESSIONS.update().where(Session.id == self.session_id).values(updated_at=now)
            )
        self._stored = len(self.messages)


def _redacted(message: dict[str, Any]) -> dict[str, Any]:
    """A message with credentials cut out of its strings (its shape kept)."""
    clean = redact_strings(message)
    assert isinstance(clean, dict)  # a mapping comes back a dict
    return clean


def _record(action: str, args: Any, result: Result) -> CallRecord:
    return CallRecord(
        action,
        args if isinstance(args, dict) else {"value": args},
        decision_of(result),
        outcome_of(result),
    )


def _model_view(result: Result) -> dict[str, Any]:
    """The result as the model may see it: the confirmation token stays with the channel."""
    view = result.model_dump(
        mode="json", exclude={"token"} if isinstance(result, ConfirmationNeeded) else None
    )
    if isinstance(result, ConfirmationNeeded):
        view["how_to_confirm"] = (
            "only the person can confirm, at the channel's y/N prompt or with "
            "`dsadmin confirm`; you cannot confirm it"
        )
    return view


def _tool_result(call_id: str, result: Result) -> dict[str, Any]:
    text = json.dumps(_model_view(result), separators=(",", ":"), default=str)
    if len(text) > MAX_RESULT_CHARS:
        text = text[:MAX_RESULT_CHARS] + '..."(truncated: ask for a smaller page)"'
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id, "content": text}
    if result.is_error:
        block["is_error"] = True
    return block


QUESTION_WORDS = frozenset({
    "am", "are", "did", "do", "does", "has", "have", "how", "is", "should", "was", "were", "what", "when",
    "where", "which", "who", "whom", "whose", "why",
})
POLITE = frozenset({"can", "could", "would", "will", "may", "please"})
GREETINGS = frozenset({"hi", "hello", "hey", "thanks", "ok", "okay"})
# "Do you mind adding…?", "Is it possible to close…?": asking someone to do it, in a question's form
ASKS_FOR_AN_ACT = re.compile(
    r"^(do you mind \w+ing|is it possible (for you )?to|any chance you (could|can))\b"
)


def reads_as_question(text: str) -> bool:
    """'Do I have the Viewer profile on EMEA?' is a question; 'Can I get a seat, please?' and
    'Could you close X?' are polite requests (can/could/would/will/may openings ask for an act).

    Judged on the sentence (or dash-separated clause) that asks: in "Hi, I just joined. Can I get a
    seat?" or "I need a seat — can you get me access?" context comes first, and it is the asking
    clause's opening that says what is wanted."""
    sentences = [part for part in re.split(r"(?<=[.!?])\s+|\s+[—–-]+\s+|;\s*", text.strip()) if part.strip()]
    if not sentences:
        return False
    asking = next((part for part in reversed(sentences) if part.rstrip().endswith("?")), sentences[0])
    words = [w for w in (w.strip(",.!?:;") for w in asking.lower().split()) if w and w not in GREETINGS]
    first = words[0] if words else ""
    if first in POLITE or ASKS_FOR_AN_ACT.match(" ".join(words)):
        return False
    return asking.rstrip().endswith("?") or first in QUESTION_WORDS


def _outcome(results: list[Result], *, clarify: bool) -> Outcome:
    """The request's outcome from typed results only: a pending step first, else the last write's
    fate, else the backend's question back (``ModelTurn.clarify``), else the last call's; a reply
    with no call and no question is done, whatever punctuation its words end with."""
    outcomes = [outcome_of(r) for r in results]
    for pending in (Outcome.NEEDS_CONFIRMATION, Outcome.PENDING_APPROVAL, Outcome.DRY_RUN):
        if pending in outcomes:
            return pending
    writes = [r for r in results if r.action in WRITE_ACTIONS]
    if writes:
        return outcome_of(writes[-1])
    if clarify:  # reads made on the way to a question (e.g. a user's memberships) do not answer it
        return Outcome.CLARIFY
    if results:
        return outcome_of(results[-1])
    return Outcome.DONE


def _join(texts: list[str]) -> str:
    return "\n\n".join(t.strip() for t in texts if t and t.strip())
