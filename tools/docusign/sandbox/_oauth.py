"""The OAuth server: DocuSign's JWT bearer grant, and the bearer check the Admin routes use.

What is checked, as DocuSign does: the assertion is RS256-signed by the key registered for the
integration key (``iss``), ``sub`` is a user of the org, ``aud`` is this OAuth host, ``iat``/``exp``
are sane on the wall clock (lifetime at most an hour), the scopes are known, and the user has
consented. Tokens are opaque, expire on the sandbox clock, and carry their scopes.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import jwt

from tools.docusign.sandbox import _render as render
from tools.docusign.sandbox._http import ApiError
from tools.docusign.sandbox._state import Token, User

if TYPE_CHECKING:
    from tools.docusign.sandbox._core import Context

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME = 3600
MAX_ASSERTION_LIFETIME = 3600
CLOCK_SKEW = 300
KNOWN_SCOPES = frozenset(
    {
        "signature",
        "impersonation",
        "extended",
        "openid",
        "organization_read",
        "group_read",
        "permission_read",
        "user_read",
        "user_write",
        "account_read",
        "domain_read",
        "identity_provider_read",
        "user_data_redact",
        "asset_group_account_read",
    }
)
SANDBOX_HOST = "sandbox.dsadmin.invalid"
# Also accepted as aud, so a client configured for DocuSign's demo host works against the sandbox.
ACCEPTED_AUDIENCES = frozenset({SANDBOX_HOST, "account-d.docusign.com"})


def _grant_error(description: str, error: str = "invalid_grant") -> ApiError:
    return ApiError(400, error, description)


def token(ctx: Context) -> dict[str, Any]:
    """POST /oauth/token."""
    try:
        form = dict(parse_qsl(ctx.request.body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise _grant_error("the body must be application/x-www-form-urlencoded", "invalid_request") from None
    grant = form.get("grant_type")
    if grant != JWT_BEARER_GRANT:
        raise _grant_error(f"grant_type must be {JWT_BEARER_GRANT} (got {grant!r})", "unsupported_grant_type")
    assertion = form.get("assertion")
    if not assertion:
        raise _grant_error("the assertion parameter (a signed JWT) is required", "invalid_request")
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise _grant_error("the assertion is not a JWT") from None
    state = ctx.state
    integration = state.integrations.get(str(unverified.get("iss", "")))
    if integration is None:
        raise _grant_error("issuer_not_found", "invalid_client")
    try:
        claims = jwt.decode(
            assertion,
            integration.public_key_pem,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_iat": False, "verify_aud": False, "verify_nbf": False},
        )
    except jwt.InvalidAlgorithmError:
        raise _grant_error("the assertion must be signed with RS256") from None
    except jwt.PyJWTError:
        raise _grant_error("no_valid_keys_or_signatures") from None
    _check_times(ctx, claims)
    aud = claims.get("aud")
    accepted = ACCEPTED_AUDIENCES | {ctx.request.hostname}
    if not isinstance(aud, str) or aud not in accepted:
        raise _grant_error(
            f"invalid audience {aud!r}; aud must be the OAuth host name ({ctx.request.hostname})"
        )
    user = state.users.get(str(claims.get("sub", "")).lower())
    if user is None or user.user_status == "closed" or user.redacted_on is not None:
        raise _grant_error("user_not_found")
    scopes = str(claims.get("scope") or "signature").split()
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if unknown:
        raise _grant_error(f"unknown scope(s): {', '.join(unknown)}", "invalid_scope")
    if user.id not in integration.consented_user_ids or ctx.faults.consent_revoked:
        raise ApiError(400, "consent_required", "consent_required")
    return issue(ctx, user, integration.key, scopes)


def _check_times(ctx: Context, claims: dict[str, Any]) -> None:
    wall = ctx.clock.wall()
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise _grant_error("the assertion needs numeric iat and exp claims")
    if exp <= wall - CLOCK_SKEW:
        raise _grant_error("the assertion has expired (exp is in the past); check the client's clock")
    if iat > wall + CLOCK_SKEW:
        raise _grant_error("the assertion's iat is in the future; check the client's clock")
    if exp - iat > MAX_ASSERTION_LIFETIME or exp <= iat:
        raise _grant_error("the assertion's lifetime (exp - iat) must be between 1 and 3600 seconds")


def issue(ctx: Context, user: User, integration_key: str, scopes: list[str]) -> dict[str, Any]:
    """Mint a bearer token; ``faults.token_lifetime_seconds`` makes it die before ``expires_in`` says."""
    now = ctx.now
    for key in [k for k, t in ctx.state.tokens.items() if t.expires_at < now]:
        del ctx.state.tokens[key]
    value = "sbx1." + secrets.token_urlsafe(32)
    lifetime = ctx.faults.token_lifetime_seconds or TOKEN_LIFETIME
    ctx.state.tokens[value] = Token(
        user_id=user.id,
        integration_key=integration_key,
        scopes=list(scopes),
        issued_at=now,
        expires_at=now + lifetime,
    )
    ctx.changed(data=False)
    return {"access_token": value, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME}


def bearer(ctx: Context) -> tuple[str, Token, User]:
    """The token of an Admin or userinfo request, or a 401 saying why not."""
    header = ctx.request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(
            401,
            "authorization_invalid",
            "the request needs an 'Authorization: Bearer <token>' header; get a token with the JWT grant",
            {"WWW-Authenticate": 'Bearer error="invalid_request"'},
        )
    value = value.strip()
    found = ctx.state.tokens.get(value)
    if found is None:
        raise _invalid("the access token is not valid (unknown or revoked)")
    if found.expires_at <= ctx.now:
        raise _invalid(f"the access token expired at {render.ts(found.expires_at)}")
    if ctx.faults.consent_revoked:
        raise _invalid("consent for this integration has been revoked; the token is no longer valid")
    user = ctx.state.users.get(found.user_id)
    if user is None or user.user_status == "closed" or user.redacted_on is not None:
        raise _invalid("the token's user is closed")
    return value, found, user


def _invalid(description: str) -> ApiError:
    return ApiError(401, "invalid_token", description, {"WWW-Authenticate": 'Bearer error="invalid_token"'})


def userinfo(ctx: Context) -> dict[str, Any]:
    """GET /oauth/userinfo: who the token is for, and their accounts."""
    _, _, user = bearer(ctx)
    state = ctx.state
    accounts = []
    for m in user.memberships.values():
        if m.status != "active":
            continue
        account = state.accounts[m.account_id]
        accounts.append(
            {
                "account_id": account.id,
                "is_default": account.id == user.default_account_id,
                "account_name": account.name,
                "base_uri": ctx.request.base_url,
                "organization": {"organization_id": state.organization.id, "links": []},
            }
        )
    return {
        "sub": user.id,
        "name": user.user_name,
        "given_name": user.first_name or "",
        "family_name": user.last_name or "",
        "created": render.ts(user.created_on),
        "email": user.email,
        "accounts": accounts,
    }
