"""The public Python API: dsadmin's agent inside another program, on the same gate as every channel.

Why a small typed surface: a program embedding the agent (a portal, a ticketing hook, a chat bot)
needs to ask as the person *it* authenticated, read what happened from typed values (an outcome from
a closed enum, the previews a confirmation would apply, the tokens and request ids, the gate's
receipts) and answer a confirmation or an approval, without learning the runtime, the gate or the
store. The command line's ``ask``, ``chat``, ``confirm`` and ``approvals`` and the service's HTTP API
are built on these same calls, so this surface is exercised by every test of theirs and cannot rot.

    from agent import Agent, Outcome

    with Agent.open() as dsadmin:                       # the configuration dsadmin itself would load
        admin = dsadmin.person("admin@acme.com")       # your program vouches for this identity
        reply = dsadmin.ask(admin, "Purge tom.baker@acme.com")
        if reply.outcome is Outcome.NEEDS_CONFIRMATION:
            dsadmin.confirm(admin, reply.confirmation_token)

Identity: a ``Person`` carries the email the embedding program authenticated; roles are always read
again from the configuration's ``people`` on each call, so a ``Person`` built by hand with made-up
roles gains nothing. Bad input raises ``Refused`` (naming what to fix) before anything runs; a
configuration or store that cannot be used raises ``SetupFailed``. Neither ever follows a write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from policies.decision import DecisionKind, Outcome

if TYPE_CHECKING:
    from agent.backends.base import Backend, OrgVocabulary
    from agent.config import Config
    from agent.conversation import Conversation
    from agent.runtime import Runtime
    from policies.call import Actor
    from tools.results import Result

__all__ = [
    "Agent",
    "ApiError",
    "ApprovalRequest",
    "Change",
    "DecisionKind",
    "Outcome",
    "PendingConfirmation",
    "Person",
    "Receipt",
    "Refused",
    "Reply",
    "Session",
    "SetupFailed",
    "ToolSpec",
]

RefusalKind = Literal["invalid", "forbidden", "not_found", "conflict"]


class ApiError(Exception):
    """Something the caller must fix; nothing was changed. ``message`` is worded for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SetupFailed(ApiError):
    """The agent cannot be built: the configuration, the policy, the store or the DocuSign settings."""


class Refused(ApiError):
    """A request refused before anything ran. ``kind`` says why, so a channel can map it (the HTTP
    API: invalid 422, forbidden 403, not_found 404, conflict 409; the CLI: exit code 2 or 1)."""

    def __init__(self, kind: RefusalKind, message: str):
        super().__init__(message)
        self.kind: RefusalKind = kind


@dataclass(frozen=True)
class Person:
    """An authenticated person, as the embedding program vouches for them. ``roles`` is what the
    configuration's ``people`` gives this email (informational: every call reads them again)."""

    email: str
    roles: frozenset[str] = frozenset()

    def has(self, role: str) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class Change:
    """One row of a preview: a field of one account, before and after the write."""

    account: str | None
    field: str | None
    before: str | None
    after: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"account": self.account, "field": self.field, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Receipt:
    """One call as the gate recorded it (never the model's account of it)."""

    action: str
    operation: str
    args: dict[str, Any]
    decision: DecisionKind | None  # None: refused before the policy decided (bad input, an error)
    outcome: Outcome
    line: str  # the receipt line every reply ends with


