"""``Agent``: the agent on one configuration (one store, one policy, one DocuSign client, one gate), as
the person the embedding program vouches for: identity, requests, confirmations and a client's own
model's calls here; approval requests in ``agent.api.approvals``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.api.approvals import Approvals
from agent.api.refusals import Refused, SetupFailed, check_length
from agent.api.replies import Reply, decided
from agent.api.session import Session
from agent.api.values import PendingConfirmation, Person, ToolSpec, changes

if TYPE_CHECKING:
    from agent.backends.base import Backend, OrgVocabulary
    from agent.config import Config
    from agent.runtime import Runtime
    from policies.call import Actor
    from tools.results import Result


class Agent(Approvals):
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
        check_length(text)  # before the session is opened (and recorded)
        return self.session(person, **options).ask(text)

    def pending_confirmation(self, person: Person, token: str) -> PendingConfirmation | None:
        """What confirming ``token`` would run (None: not this person's, spent or expired); spends nothing."""
        stored = self.runtime.confirmations.live(token.strip(), self._actor(person))
        if stored is None:
            return None
        return PendingConfirmation(stored.summary, changes(stored.preview), stored.expires_at)

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

    def _decided(self, result: Result, args: dict[str, Any] | None = None) -> Reply:
        """One gate result (a call, a confirmation, a decision) as a reply, worded by its renderer."""
        return decided(result, args, on_sandbox=self.on_sandbox)
