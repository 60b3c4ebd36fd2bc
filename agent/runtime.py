"""Wiring: configuration in, a ready gate (and what a conversation needs around it) out.

Why one place: the CLI, the evals and the tests must build the very same stack (store, audit
log, policy, approval and confirmation books, DocuSign client, gate) so that what a test proves
is what a person runs. With no ``docusign`` section the client talks to the embedded sandbox
through its in-process transport (file-backed under ``$DSADMIN_HOME/sandbox``, so separate
commands see each other's changes); otherwise to DocuSign with the JWT grant.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.backends.base import OrgVocabulary, TurnContext
from agent.config import Config, DocuSignSettings, dsadmin_home
from policies.call import Actor, resolve_actor

if TYPE_CHECKING:  # annotations only: the stack is imported when it is built (a fast start)
    from sqlalchemy import Engine

    from audit import AuditLog
    from policies.approvals import ApprovalBook
    from policies.confirmations import ConfirmationBook
    from policies.engine import Policy
    from tools.docusign import AdminClient
    from tools.docusign._sender import RequestRecord
    from tools.docusign.auth import TokenCache
    from tools.docusign.sandbox import Sandbox
    from tools.gate import Gate


class SetupError(RuntimeError):
    """The stack cannot be built (store, policy, DocuSign settings); worded for a person."""


@dataclass
class Runtime:
    """The built stack; every channel and the evals hold one (``sandbox``: None against DocuSign)."""

    config: Config
    engine: Engine
    audit: AuditLog
    policy: Policy
    approvals: ApprovalBook
    confirmations: ConfirmationBook
    client: AdminClient
    gate: Gate
    sandbox: Sandbox | None = None
    _vocabulary: OrgVocabulary | None = field(default=None, repr=False)
    _owns_engine: bool = True

    def actor(self, email: str | None = None) -> Actor:
        """The authenticated person: the channel's email (else the configured default), roles from people."""
        people = self.config.people
        email = (email or people.default_actor or "").strip().lower()
        if not email or "@" not in email:
            raise SetupError("no identity: pass --as EMAIL or set people.default_actor in the configuration")
        return resolve_actor(email, people.admins, people.approvers, people.employees)

    def vocabulary(self) -> OrgVocabulary:
        """The organization's account, profile and group names (through the gate's cached directory)."""
        if self._vocabulary is None:
            self._vocabulary = self._read_vocabulary(full=True)
        return self._vocabulary

    def organization(self) -> OrgVocabulary:
        """The organization's name and accounts only (one request, cached)."""
        if self._vocabulary is not None:
            return self._vocabulary
        return self._read_vocabulary(full=False)

    def _read_vocabulary(self, *, full: bool) -> OrgVocabulary:
        try:
            directory = self.gate.directory
            org = directory.organization
            accounts = directory.accounts()
            try:
                default = directory.default_account().name
            except Exception:  # an org without a default account: the planner asks instead
                default = None
            profiles: Mapping[str, tuple[str, ...]] = {}
            groups: Mapping[str, tuple[str, ...]] = {}
            if full:  # read per account only when the planner looks an account up (see AccountNames)
                from tools.docusign.vocabulary import AccountNames

                profiles, groups = AccountNames(directory, "profiles"), AccountNames(directory, "groups")
            return OrgVocabulary(org.name or "", tuple(a.name for a in accounts), default, profiles, groups)
        except Exception:  # unreachable org: the planner still works from the words alone
            return OrgVocabulary()

    def own_memberships(self, email: str) -> list[dict[str, Any]]:
        """``email``'s memberships from the directory's (cached) user profile; [] if not a user."""
        from tools.operations._common import user_view

        try:
            user = self.gate.directory.user(email)
        except Exception:  # unreachable org: the model asks instead
            return []
        return user_view(user)["memberships"] if user is not None else []

    def policy_summary(self, actor: Actor) -> str:
        """What the policy lets this person do, one line per operation, from the loaded policy."""
        from policies.engine import describe_grant

        lines = []
        for (action, operation), table in sorted(self.policy.tables.items()):
            if not table.enabled:
                continue
            grants = [
                describe_grant(g, table.confirmation)
                for role, g in table.grants.items()
                if role in actor.roles
            ]
            if grants:
                lines.append(f"- {action}.{operation}: allowed as {' or '.join(grants)}")
        for role in sorted(actor.roles):
            limits = self.policy.limits.get(role)
            if limits is not None and limits.profiles_deny:
                denied = ", ".join(sorted(limits.profiles_deny))
                lines.append(f"- as {role}, never these permission profiles (lower-cased): {denied}")
        return "\n".join(lines) or "- nothing: this person has no role the policy grants anything to"

    def turn_context(self, actor: Actor, *, remaining_tokens: int | None = None) -> TurnContext:
        return TurnContext(
            actor_email=actor.email,
            actor_roles=tuple(sorted(actor.roles)),
            sandbox=self.sandbox is not None,
            vocabulary=self.vocabulary,
            organization=self.organization,
            own_memberships=lambda: self.own_memberships(actor.email),
            policy_summary=lambda: self.policy_summary(actor),
            remaining_tokens=remaining_tokens,
            seat_defaults=self.config.self_service.seat_for(actor.email).model_dump(),
            denied_profiles=self.denied_profiles(actor),
        )

    def denied_profiles(self, actor: Actor) -> tuple[str, ...]:
        """Profiles every role of this person is denied (lower-cased, as the policy holds them)."""
        denied = [
            set(limits.profiles_deny) if (limits := self.policy.limits.get(role)) is not None else set()
            for role in actor.roles
        ]
        return tuple(sorted(set.intersection(*denied))) if denied else ()

    def close(self) -> None:
        for closer in (
            getattr(self.client, "close", None),
            getattr(self.engine, "dispose", None) if self._owns_engine else None,
        ):
            if closer is not None:
                with contextlib.suppress(Exception):  # closing is best effort
                    closer()