@dataclass(frozen=True)
class Reply:
    """What one request, confirmation or approval decision came to.

    ``outcome`` is decided from the gate's typed results (and the backend's typed question flag),
    never from ``text``. ``previews`` are the rows a pending confirmation would change (else those of
    a request sent to an approver, else those a dry run would change). ``results`` are the gate's own
    typed results, for a program that needs a field this summary leaves out."""

    outcome: Outcome
    text: str
    previews: tuple[Change, ...] = ()
    confirmation_token: str | None = None
    approval_ids: tuple[str, ...] = ()
    receipts: tuple[Receipt, ...] = ()
    session_id: str | None = None
    failed: bool = False  # the system failed (backend, store, DocuSign unreachable), not the request
    results: tuple[Result, ...] = field(default=(), repr=False)
    model_turns: int = 0  # the backend's turns this request took (0: a confirmation, a decision)
    tokens: int = 0  # the model tokens it cost, cache reads and writes included
    # the approval requests a "what's waiting for me?" reply listed (a channel adds its controls:
    # an approver's are theirs to decide, anyone else's are their own)
    waiting: tuple[ApprovalRequest, ...] = ()

    @property
    def is_error(self) -> bool:
        """The gate refused or failed the (first) call: a tool error for a client's model."""
        return any(getattr(r, "is_error", False) for r in self.results[:1])

    @property
    def approval_id(self) -> str | None:
        """The newest request this reply sent to an approver."""
        return self.approval_ids[-1] if self.approval_ids else None

    @property
    def confirmations(self) -> list[Any]:
        """The gate's ``ConfirmationNeeded`` results the pending token covers (its words, its preview)."""
        return [r for r in self.results if getattr(r, "kind", "") == "needs_confirmation"
                and getattr(r, "token", None) == self.confirmation_token]

    @property
    def system_failed(self) -> bool:
        """The system failed, not the request (the CLI exits 1)."""
        return self.failed or any(getattr(r, "system", False) for r in self.results)

    def as_json(self) -> dict[str, Any]:
        """The object ``dsadmin ask --json`` prints (the token is the person's own, so it is there)."""
        shape: dict[str, Any] = {
            "outcome": str(self.outcome),
            "reply": self.text,
            "approval_id": self.approval_id,
            "confirmation_token": self.confirmation_token,
            "calls": [{"action": r.action, "args": r.args, "decision": r.decision, "status": r.outcome}
                      for r in self.receipts],
        }
        if self.confirmation_token:
            shape["preview"] = [c.as_dict() for c in self.previews]
        return shape

    def decision_json(self) -> dict[str, Any]:
        """A confirmation's or approval's one result as ``dsadmin confirm --json`` and the HTTP API
        print it: ``{outcome, decision, result}`` (the token never included)."""
        first = self.results[0] if self.results else None
        return {"outcome": str(self.outcome),
                "decision": self.receipts[0].decision if self.receipts else None,
                "result": first.model_dump(mode="json", exclude={"token"}) if first is not None else None}


@dataclass(frozen=True)
class ToolSpec:
    """One action as a model is offered it (from the catalogue): an MCP client's tool list."""

    name: str
    description: str
    input_schema: dict[str, Any]
    writes: bool  # a write (read-only otherwise): clients mark it destructive


@dataclass(frozen=True)
class PendingConfirmation:
    """A confirmation waiting for its person: what saying yes would run, from the stored record."""

    summary: str
    previews: tuple[Change, ...]
    expires_at: Any


@dataclass(frozen=True)
class ApprovalRequest:
    """A request sent to an approver, as its requester, its approvers and admins may see it."""

    id: str
    status: str
    requester: str
    action: str
    operation: str
    target: str | None
    summary: str
    approver_role: str
    approver: str | None
    reason: str | None
    created_at: Any
    expires_at: Any
    decided_at: Any
    executed_at: Any
    previews: tuple[Change, ...]
    call: dict[str, Any]

    @classmethod
    def from_view(cls, view: Any) -> ApprovalRequest:
        """From the approval book's stored record."""
        return cls(
            view.id, view.status, view.requester, view.action, view.operation, view.target, view.summary,
            view.approver_role, view.approver, view.reason, view.created_at, view.expires_at,
            view.decided_at, view.executed_at, _changes(view.preview),
            {k: v for k, v in view.call.items() if k != "preview"},
        )

    def as_dict(self) -> dict[str, Any]:
        """The row ``dsadmin approvals list --json`` prints (``preview`` as plain rows)."""
        row = {k: getattr(self, k) for k in ("id", "status", "requester", "action", "operation", "target",
                                             "summary", "approver_role", "approver", "reason", "created_at",
                                             "expires_at", "decided_at", "executed_at")}
        return row | {"preview": [c.as_dict() for c in self.previews]}


