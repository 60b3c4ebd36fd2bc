"""The sandbox's OpenID Connect identity provider: sign-in for the embedded default.

Why it exists: ``dsadmin serve`` must work with no configuration, and identity must still come
from a real sign-in protocol (never a self-asserted email). This provider speaks the same OIDC the
service speaks to Okta, Entra ID or Google: discovery, JWKS, the authorization-code flow with PKCE
(S256 only), the device authorization grant (RFC 8628) and a token endpoint. Its sign-in page lists
the fixture's people; picking one is the "password".

Nothing lives only in one process's memory: the signing key is a PEM file under the state
directory, authorization codes are short-lived signed JWTs (so any instance can redeem them), and
device grants sit in a small JSON file behind a file lock, so two ``serve`` instances share them.
JWTs are made and checked with joserfc; the issuer is the URL the provider is served at.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import html
import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

CLIENT_ID = "dsadmin"  # the embedded provider's one public client (PKCE, no secret)
CODE_TTL = 120
TOKEN_TTL = 3600
DEVICE_TTL = 600
DEVICE_INTERVAL = 1
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
KEY_FILE = "idp_signing_key.pem"
DEVICE_FILE = "idp_device_grants.json"
USED_CODES_FILE = "idp_used_codes.json"

People = Callable[[], list[tuple[str, str]]]


class OIDCError(Exception):
    """An OAuth error response: ``error`` code, description, HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier`` (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class IdentityProvider:
    """Issues ID and access tokens for the people ``people()`` lists, signed with one RSA key."""

    def __init__(self, home: Path, people: People):
        self.home = Path(home)
        self.people = people
        self.key = self._load_key()

    # -- keys and tokens ---------------------------------------------------------------------------

    def _load_key(self) -> RSAKey:
        self.home.mkdir(parents=True, exist_ok=True)
        path = self.home / KEY_FILE
        with self._file_lock():
            if not path.is_file():
                key = RSAKey.generate_key(2048, auto_kid=True)
                path.write_bytes(key.as_pem(private=True))
                path.chmod(0o600)
        key = RSAKey.import_key(path.read_bytes(), {"use": "sig", "alg": "RS256"})
        key.ensure_kid()  # the RFC 7638 thumbprint: stable across instances sharing the file
        return key

    def jwks(self) -> dict[str, Any]:
        public = self.key.as_dict(private=False)
        return {"keys": [{**public, "use": "sig", "alg": "RS256"}]}

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)

    def tokens_for(
        self, issuer: str, email: str, *, client_id: str = CLIENT_ID, nonce: str | None = None
    ) -> dict[str, Any]:
        """An OIDC token response for ``email``: the ID token and a JWT access token (aud = client)."""
        email = email.strip().lower()
        if email not in {e for e, _ in self.people()}:
            raise OIDCError("access_denied", f"{email} is not one of the sandbox organization's people")
        now = int(time.time())
        name = dict(self.people()).get(email, email)
        base = {"iss": issuer, "sub": email, "aud": client_id, "iat": now, "exp": now + TOKEN_TTL}
        id_claims = {**base, "email": email, "email_verified": True, "name": name}
        if nonce:
            id_claims["nonce"] = nonce
        access = {
            **base,
            "email": email,
            "email_verified": True,
            "scope": "openid email profile",
            "jti": secrets.token_hex(8),
        }
        return {
            "access_token": self._sign(access),
            "id_token": self._sign(id_claims),
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL,
            "scope": "openid email profile",
        }

    # -- discovery ---------------------------------------------------------------------------------

    @staticmethod
    def discovery(issuer: str) -> dict[str, Any]:
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "device_authorization_endpoint": f"{issuer}/device_authorization",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", DEVICE_GRANT],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["none"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        }

    # -- authorization code with PKCE ---------------------------------------------------------------

    def check_authorize(self, params: dict[str, str]) -> None:
        if params.get("response_type") != "code":
            raise OIDCError("unsupported_response_type", "response_type must be 'code'")
        if params.get("client_id") != CLIENT_ID:
            raise OIDCError(
                "unauthorized_client", f"unknown client_id; the sandbox's client is {CLIENT_ID!r}"
            )
        if not params.get("redirect_uri", "").startswith(("http://", "https://")):
            raise OIDCError("invalid_request", "redirect_uri must be an http(s) URL")
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            raise OIDCError("invalid_request", "PKCE is required: code_challenge with method S256")
        if "openid" not in params.get("scope", "").split():
            raise OIDCError("invalid_scope", "scope must include 'openid'")

    def authorize(self, issuer: str, params: dict[str, str], email: str) -> str:
        """The redirect after a person picked ``email``: the code is a signed, short-lived JWT."""
        self.check_authorize(params)
        if email.strip().lower() not in {e for e, _ in self.people()}:
            raise OIDCError("access_denied", f"{email!r} is not one of the sandbox organization's people")
        now = int(time.time())
        code = self._sign(
            {
                "iss": issuer,
                "aud": f"{issuer}/token",
                "typ": "code",
                "sub": email.strip().lower(),
                "client_id": CLIENT_ID,
                "redirect_uri": params["redirect_uri"],
                "code_challenge": params["code_challenge"],
                "nonce": params.get("nonce"),
                "iat": now,
                "exp": now + CODE_TTL,
                "jti": secrets.token_hex(12),
            }
        )
        query = urlencode({"code": code, "state": params.get("state", "")})
        sep = "&" if "?" in params["redirect_uri"] else "?"
        return f"{params['redirect_uri']}{sep}{query}"

    def _verify(self, issuer: str, token: str, audience: str) -> dict[str, Any]:
        try:
            decoded = jwt.decode(token, self.key, algorithms=["RS256"])
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": issuer}, aud={"essential": True, "value": audience}
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise OIDCError("invalid_grant", f"the code or token is not valid here ({exc})") from None
        return decoded.claims

    def token(self, issuer: str, form: dict[str, str]) -> dict[str, Any]:
        grant = form.get("grant_type")
        if grant == "authorization_code":
            claims = self._verify(issuer, form.get("code", ""), f"{issuer}/token")
            if claims.get("typ") != "code" or form.get("client_id") != claims["client_id"]:
                raise OIDCError("invalid_grant", "the code was issued to another client")
            if form.get("redirect_uri") != claims["redirect_uri"]:
                raise OIDCError("invalid_grant", "redirect_uri differs from the authorization request")
            if s256(form.get("code_verifier", "")) != claims["code_challenge"]:
                raise OIDCError("invalid_grant", "the PKCE code_verifier does not match the challenge")
            with self._devices(USED_CODES_FILE) as used:  # a code is redeemed once, on any instance
                if claims.get("jti") in used:
                    raise OIDCError("invalid_grant", "the code was already used")
                used[claims["jti"]] = {"expires": claims["exp"]}
            return self.tokens_for(issuer, claims["sub"], nonce=claims.get("nonce"))
        if grant == DEVICE_GRANT:
            return self._device_token(issuer, form.get("device_code", ""))
        raise OIDCError("unsupported_grant_type", f"grant_type {grant!r} is not supported")

    def userinfo(self, issuer: str, bearer: str) -> dict[str, Any]:
        claims = self._verify(issuer, bearer, CLIENT_ID)
        return {"sub": claims["sub"], "email": claims["email"], "email_verified": True}

    # -- device authorization grant (RFC 8628) --------------------------------------------------------

    def device_authorization(self, issuer: str, form: dict[str, str]) -> dict[str, Any]:
        if form.get("client_id") != CLIENT_ID:
            raise OIDCError(
                "unauthorized_client", f"unknown client_id; the sandbox's client is {CLIENT_ID!r}"
            )
        device_code = secrets.token_urlsafe(24)
        letters = "BCDFGHJKLMNPQRSTVWXZ"
        raw = "".join(secrets.choice(letters) for _ in range(8))
        user_code = f"{raw[:4]}-{raw[4:]}"
        with self._devices() as grants:
            grants[device_code] = {
                "user_code": user_code,
                "email": None,
                "status": "pending",
                "expires": time.time() + DEVICE_TTL,
            }
        return {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": f"{issuer}/device",
            "verification_uri_complete": f"{issuer}/device?{urlencode({'user_code': user_code})}",
            "expires_in": DEVICE_TTL,
            "interval": DEVICE_INTERVAL,
        }

    def approve_device(self, user_code: str, email: str | None) -> bool:
        """The person at the verification page picked ``email`` (None: they declined)."""
        code = user_code.strip().upper()
        with self._devices() as grants:
            for grant in grants.values():
                if (
                    grant["user_code"] == code
                    and grant["status"] == "pending"
                    and grant["expires"] > time.time()
                ):
                    grant.update(status="approved" if email else "denied", email=email)
                    return True
        return False

    def _device_token(self, issuer: str, device_code: str) -> dict[str, Any]:
        with self._devices() as grants:
            grant = grants.get(device_code)
            if grant is None:
                raise OIDCError("invalid_grant", "unknown device_code")
            if grant["expires"] <= time.time():
                raise OIDCError("expired_token", "the device code expired; start the sign-in again")
            if grant["status"] == "pending":
                raise OIDCError("authorization_pending", "the person has not signed in yet")
            del grants[device_code]  # single use, whatever the answer
        if grant["status"] == "denied":
            raise OIDCError("access_denied", "the person declined the sign-in")
        return self.tokens_for(issuer, grant["email"])

    @contextmanager
    def _devices(self, name: str = DEVICE_FILE) -> Iterator[dict[str, Any]]:
        """A small shared JSON book (device grants, redeemed codes) under the file lock; entries
        carry ``expires`` and are dropped a minute after it."""
        path = self.home / name
        with self._file_lock():
            grants = json.loads(path.read_text()) if path.is_file() else {}
            grants = {k: v for k, v in grants.items() if v["expires"] > time.time() - 60}
            yield grants
            path.write_text(json.dumps(grants))

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        with open(self.home / "idp.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


# -- the ASGI routes ------------------------------------------------------------------------------

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>The dsadmin sandbox's identity provider: pick who you are.</p>{body}</body></html>"""


def _people_buttons(idp: IdentityProvider, hidden: dict[str, str], action: str) -> str:
    fields = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in hidden.items()
    )
    buttons = "".join(
        f'<li><button type="submit" name="email" value="{html.escape(e)}" id="signin-{html.escape(e)}">'
        f"{html.escape(n)} &lt;{html.escape(e)}&gt;</button></li>"
        for e, n in idp.people()
    )
    return f'<form method="post" action="{action}">{fields}<ul>{buttons}</ul></form>'


