"""An OpenID Connect relying party: discovery, PKCE sign-in, device sign-in, token validation.

Why joserfc does the checking: signatures, algorithms, ``iss``/``aud``/``exp``/``nbf`` are validated
by a maintained JOSE library against the provider's published JWKS, never by our own parsing. What
is ours is policy: an identity is an email the provider says it verified (``email_verified``), and
a token is accepted only from the configured issuer for this client (or the configured API
audience). Discovery documents and key sets are cached per process (they are public and
re-fetchable, so no instance depends on another's cache); an unknown ``kid`` refetches the keys
once, so a provider's key rotation does not lock people out.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

import httpx
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization

DISCOVERY_TTL = 3600
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


class AuthError(Exception):
    """Sign-in failed or a token was refused; the message says why, without echoing the token."""


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


class OIDCClient:
    """One provider (``issuer``) and one client registered with it."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        *,
        client_secret: str | None = None,
        audience: str | None = None,
        scopes: list[str] | None = None,
        http: httpx.Client | None = None,
    ):
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.audiences = [a for a in (client_id, audience) if a]
        self.scopes = scopes or ["openid", "email", "profile"]
        self._http = http or httpx.Client(timeout=10)
        self._lock = threading.Lock()
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._keys: KeySet | None = None

    # -- discovery and keys ----------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata and time.monotonic() - self._metadata[0] < DISCOVERY_TTL:
                return self._metadata[1]
        doc = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
        if str(doc.get("issuer", "")).rstrip("/") != self.issuer:
            raise AuthError(f"the provider at {self.issuer} names another issuer ({doc.get('issuer')!r})")
        with self._lock:
            self._metadata = (time.monotonic(), doc)
        return doc

    def _keyset(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            # the import checks the document itself
            jwks = cast(KeySetSerialization, self._get_json(self.metadata()["jwks_uri"]))
            self._keys = KeySet.import_key_set(jwks)
        return self._keys

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self._http.get(url)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AuthError(f"cannot read {url} from the identity provider: {exc}") from None

    # -- validation ------------------------------------------------------------------------------

    def validate(self, token: str, *, nonce: str | None = None) -> str:
        """The verified email in a JWT this provider issued for this client; AuthError otherwise."""
        if token.count(".") != 2:
            raise AuthError("the token is not a JWT from the identity provider")
        try:
            kid = jws.extract_compact(token.encode("ascii")).headers().get("kid")
        except (JoseError, ValueError, UnicodeError):
            raise AuthError("the token is malformed") from None
        keys = self._keyset()
        if kid is not None and not _has_kid(keys, kid):
            keys = self._keyset(refresh=True)
        try:
            decoded = jwt.decode(token, keys, algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "values": self.audiences},
                exp={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise AuthError(f"the token was refused ({exc.__class__.__name__})") from None
        claims = decoded.claims
        if nonce is not None and claims.get("nonce") != nonce:
            raise AuthError("the sign-in answer does not match this sign-in (nonce)")
        email = str(claims.get("email") or "").strip().lower()
        if not email or "@" not in email:
            raise AuthError("the identity provider sent no email; allow the 'email' scope for this client")
        if claims.get("email_verified") not in (True, "true"):
            raise AuthError(f"the identity provider has not verified {email}; dsadmin needs a verified email")
        return email

    # -- authorization code with PKCE ------------------------------------------------------------

    def authorization_url(self, redirect_uri: str, state: str, nonce: str, pkce: Pkce) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(self.scopes),
                "state": state,
                "nonce": nonce,
                "code_challenge": pkce.challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.metadata()['authorization_endpoint']}?{query}"

    def exchange_code(self, code: str, verifier: str, redirect_uri: str, nonce: str) -> str:
        """Redeem the code; returns the ID token's verified email."""
        tokens = self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            }
        )
        return self.validate(str(tokens.get("id_token", "")), nonce=nonce)

    # -- device authorization grant (RFC 8628) ------------------------------------------------------

    def start_device(self) -> dict[str, Any]:
        endpoint = self.metadata().get("device_authorization_endpoint")
        if not endpoint:
            raise AuthError(f"the provider at {self.issuer} does not offer device sign-in")
        return self._post(endpoint, {"client_id": self.client_id, "scope": " ".join(self.scopes)})

    def poll_device(self, device_code: str) -> dict[str, Any] | None:
        """The tokens once the person signed in; None while pending; AuthError when refused."""
        try:
            return self._token(
                {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": device_code}
            )
        except Pending:
            return None

    # -- plumbing ----------------------------------------------------------------------------------

    def _token(self, form: dict[str, str]) -> dict[str, Any]:
        form = {**form, "client_id": self.client_id}
        if self.client_secret:
            form["client_secret"] = self.client_secret
        return self._post(self.metadata()["token_endpoint"], form)

    def _post(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        try:
            response = self._http.post(url, data=form, headers={"Accept": "application/json"})
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AuthError(f"the identity provider did not answer ({exc})") from None
        if response.status_code >= 400:
            error = body.get("error") if isinstance(body, dict) else None
            if error in ("authorization_pending", "slow_down"):
                raise Pending(error)
            described = body.get("error_description", "") if isinstance(body, dict) else ""
            raise AuthError(
                f"the identity provider refused: {error or response.status_code} {described}".strip()
            )
        return body


class Pending(AuthError):
    """The device sign-in is not finished yet (keep polling)."""


def _has_kid(keys: KeySet, kid: str) -> bool:
    try:
        keys.get_by_kid(kid)
        return True
    except (ValueError, KeyError, JoseError):
        return False