class Session:
    """One person's conversation, kept across requests (``chat``): a confirmation its reply asked
    for is answered here, at the channel's prompt, never by the model."""

    def __init__(self, person: Person, conversation: Conversation):
        self.person = person
        self._conversation = conversation

    @property
    def id(self) -> str:
        return self._conversation.session_id

    @property
    def pending_confirmation(self) -> str | None:
        """The token this session's last reply is waiting on (None: nothing waits)."""
        return self._conversation.pending_confirmation

    def stream_to(self, on_text: Any) -> bool:
        """Hand the model's words to ``on_text`` as they arrive; False when the backend cannot."""
        backend = self._conversation.backend
        if not hasattr(backend, "on_text"):
            return False
        backend.on_text = on_text
        return True

    def ask(self, text: str) -> Reply:
        """One request in this session; never raises for a backend or gate failure (see ``failed``).
        A request longer than ``MAX_REQUEST_CHARS`` is ``Refused`` before anything runs or is recorded."""
        _check_length(text)
        return _reply(self._conversation.ask(text))

    def confirm(self, accept: bool = True, *, token: str | None = None) -> Reply:
        """Answer the confirmation this session's last reply asked for, or ``token`` (one an earlier
        reply of this session issued, e.g. carried by a channel's Confirm button)."""
        return _reply(self._conversation.confirm(accept=accept, token=token))


def _check_length(text: str) -> None:
    from agent.conversation import MAX_REQUEST_CHARS

    length = len((text or "").strip())
    if length > MAX_REQUEST_CHARS:
        raise Refused("invalid", f"the request is {length:,} characters long; at most {MAX_REQUEST_CHARS:,} "
                      "characters are taken: shorten it (many users at once go in a CSV file: "
                      "`dsadmin bulk`)")


