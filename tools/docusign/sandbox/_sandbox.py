"""``Sandbox``: the public face of the emulator (state, clock, faults, doors in)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import httpx

from audit.home import dsadmin_home
from tools.docusign.sandbox import _demo, _oauth
from tools.docusign.sandbox._adapters import SandboxTransport, asgi_app
from tools.docusign.sandbox._clock import Clock
from tools.docusign.sandbox._core import Context, Core, ServedRequest
from tools.docusign.sandbox._faults import Faults
from tools.docusign.sandbox._fixture import build_state, dump_state, load_fixture_data, merge_into
from tools.docusign.sandbox._http import SandboxRequest, SandboxResponse
from tools.docusign.sandbox._state import Integration, State, User
from tools.docusign.sandbox._store import SqliteStore

if TYPE_CHECKING:
    from starlette.applications import Starlette

SANDBOX_OAUTH_URL = f"https://{_oauth.SANDBOX_HOST}"
SANDBOX_ADMIN_URL = f"{SANDBOX_OAUTH_URL}/Management"
ALL_SCOPES = tuple(sorted(_oauth.KNOWN_SCOPES))  # what a test token or `dsadmin sandbox token` carries


class DemoIntegration(NamedTuple):
    integration_key: str
    user_id: str
    private_key_pem: str
    account_id: str


class Sandbox:
    """A DocuSign organization with its Admin API and OAuth server, in memory or file-backed."""

    def __init__(
        self,
        state: State,
        *,
        clock: Clock | None = None,
        seed: int = 0,
        faults: Faults | dict[str, Any] | None = None,
        store: SqliteStore | None = None,
    ) -> None:
        self.clock = clock or Clock()
        self._store = store
        if store is not None:
            self.clock.on_advance = self._persist_clock
        self._core = Core(state, self.clock, seed=seed, faults=_faults(faults), exclusive=self._transaction)
        self._demo_pem = _demo.private_key_pem(dsadmin_home())
        with self._locked():
            self._register_demo()

    # -- construction -------------------------------------------------------------------------------------
    @classmethod
    def from_fixture(
        cls,
        fixture: str | Path | dict[str, Any] = "acme",
        *,
        seed: int = 0,
        faults: Faults | dict[str, Any] | None = None,
        clock: Clock | None = None,
    ) -> Sandbox:
        """An in-memory org built from a fixture name, path or dict."""
        clock = clock or Clock()
        return cls(
            build_state(load_fixture_data(fixture), clock.timestamp()), clock=clock, seed=seed, faults=faults
        )

    @classmethod
    def open(
        cls,
        state_dir: str | Path | None = None,
        fixture: str | Path | dict[str, Any] = "acme",
        *,
        seed: int = 0,
        faults: Faults | dict[str, Any] | None = None,
        reset: bool = False,
    ) -> Sandbox:
        """A file-backed org in ``state_dir`` (default ``$DSADMIN_HOME/sandbox``, an SQLite database),
        seeded from ``fixture`` the first time (or on ``reset``); every request is a transaction that
        writes only what it changed, and sees what other processes committed."""
        store = SqliteStore(Path(state_dir) if state_dir else dsadmin_home() / "sandbox")
        clock = Clock()

        def seed_state() -> State:
            return build_state(load_fixture_data(fixture), clock.timestamp())

        if reset:
            store.discard_if_unreadable()
            store.replace(seed_state())
        else:
            store.create_if_absent(seed_state)  # two first starts at once: one seeds, none overwrites
        state = store.attach()
        clock.catch_up(store.clock_offset)
        return cls(state, clock=clock, seed=seed, faults=faults, store=store)

    # -- doors in -----------------------------------------------------------------------------------------
    def transport(self) -> httpx.BaseTransport:
        return SandboxTransport(self._core)

    def asgi_app(self) -> Starlette:
        from tools.docusign.sandbox import _oidc

        app = asgi_app(self._core)  # the OIDC identity provider's routes go before the catch-all
        idp = _oidc.IdentityProvider(dsadmin_home(), _oidc.sandbox_people(self))
        app.router.routes[:0] = _oidc.routes(idp)
        return app

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        return self._core.handle(request)

    # -- state --------------------------------------------------------------------------------------------
    @property
    def state(self) -> State:
        return self._core.state

    @property
    def organization_id(self) -> str:
        return self.state.organization.id

    def account_id(self, name: str) -> str:
        account = self.state.account_named(name)
        if account is None:
            known = ", ".join(a.name for a in self.state.accounts.values())
            raise KeyError(f"no account named {name!r}; known: {known}")
        return account.id

    def user_id(self, email: str) -> str:
        user = self.state.user_by_email(email)
        if user is None:
            raise KeyError(f"no user with email {email!r}")
        return user.id

    def dump(self) -> dict[str, Any]:
        with self._locked():
            return dump_state(self.state)

    def merge(self, setup: dict[str, Any]) -> None:
        """Merge accounts and users in fixture shape (an eval's ``setup:``); all or nothing."""
        with self._locked():
            if self._store is None:
                merge_into(self.state, setup, self.clock.timestamp())
            else:  # the merge validates a whole draft: work on an in-memory copy, then store it
                full = self._store.load_full()
                merge_into(full, setup, self.clock.timestamp())
                self._store.replace(full, self.clock.offset_seconds, keep_jobs=True)
            self._core.touch()

    def reset(self, fixture: str | Path | dict[str, Any] = "acme") -> None:
        fresh = build_state(load_fixture_data(fixture), self.clock.timestamp())
        with self._locked():
            if self._store is None:
                self._core.state = fresh
            else:
                self._store.replace(fresh, self.clock.offset_seconds)
            self._core.touch()
            self._register_demo()

    def advance_clock(self, **delta: float) -> None:
        """Move the clock (``hours=25``); the same as ``sb.clock.advance``, persisted when file-backed."""
        self.clock.advance(**delta)

    # -- faults and records -------------------------------------------------------------------------------
    @property
    def faults(self) -> Faults:
        return self._core.faults

    @faults.setter
    def faults(self, value: Faults | dict[str, Any] | None) -> None:
        self._core.faults = _faults(value)

    def fail_next(self, count: int = 1, status: int = 503, *, after_write: bool = False) -> None:
        """The next ``count`` Admin requests answer ``status`` (after the rate limit check); with
        ``after_write`` the next ``count`` writes are applied and then answer 503 (a lost response)."""
        self._core.fail_next(count, status, after_write=after_write)

    @property
    def requests(self) -> list[ServedRequest]:
        return self._core.requests

    # -- OAuth --------------------------------------------------------------------------------------------
    @property
    def demo_integration(self) -> DemoIntegration:
        user = self._demo_user()
        return DemoIntegration(
            _demo.DEMO_INTEGRATION_KEY,
            user.id,
            self._demo_pem,
            user.default_account_id or self.state.default_account().id,
        )

    def register_integration(
        self,
        integration_key: str,
        public_key_pem: str,
        *,
        consented: Iterable[str] = (),
        name: str = "integration",
    ) -> None:
        """Register an integration key and its public key; ``consented`` are emails that granted consent."""
        with self._locked():
            ids = [self.user_id(email) for email in consented]
            self.state.integrations[integration_key] = Integration(integration_key, name, public_key_pem, ids)

    def set_consent(self, integration_key: str, email: str, granted: bool = True) -> None:
        with self._locked():
            integration = self.state.integrations[integration_key]
            user_id = self.user_id(email)
            if granted and user_id not in integration.consented_user_ids:
                integration.consented_user_ids.append(user_id)
            if not granted and user_id in integration.consented_user_ids:
                integration.consented_user_ids.remove(user_id)

    def issue_token(self, email: str = "admin@acme.com", scopes: Iterable[str] = ALL_SCOPES) -> str:
        """A bearer token for ``email`` without the JWT grant (for tests and ``dsadmin sandbox token``)."""
        with self._locked():
            user = self.state.user_by_email(email)
            if user is None:
                raise KeyError(f"no user with email {email!r}")
            request = SandboxRequest("POST", "https", _oauth.SANDBOX_HOST, "/oauth/token", "", {})
            ctx = Context(self._core, request)
            token: str = _oauth.issue(ctx, user, _demo.DEMO_INTEGRATION_KEY, list(scopes))["access_token"]
            return token

    # -- internals ----------------------------------------------------------------------------------------
    def _demo_user(self) -> User:
        user = self.state.user_by_email("admin@acme.com")
        if user is None:
            user = next((u for u in self.state.users.values() if u.organization_admin), None)
        if user is None:
            raise LookupError("the org has no organization admin for the demo integration to impersonate")
        return user

    def _register_demo(self) -> None:
        try:
            user = self._demo_user()
        except LookupError:
            return
        existing = self.state.integrations.get(_demo.DEMO_INTEGRATION_KEY)
        consented = existing.consented_user_ids if existing else [user.id]
        self.state.integrations[_demo.DEMO_INTEGRATION_KEY] = Integration(
            _demo.DEMO_INTEGRATION_KEY,
            _demo.DEMO_INTEGRATION_NAME,
            _demo.public_key_pem(self._demo_pem),
            consented,
        )

    def _transaction(self) -> AbstractContextManager[None]:
        """File-backed: one SQLite transaction (the write lock across processes, the latest state)."""
        if self._store is None:
            return nullcontext()
        return self._store.transaction(self._stale, lambda: self.clock.offset_seconds)

    def _stale(self) -> None:
        """Another process committed: adopt its clock, drop cached query results."""
        assert self._store is not None
        self.clock.catch_up(self._store.clock_offset)
        self._core.touch()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """This instance's lock, then (file-backed) a transaction, in the order requests take them."""
        with self._core.lock, self._transaction():
            yield

    def _persist_clock(self) -> None:
        with self._locked():
            pass  # committing writes the clock's new offset (and nothing else: nothing else changed)


def _faults(value: Faults | dict[str, Any] | None) -> Faults:
    if isinstance(value, Faults):
        return value
    return Faults.from_dict(value)
