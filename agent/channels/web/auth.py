"""Who is calling: bearer tokens for the API, signed-in sessions for the pages.

A bearer token is either a personal API token (``dsa_...``, looked up by hash in the store) or a
JWT from the configured OpenID Connect provider, validated against its JWKS (``agent.channels.oidc``).
With no ``auth.oidc`` configured the provider is the sandbox's own, served by this app at
``/idp``, so its issuer is this service's base URL + ``/idp``. Roles always come from the
configuration's ``people``; nothing a caller sends can claim one.
"""

from __future__ import annotations

import threading
from typing import Any

from agent.channel_settings import AuthSettings, secret_from_env
from agent.channels import credentials
from agent.channels.oidc import AuthError, OIDCClient, Pending
from policies.call import Actor

IDP_MOUNT = "/idp"
SESSION_COOKIE = "dsadmin_session"


class Authenticator:
    def __init__(self, rt: Any, settings: AuthSettings, *, idp: Any = None, http: Any = None):
        self.rt = rt
        self.settings = settings
        self.idp = idp  # the sandbox's IdentityProvider when no auth.oidc is configured
        self._http = http
        self._client: OIDCClient | None = None
        self._lock = threading.Lock()

    def base_url(self, request: Any) -> str:
        if self.settings.public_url:
            return self.settings.public_url
        host = request.headers.get("host") or request.url.netloc
        return f"{request.url.scheme}://{host}"

    def oidc(self, base_url: str) -> OIDCClient:
        """The provider's client: the configured one, or this app's embedded provider.

        The embedded provider is answered in-process (discovery, keys, token endpoint): its issuer
        follows the request's host, so nothing may be fetched from a URL a caller's Host header built.
        """
        settings = self.settings.oidc
        if settings is None:
            if self.idp is None:
                raise AuthError("no identity provider: set auth.oidc in the configuration")
            return EmbeddedProvider(self.idp, f"{base_url}{IDP_MOUNT}")
        with self._lock:
            if self._client is None:
                try:
                    secret = secret_from_env(settings.client_secret_env, "auth.oidc.client_secret_env")
                except ValueError as exc:
                    raise AuthError(str(exc)) from None
                self._client = OIDCClient(
                    settings.issuer,
                    settings.client_id,
                    client_secret=secret,
                    audience=settings.audience,
                    scopes=settings.scopes,
                    http=self._http,
                )
        return self._client

    def actor(self, email: str) -> Actor:
        return self.rt.actor(email)

    def from_bearer(self, authorization: str | None, base_url: str) -> Actor:
        """The caller behind an ``Authorization: Bearer`` header; AuthError for anything else."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthError("sign in: send 'Authorization: Bearer TOKEN' (an API token or the IdP's token)")
        if token.startswith(credentials.TOKEN_PREFIX):
            email = credentials.token_owner(self.rt.engine, token)
            if email is None:
                raise AuthError("the API token is unknown, revoked or expired")
            return self.actor(email)
        return self.actor(self.oidc(base_url).validate(token))

    def from_cookie(self, cookie: str | None) -> tuple[Actor, credentials.WebSessionInfo] | None:
        if not cookie:
            return None
        info = credentials.session_for(self.rt.engine, cookie)
        return None if info is None else (self.actor(info.email), info)

    def allow(self, actor: Actor) -> bool:
        """The per-person rate limit, counted in the store (so it holds across instances)."""
        return credentials.allow_request(self.rt.engine, actor.email, self.settings.rate_limit_per_minute)


class EmbeddedProvider(OIDCClient):
    """The sandbox's identity provider as this app serves it, asked in-process; the same
    validation (``OIDCClient.validate``, joserfc against its JWKS) as for any provider."""

    def __init__(self, idp: Any, issuer: str):
        from tools.docusign.sandbox._oidc import CLIENT_ID

        super().__init__(issuer, CLIENT_ID)
        self._idp = idp

    def metadata(self) -> dict[str, Any]:
        return self._idp.discovery(self.issuer)

    def _keyset(self, refresh: bool = False):
        from joserfc.jwk import KeySet

        return KeySet.import_key_set(self._idp.jwks())

    def _post(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        from tools.docusign.sandbox._oidc import OIDCError

        try:
            if url.endswith("/device_authorization"):
                return self._idp.device_authorization(self.issuer, form)
            return self._idp.token(self.issuer, form)
        except OIDCError as exc:
            if exc.error in ("authorization_pending", "slow_down"):
                raise Pending(exc.error) from None
            raise AuthError(f"the identity provider refused: {exc.error} {exc.description}") from None