class Agent:
    """The agent on one configuration: one store, one policy, one DocuSign client, one gate."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    @classmethod
    def open(cls, config: Config | str | Path | dict[str, Any] | None = None, *, sandbox: Any = None,
             store_url: str | None = None, engine: Any = None) -> Agent:
        """Build the agent from a configuration: an object, a file, a mapping (as the file would hold),
        or None for the one dsadmin itself would load ($DSADMIN_CONFIG, ./dsadmin.yaml, else the
        embedded sandbox). ``sandbox``, ``store_url`` and ``engine`` replace those of the config."""
        from agent.config import Config, ConfigError, load_config, parse_config
        from agent.runtime import SetupError, build_runtime
        from tools.docusign.errors import DocuSignError

        try:
            if isinstance(config, Config):
                loaded = config
            elif isinstance(config, dict):
                loaded = parse_config(config, "<configuration mapping>", require_people=True)
            else:
                loaded = load_config(config)
            return cls(build_runtime(loaded, sandbox=sandbox, store_url=store_url, engine=engine))
        except (ConfigError, SetupError) as exc:
            raise SetupFailed(str(exc)) from None
        except DocuSignError as exc:  # e.g. a private key that is not RSA, or garbled
            raise SetupFailed(f"docusign: {exc}; `dsadmin config check` shows which setting to fix") from None

    def close(self) -> None:
        self.runtime.close()

    def __enter__(self) -> Agent:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def config(self) -> Config:
        """The configuration this agent runs on (a channel reads its own section: ``slack``...)."""
        return self.runtime.config

    @property
    def on_sandbox(self) -> bool:
        """True when this agent administers the dsadmin sandbox organization, not DocuSign."""
        return self.runtime.sandbox is not None

    # -- identity ------------------------------------------------------------------------------------

    def person(self, email: str | None = None) -> Person:
        """The person with this (authenticated) email and the roles the configuration gives them;
        None: the configuration's ``people.default_actor``."""
        from agent.runtime import SetupError
        from tools.actions import EMAIL_RE

        if email is not None and not EMAIL_RE.match(email.strip()):
            raise Refused("invalid", f"{email!r} is not an email address")
        try:
            actor = self.runtime.actor(email)
        except SetupError as exc:
            raise Refused("invalid", str(exc)) from None
        return Person(actor.email, actor.roles)

    def _actor(self, person: Person) -> Actor:
        """The policy's actor for ``person``: roles from the configuration, never from the caller.
        An empty or malformed email is refused, never taken for the configured default person."""
        from tools.actions import EMAIL_RE

        email = (person.email or "").strip()
        if not EMAIL_RE.match(email):
            raise Refused("invalid", f"no identity: {person.email!r} is not an email address; "
                          "build the person with Agent.person(email)")
        return self.runtime.actor(email)

    # -- requests -----------------------------------------------------------------------------------

    def session(self, person: Person, *, backend: str | Backend | None = None,
                script: str | Path | None = None, session_id: str | None = None,
                dry_run: bool = False, channel: str = "api") -> Session:
        """A conversation for ``person`` (resumed when ``session_id`` is theirs). ``backend``:
        offline, anthropic or scripted (default: the configuration's), or a backend object of the
        caller's (a test double, a program's own model; it only proposes, the gate decides);
        ``dry_run``: writes are planned, decided and previewed, never run; ``channel``: where the
        person is (cli, slack, web, mcp, api), so a reply tells them how to act *there*."""
        from agent.backends import NAMES, BackendError, make_backend
        from agent.conversation import Conversation, SessionError
        from agent.waiting import CHANNELS

        if isinstance(backend, str | None):
            if backend is not None and backend not in NAMES:
                raise Refused("invalid", f"backend {backend!r}: use one of {', '.join(NAMES)}")
            if script is not None and backend is None:
                backend = "scripted"
            try:
                model = make_backend(self.runtime.config, backend, script=script)
            except BackendError as exc:
                raise Refused("invalid", str(exc)) from None
        else:
            model = backend
        if channel not in CHANNELS:
            raise Refused("invalid", f"channel {channel!r}: use one of {', '.join(CHANNELS)}")
        try:
            conversation = Conversation(self.runtime, self._actor(person), model, session_id=session_id,
                                        dry_run=dry_run, channel=channel)
        except SessionError as exc:
            raise Refused("forbidden", str(exc)) from None
        return Session(person, conversation)

    def ask(self, person: Person, text: str, **options: Any) -> Reply:
        """One request from ``person``, in plain language (``options`` as for ``session``)."""
        _check_length(text)  # before the session is opened (and recorded)
        return self.session(person, **options).ask(text)

    def pending_confirmation(self, person: Person, token: str) -> PendingConfirmation | None:
        """What confirming ``token`` would run (None: not this person's, spent or expired); spends nothing."""
        stored = self.runtime.confirmations.live(token.strip(), self._actor(person))
        if stored is None:
            return None
        return PendingConfirmation(stored.summary, _changes(stored.preview), stored.expires_at)

    def confirm(self, person: Person, token: str, *, accept: bool = True,
                session_id: str | None = None) -> Reply:
        """``person``'s answer to a confirmation; the gate refuses anyone but its owner and re-checks
        the policy against current state before running the exact call that was confirmed."""
        return self._decided(self.runtime.gate.confirm(self._actor(person), token.strip(), accept=accept,
                                                       session_id=session_id))

    # -- a client's own model ---------------------------------------------------------------------

    def tools(self) -> tuple[ToolSpec, ...]:
        """The actions a model may propose, as tools (the catalogue's, the same the Claude backend
        sends): for a channel whose client brings its own model (MCP)."""
        from tools.actions import WRITE_ACTIONS, tool_schemas

        return tuple(ToolSpec(t["name"], t["description"], t["input_schema"], t["name"] in WRITE_ACTIONS)
                     for t in tool_schemas())

    def call(self, person: Person, action: str, args: dict[str, Any] | None = None, *,
             session_id: str | None = None, call_id: str | None = None) -> Reply:
        """One call a model outside dsadmin proposed for ``person`` (an MCP client's), through the
        gate like every backend's: validated, resolved, previewed, decided, audited. A call that
        needs confirmation comes back with ``confirmation_token`` for the *person* to answer
        (``confirm``); bad input is a typed error result (``is_error``), never an exception."""
        import uuid

        from tools.actions import ToolCall

        call = ToolCall(id=call_id or f"call_{uuid.uuid4().hex[:16]}", action=action, args=dict(args or {}))
        result = self.runtime.gate.submit(self._actor(person), call, session_id=session_id)
        return self._decided(result, args=call.args)

    def organization(self, person: Person) -> OrgVocabulary:
        """The organization's names (accounts, each one's permission profiles and groups), as the
        tools accept them; read from the runtime's cached directory."""
        self._actor(person)
        return self.runtime.vocabulary()

    # -- approvals ----------------------------------------------------------------------------------

    def approvals(self, person: Person, status: str | None = "pending", *, limit: int = 200,
                  mine: bool = False, own: bool = False) -> list[ApprovalRequest]:
        """Requests ``person`` may see, newest first: their own, those for a role they hold, every one
        for an admin. ``status``: pending, approved, denied, expired, executed, failed, or None for
        all. ``mine``: an approver's actionable ones (someone else's, for a role they hold), anyone
        else's own. ``own``: only those ``person`` made."""
        actor = self._actor(person)
        try:
            views = self.runtime.approvals.list(status, limit=limit, requester=actor.email if own else None)
        except ValueError as exc:
            raise Refused("invalid", f"status: {exc}") from None
        if mine:
            from agent.waiting import waiting_for

            views = waiting_for(actor.email, actor.roles, views)[0]
        return [ApprovalRequest.from_view(v) for v in views if can_see(actor, v)]

    def waiting(self, person: Person, channel: str = "api") -> tuple[str, tuple[ApprovalRequest, ...]]:
        """"What's waiting for me?" answered for ``person`` without a conversation: the reply's words
        (how to decide them in ``channel`` included) and the requests it lists: an approver's to
        decide, anyone else's own pending ones (``agent.waiting``)."""
        from agent.waiting import answer

        actor = self._actor(person)
        text, shown = answer(actor.email, actor.roles, self.runtime.approvals.list("pending"), channel)
        return text, tuple(ApprovalRequest.from_view(v) for v in shown)

    def approval(self, person: Person, approval_id: str) -> ApprovalRequest:
        """One request, if ``person`` may see it (else ``Refused('not_found')``: its existence is not
        disclosed)."""
        view = self.runtime.approvals.get(approval_id.strip())
        if view is None or not can_see(self._actor(person), view):
            raise Refused("not_found", f"no approval request {approval_id!r} that {person.email} may see")
        return ApprovalRequest.from_view(view)

    def approval_status(self, approval_id: str) -> str | None:
        """The status of request ``approval_id`` (None: no such request), and nothing more: for a
        channel showing buttons on a request message, which must say "nothing left to decide"
        before a press reaches the gate. Whoever holds an id learns only whether it is pending; the
        request itself is read with ``approval`` by those who may see it."""
        view = self.runtime.approvals.get(approval_id.strip())
        return None if view is None else str(view.status)

    def approval_for_notice(self, approval_id: str) -> ApprovalRequest | None:
        """A request as the notification outbox delivers it to the recipients the outbox chose (no
        person asks: the outbox runs as the service)."""
        view = self.runtime.approvals.get(approval_id.strip())
        return None if view is None else ApprovalRequest.from_view(view)

    def check_decidable(self, person: Person, approval_id: str, *, approve: bool) -> ApprovalRequest:
        """The request, if ``person`` may decide it now; else ``Refused`` naming why (one they may not
        see is not disclosed; their own, a role they lack: forbidden; no longer pending: conflict).
        For a channel that asks for something (a reason) before deciding."""
        from policies.approvals import ApprovalError

        request = self.approval(person, approval_id)
        try:
            self.runtime.approvals.check_decidable(request.id, self._actor(person), approve=approve)
        except ApprovalError as exc:
            raise Refused(_UNDECIDABLE.get(exc.code, "conflict"), str(exc)) from None
        return request

    def decide(self, person: Person, approval_id: str, *, approve: bool, reason: str | None = None,
               strict: bool = False, session_id: str | None = None) -> Reply:
        """Approve (the request then runs once, through the gate, as its requester's call) or deny.

        ``strict``: refuse up front (``Refused``) what the gate would refuse: one's own request, a
        role the person lacks, a request no longer pending; otherwise the gate's refusal comes back
        as the reply (outcome denied or error), audited."""
        actor = self._actor(person)
        approval_id = approval_id.strip()
        if strict:
            self.check_decidable(person, approval_id, approve=approve)
        gate = self.runtime.gate
        result = gate.approve(actor, approval_id, reason=reason, session_id=session_id) if approve else \
            gate.deny(actor, approval_id, reason=reason, session_id=session_id)
        return self._decided(result)

    def recover(self, *, older_than: Any = None) -> list[tuple[str, Reply]]:
        """Finish approved requests a crash interrupted (each finished, marked done, or run, once);
        ``older_than``: a timedelta, default the approval lease."""
        options = {} if older_than is None else {"older_than": older_than}
        return [(approval_id, self._decided(result))
                for approval_id, result in self.runtime.gate.recover(**options)]

    def _decided(self, result: Result, args: dict[str, Any] | None = None) -> Reply:
        """One gate result (a call, a confirmation, a decision) as a reply, worded by its renderer."""
        from agent.render import receipt_line, result_text
        from tools.results import outcome_of

        text = result_text(result.model_dump(mode="json", exclude={"token"}))
        if self.on_sandbox:
            text += f"\n\n{SANDBOX_NOTE}"
        asks = getattr(result, "kind", "") == "needs_confirmation"
        token = getattr(result, "token", None) if asks else None
        return Reply(outcome_of(result), text, previews=_changes(getattr(result, "preview", [])),
                     confirmation_token=token, approval_ids=_approval_ids([result]),
                     receipts=(_receipt(result, args or {}, receipt_line),), results=(result,))