def build_runtime(
    config: Config,
    *,
    sandbox: Sandbox | None = None,
    store_url: str | None = None,
    engine: Engine | None = None,
    backend: object = None,
) -> Runtime:
    """The whole stack for ``config``. ``sandbox``: use this Sandbox instead of the file-backed one;
    ``store_url`` / ``engine``: another store (tests, evals). ``backend`` is accepted for symmetry
    with the CLI and ignored: backends are chosen per conversation (see ``make_backend``)."""
    from audit import AuditLog
    from audit.checkpoints import Checkpointer
    from audit.db import StoreError, open_store
    from policies import PolicyError, load_policy
    from policies.approvals import ApprovalBook
    from policies.confirmations import ConfirmationBook
    from tools.gate import Gate, request_auditor

    del backend
    try:
        owns = engine is None
        engine = engine or open_store(store_url or config.store.effective_url())
        policy = load_policy(config.policy.path)
    except (StoreError, PolicyError) as exc:
        raise SetupError(str(exc)) from exc
    audit = AuditLog(engine, checkpoints=Checkpointer.in_home(dsadmin_home()))  # signed heads, off-store
    on_request = request_auditor(audit)
    clock = None
    organization_id: str | None
    if config.uses_sandbox:
        # the file-backed sandbox outlives this process, so its tokens are worth sharing; a given one may not
        shared = sandbox is None
        sandbox = sandbox if sandbox is not None else open_sandbox(config)
        client = sandbox_client(sandbox, on_request, tokens=token_cache() if shared else None)
        organization_id = sandbox.organization_id
        clock = sandbox.clock.now  # "closed 24 hours ago" and expiries follow the sandbox's movable clock
    else:
        settings = _docusign(config)
        client = live_client(config, on_request)
        organization_id = settings.organization_id
        shared = True
    approvals = ApprovalBook(engine, audit, clock=clock)
    confirmations = ConfirmationBook(engine, audit, clock=clock)
    people = config.people

    def actors(email: str) -> Actor:
        return resolve_actor(email, people.admins, people.approvers, people.employees)

    gate = Gate(
        client,
        policy,
        audit,
        approvals,
        confirmations,
        organization_id=organization_id,
        clock=clock,
        actors=actors,
    )
    gate.bulk_files = Path(config.bulk.folder).expanduser() if config.bulk.folder else None
    gate.bulk_state = dsadmin_home() / "bulk"  # imports submitted from a conversation, until followed
    if shared:  # names read by one command serve the next ones (see tools.docusign.resolvers)
        from tools.docusign.resolvers import store_cache

        gate.directory_cache = store_cache(engine, client.admin_base_url, organization_id)
    return Runtime(
        config,
        engine,
        audit,
        policy,
        approvals,
        confirmations,
        client,
        gate,
        sandbox if config.uses_sandbox else None,
        _owns_engine=owns,
    )


def open_sandbox(config: Config) -> Sandbox:
    from tools.docusign.sandbox import Sandbox

    state_dir = config.sandbox.state_dir or (dsadmin_home() / "sandbox")
    try:
        return Sandbox.open(Path(state_dir).expanduser(), fixture=config.sandbox.fixture)
    except ValueError as exc:  # an unreadable state file: the message names `dsadmin sandbox reset`
        raise SetupError(str(exc)) from None


def token_cache() -> TokenCache:
    """Access tokens shared by this $DSADMIN_HOME's processes (a 0600 file each; see TokenCache)."""
    from tools.docusign.auth import TokenCache

    return TokenCache(dsadmin_home() / "tokens")


def sandbox_client(sandbox: Sandbox, on_request: Callable[[RequestRecord], None], *,
                   tokens: TokenCache | None = None) -> AdminClient:
    """A real AdminClient on the sandbox's in-process transport, signing in with the JWT grant."""
    from tools.docusign import AdminClient, JWTAuth
    from tools.docusign.sandbox import SANDBOX_ADMIN_URL, SANDBOX_OAUTH_URL

    transport = sandbox.transport()
    integration_key, user_id, private_key_pem, _account_id = sandbox.demo_integration
    auth = JWTAuth(SANDBOX_OAUTH_URL, integration_key, user_id, private_key_pem, transport=transport,
                   cache=tokens)
    return AdminClient(SANDBOX_ADMIN_URL, auth, transport=transport, on_request=on_request)


def live_client(config: Config, on_request: Callable[[RequestRecord], None]) -> AdminClient:
    from agent.config import ConfigError
    from tools.docusign import AdminClient, JWTAuth
    from tools.docusign.auth import DEFAULT_REDIRECT_URI

    settings = _docusign(config)
    try:
        pem = settings.private_key_pem()
    except ConfigError as exc:
        raise SetupError(str(exc)) from exc
    auth = JWTAuth(settings.oauth_url, settings.integration_key, settings.user_id, pem, cache=token_cache(),
                   redirect_uri=settings.redirect_uri or DEFAULT_REDIRECT_URI)
    return AdminClient(settings.admin_url, auth, on_request=on_request)


def _docusign(config: Config) -> DocuSignSettings:
    """The ``docusign`` section of a configuration that has one (else it runs on the sandbox)."""
    if config.docusign is None:
        raise SetupError("no docusign section in the configuration: this configuration runs on the sandbox")
    return config.docusign