def routes(idp: IdentityProvider, mount: str = "/idp") -> list[Any]:
    """Starlette routes for ``idp``; the issuer is the URL they are reached at (base + ``mount``)."""
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
    from starlette.routing import Route

    async def form_text(request: Request) -> dict[str, str]:
        """The posted form's text fields (an OAuth form carries no files)."""
        return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}

    def issuer(request: Request) -> str:
        return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}{mount}"

    def oauth_error(exc: OIDCError) -> JSONResponse:
        return JSONResponse(
            {"error": exc.error, "error_description": exc.description},
            exc.status,
            headers={"Cache-Control": "no-store"},
        )

    async def discovery(request: Request) -> Response:
        return JSONResponse(idp.discovery(issuer(request)))

    async def jwks(request: Request) -> Response:
        return JSONResponse(idp.jwks())

    async def authorize(request: Request) -> Response:
        params = dict(request.query_params) if request.method == "GET" else await form_text(request)
        try:
            idp.check_authorize(params)
            if request.method == "GET":
                body = _people_buttons(
                    idp, {k: v for k, v in params.items() if k != "email"}, f"{mount}/authorize"
                )
                return HTMLResponse(_PAGE.format(title="Sign in to dsadmin", body=body))
            return RedirectResponse(idp.authorize(issuer(request), params, params.get("email", "")), 303)
        except OIDCError as exc:
            return HTMLResponse(_PAGE.format(title="Sign-in error", body=html.escape(exc.description)), 400)

    async def token(request: Request) -> Response:
        try:
            return JSONResponse(
                idp.token(issuer(request), await form_text(request)), headers={"Cache-Control": "no-store"}
            )
        except OIDCError as exc:
            return oauth_error(exc)

    async def device_authorization(request: Request) -> Response:
        try:
            return JSONResponse(idp.device_authorization(issuer(request), await form_text(request)))
        except OIDCError as exc:
            return oauth_error(exc)

    async def device(request: Request) -> Response:
        if request.method == "GET":
            code = request.query_params.get("user_code", "")
            field = f'<label>Code <input name="user_code" id="user_code" value="{html.escape(code)}"></label>'
            body = _people_buttons(idp, {}, f"{mount}/device").replace("<ul>", field + "<ul>", 1)
            return HTMLResponse(_PAGE.format(title="Sign in a device", body=body))
        form = await form_text(request)
        ok = idp.approve_device(form.get("user_code", ""), form.get("email") or None)
        text = "Signed in; you can close this page." if ok else "Unknown or expired code."
        return HTMLResponse(_PAGE.format(title="Device sign-in", body=html.escape(text)), 200 if ok else 400)

    async def userinfo(request: Request) -> Response:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        try:
            return JSONResponse(idp.userinfo(issuer(request), bearer))
        except OIDCError:
            return JSONResponse({"error": "invalid_token"}, 401, headers={"WWW-Authenticate": "Bearer"})

    return [
        Route(f"{mount}/.well-known/openid-configuration", discovery),
        Route(f"{mount}/jwks", jwks),
        Route(f"{mount}/authorize", authorize, methods=["GET", "POST"]),
        Route(f"{mount}/token", token, methods=["POST"]),
        Route(f"{mount}/device_authorization", device_authorization, methods=["POST"]),
        Route(f"{mount}/device", device, methods=["GET", "POST"]),
        Route(f"{mount}/userinfo", userinfo),
    ]


def sandbox_people(sandbox: Any) -> People:
    """The fixture's people who can sign in: every user not redacted, as (email, display name)."""

    def people() -> list[tuple[str, str]]:
        users = sorted(sandbox.state.users.values(), key=lambda u: u.email)
        return [
            (u.email.lower(), " ".join(p for p in (u.first_name, u.last_name) if p) or u.email)
            for u in users
            if u.redacted_on is None
        ]

    return people