# why the approval book refuses a decision -> the kind of refusal a channel maps (expired and
# not_pending: the request moved on, a conflict)
_UNDECIDABLE: dict[str, RefusalKind] = {"not_found": "not_found", "self_approval": "forbidden",
                                        "wrong_role": "forbidden"}
SANDBOX_NOTE = "(Running against the dsadmin sandbox organization, not a real DocuSign account.)"


# who may read an approval request, as data: each rule is (name, predicate on person and request)
VISIBILITY: tuple[tuple[str, Callable[[Any, Any], bool]], ...] = (
    ("requester", lambda person, view: view.requester == person.email),
    ("approver", lambda person, view: person.has(view.approver_role)),
    ("admin", lambda person, view: person.has("admin")),
)


def can_see(person: Actor | Person, view: Any) -> bool:
    """A request is visible to its requester, to the people holding the role that may approve it,
    and to admins (every channel asks this one function)."""
    return any(rule(person, view) for _name, rule in VISIBILITY)


# -- conversions -------------------------------------------------------------------------------------


def _changes(preview: Any) -> tuple[Change, ...]:
    return tuple(Change(row.get("account"), row.get("field"), row.get("before"), row.get("after"))
                 for row in preview or [] if isinstance(row, dict))


def _approval_ids(results: Any) -> tuple[str, ...]:
    return tuple(r.approval_id for r in results if getattr(r, "kind", "") == "pending_approval")


def _receipt(result: Result, args: dict[str, Any], line: Any) -> Receipt:
    from tools.results import decision_of, outcome_of

    return Receipt(result.action, result.operation, args, decision_of(result), outcome_of(result),
                   line(result.model_dump(mode="json")))


def _reply(reply: Any) -> Reply:
    """The conversation's reply as the public, frozen ``Reply``."""
    from agent.render import receipt_line

    results = tuple(reply.results)
    receipts = tuple(_receipt(r, c.args, receipt_line) for r, c in zip(results, reply.calls, strict=False))
    if reply.confirmation_token:
        previews = tuple(row for r in reply.confirmations for row in _changes(r.preview))
    else:
        waiting = [r for r in results if getattr(r, "kind", "") in ("pending_approval", "dry_run")]
        previews = tuple(row for r in waiting for row in _changes(r.preview))
    return Reply(reply.outcome, reply.text, previews, reply.confirmation_token, _approval_ids(results),
                 receipts, reply.session_id, reply.failed, results, reply.model_turns, reply.usage.total,
                 tuple(ApprovalRequest.from_view(v) for v in reply.waiting))
