"""DocuSign's JWT grant: sign an assertion, exchange it for a user token, keep it fresh.

Why an ``httpx.Auth``: the Admin client then never thinks about tokens. The flow adds the bearer
token, and on a 401 renews it once and resends (a token can be revoked or expire early on
DocuSign's side whatever our clock says). Tokens are cached per instance and renewed before they
expire, under a lock so concurrent page fetches trigger one exchange, not eight; with a
``TokenCache`` they are also shared between processes (each ``dsadmin`` command would otherwise
sign and exchange a new JWT), in a file only its owner can read.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tools.docusign import errors
from tools.docusign._sender import OnRequest, Sender
from tools.docusign.retry import RetryPolicy

SCOPES: tuple[str, ...] = (
    "signature",
    "impersonation",
    "organization_read",
    "group_read",
    "permission_read",
    "user_read",
    "user_write",
    "account_read",
    "domain_read",
    "identity_provider_read",
    "user_data_redact",
)
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_ASSERTION_LIFETIME = 3600
# DocuSign's own JWT examples send admins here after consent; it must be a redirect URI of the integration.
DEFAULT_REDIRECT_URI = "https://developers.docusign.com/platform/auth/consent"


def consent_url(
    oauth_base_url: str,
    integration_key: str,
    *,
    scopes: tuple[str, ...] = SCOPES,
    redirect_uri: str = DEFAULT_REDIRECT_URI,
) -> str:
    """The page where a user (or an org admin) grants the integration consent, once."""
    query = urlencode(
        {
            "response_type": "code",
            "scope": " ".join(scopes),
            "client_id": integration_key,
            "redirect_uri": redirect_uri,
        },
        quote_via=quote,
    )
    return f"{oauth_base_url.rstrip('/')}/oauth/auth?{query}"


def _load_key(private_key_pem: str) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise errors.AuthError(
            None,
            "invalid_private_key",
            f"the private key is not a readable unencrypted PEM ({exc}); use the RSA key pair's "
            "private half exactly as DocuSign showed it, BEGIN/END lines included",
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise errors.AuthError(
            None, "invalid_private_key", "the private key is not RSA; DocuSign's JWT grant needs RS256"
        )
    return key


class TokenCache:
    """Access tokens shared by the processes of one ``$DSADMIN_HOME``: one 0600 file per identity.

    Why a file and not the store: the token is a live credential, and the store is read by audit
    tools and may be shared; a file readable by its owner alone, outside every log, keeps it where
    only the dsadmin processes of that person look. A token is used until shortly before it
    expires (``JWTAuth`` decides when) and dropped when DocuSign answers 401.
    """

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)

    def _path(self, identity: str) -> Path:
        return self.dir / f"{hashlib.sha256(identity.encode()).hexdigest()[:24]}.json"

    def load(self, identity: str) -> tuple[str, float] | None:
        """The cached token and the time to renew it, or None (absent, unreadable, foreign)."""
        try:
            data = json.loads(self._path(identity).read_text())
            if data["identity"] != identity:
                return None
            return str(data["access_token"]), float(data["renew_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, identity: str, token: str, renew_at: float) -> None:
        """Write atomically, created 0600 (never readable by others, even for a moment)."""
        try:
            self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            final = self._path(identity)
            tmp = final.with_name(f".{final.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump({"identity": identity, "access_token": token, "renew_at": renew_at}, handle)
            os.replace(tmp, final)
        except OSError:
            pass  # a cache that cannot be written costs a token request next time, nothing more

    def discard(self, identity: str, token: str) -> None:
        """Forget ``token`` (DocuSign refused it), unless another process already replaced it."""
        found = self.load(identity)
        if found is not None and found[0] == token:
            self._path(identity).unlink(missing_ok=True)


class JWTAuth(httpx.Auth):
    """Bearer tokens for one integration key impersonating one user."""

    def __init__(
        self,
        oauth_base_url: str,
        integration_key: str,
        user_id: str,
        private_key_pem: str,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        scopes: tuple[str, ...] = SCOPES,
        lifetime: int = MAX_ASSERTION_LIFETIME,
        redirect_uri: str = DEFAULT_REDIRECT_URI,
        retry: RetryPolicy | None = None,
        on_request: OnRequest | None = None,
        timeout: float = 30.0,
        cache: TokenCache | None = None,
    ) -> None:
        if not 0 < lifetime <= MAX_ASSERTION_LIFETIME:
            raise ValueError(f"lifetime must be 1..{MAX_ASSERTION_LIFETIME} seconds (DocuSign's maximum)")
        for name, value in (("integration_key", integration_key), ("user_id", user_id)):
            if not value or not value.strip():
                raise ValueError(f"JWTAuth needs a non-empty {name}")
        self.oauth_base_url = oauth_base_url.rstrip("/")
        self.integration_key = integration_key.strip()
        self.user_id = user_id.strip()
        self.scopes = scopes
        self.lifetime = lifetime
        self.redirect_uri = redirect_uri
        self._key = _load_key(private_key_pem)
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self._cache = cache
        self._http = httpx.Client(base_url=self.oauth_base_url, transport=transport, timeout=timeout)
        self._sender = Sender(
            self._http,
            retry or RetryPolicy(),
            on_request,
            translate=lambda response: errors.oauth_error_from_response(response, self.consent_url),
            # the token POST goes to the OAuth server and changes nothing an administrator manages;
            # resending it only yields another token
            writes_need_permit=False,
        )

    @property
    def audience(self) -> str:
        """The OAuth host name (``account-d.docusign.com`` for demo): the assertion's ``aud``."""
        return httpx.URL(self.oauth_base_url).host

    @property
    def consent_url(self) -> str:
        return consent_url(
            self.oauth_base_url, self.integration_key, scopes=self.scopes, redirect_uri=self.redirect_uri
        )

    def assertion(self) -> str:
        """A freshly signed RS256 assertion asking for a token for ``user_id``."""
        now = int(self._clock())
        claims = {
            "iss": self.integration_key,
            "sub": self.user_id,
            "aud": self.audience,
            "iat": now,
            "exp": now + self.lifetime,
            "scope": " ".join(self.scopes),
        }
        return jwt.encode(claims, self._key, algorithm="RS256")

    @property
    def _identity(self) -> str:
        """What a shared token is good for: this OAuth host, integration, user and scopes."""
        return "|".join((self.oauth_base_url, self.integration_key, self.user_id, " ".join(self.scopes)))

    def access_token(self) -> str:
        """The cached token (this process's, else the shared cache's), exchanged anew when missing
        or close to expiry."""
        with self._lock:
            if (self._token is None or self._clock() >= self._renew_at) and self._cache is not None:
                shared = self._cache.load(self._identity)
                if shared is not None and self._clock() < shared[1]:
                    self._token, self._renew_at = shared
            if self._token is None or self._clock() >= self._renew_at:
                self._exchange()
                if self._cache is not None:
                    assert self._token is not None
                    self._cache.save(self._identity, self._token, self._renew_at)
            assert self._token is not None
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still ``token``, when given), here and in the
        shared cache."""
        with self._lock:
            if token is None or token == self._token:
                if self._cache is not None and self._token is not None:
                    self._cache.discard(self._identity, self._token)
                self._token = None

    def userinfo(self) -> dict[str, Any]:
        """``GET /oauth/userinfo``: who the token belongs to and their accounts."""
        token = self.access_token()
        response = self._http.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"})
        if not response.is_success:
            raise errors.error_from_response(response)
        info: dict[str, Any] = response.json()
        return info

    def close(self) -> None:
        self._http.close()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            self.invalidate(token)
            request.headers["Authorization"] = f"Bearer {self.access_token()}"
            yield request

    def _exchange(self) -> None:
        obtained = self._clock()
        response = self._sender.send(
            "POST",
            "/oauth/token",
            data={"grant_type": JWT_BEARER_GRANT, "assertion": self.assertion()},
            idempotent=True,
        )
        try:
            body = response.json()
            token = body["access_token"]
            expires_in = float(body.get("expires_in") or 0)
        except (ValueError, KeyError, TypeError):
            raise errors.OAuthError(
                "invalid_token_response",
                "the OAuth server answered 2xx without an access_token; is oauth_base_url the OAuth host?",
                status=response.status_code,
                trace_token=errors.trace_token(response),
            ) from None
        if not isinstance(token, str) or not token or expires_in <= 0:
            raise errors.OAuthError(
                "invalid_token_response",
                "the OAuth server returned an empty token or no expires_in",
                status=response.status_code,
            )
        # Renew a little early: a tenth of the lifetime, at most five minutes.
        self._token = token
        self._renew_at = obtained + expires_in - min(300.0, expires_in / 10)


class TokenAuth(httpx.Auth):
    """A bearer token obtained elsewhere (``dsadmin sandbox token``, a test's ``sb.issue_token()``)."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("TokenAuth needs a non-empty token")
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request
