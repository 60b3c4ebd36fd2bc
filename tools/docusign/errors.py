"""Typed failures of the DocuSign client, each carrying DocuSign's own words.

Why a hierarchy: callers (the gate, the CLI) must tell "fix your consent" from "slow down" from
"that user does not exist" without parsing strings, and support needs the trace token DocuSign
asks for. Vendor shapes (httpx responses, OAuth error bodies, Admin API error bodies) are
translated here, at the boundary, and never leak further up.
"""

from __future__ import annotations

from typing import Any

import httpx


class DocuSignError(Exception):
    """A request DocuSign (or the way to it) refused or failed.

    ``status`` is the HTTP status (``None`` when no response came back), ``error_code`` DocuSign's
    machine-readable code, ``message`` its human-readable explanation, ``trace_token`` the
    ``X-DocuSign-TraceToken`` to quote to DocuSign support.
    """

    def __init__(
        self,
        status: int | None,
        error_code: str | None,
        message: str,
        trace_token: str | None = None,
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.message = message
        self.trace_token = trace_token
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.error_code:
            parts.append(self.error_code)
        head = " ".join(parts)
        text = f"{head}: {self.message}" if head else self.message
        if self.trace_token:
            text += f" (DocuSign trace token {self.trace_token})"
        return text


class AuthError(DocuSignError):
    """The credentials were refused: a bad key, an unknown integration, a token the API rejects."""


class OAuthError(AuthError):
    """The OAuth server refused the JWT grant; ``error``/``error_description`` are its words."""

    def __init__(
        self,
        error: str,
        error_description: str | None = None,
        *,
        status: int | None = None,
        trace_token: str | None = None,
    ) -> None:
        self.error = error
        self.error_description = error_description
        message = error_description or _OAUTH_HINTS.get(error, "the OAuth server refused the JWT grant")
        super().__init__(status, error, message, trace_token)


class ConsentRequired(OAuthError):
    """The impersonated user (or an admin, for the organization) has not consented to the integration.

    ``consent_url`` is the exact page an administrator must open once to grant it.
    """

    def __init__(
        self,
        consent_url: str,
        error_description: str | None = None,
        *,
        status: int | None = None,
        trace_token: str | None = None,
    ) -> None:
        self.consent_url = consent_url
        super().__init__("consent_required", error_description, status=status, trace_token=trace_token)
        self.message = (
            f"{error_description or 'consent has not been granted for this integration and user'}; "
            f"open {consent_url} signed in as that user (or an organization admin) to grant it"
        )
        self.args = (self._render(),)


class Forbidden(DocuSignError):
    """The token is valid but lacks a scope, a role or a plan feature (e.g. the Admin API)."""


class NotFound(DocuSignError):
    """The organization, account, user or membership in the URL does not exist."""


class BadRequest(DocuSignError):
    """DocuSign rejected the request's content; ``message`` says which part."""


class RateLimited(DocuSignError):
    """Still rate limited after the retry budget; ``retry_after`` seconds until DocuSign allows more."""

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class ServiceUnavailable(DocuSignError):
    """DocuSign answered 5xx, or could not be reached, on every attempt the retry budget allowed."""


class OutcomeUnknown(ServiceUnavailable):
    """A write DocuSign may have applied, whose answer never came (a 5xx, a read timeout, a reset).

    Why its own type: "refused, nothing changed" would be false and a blind resend could apply it
    twice. Whoever knows what the write meant reads the state back and reports what is true.
    """


class ItemFailed(DocuSignError):
    """A 200 that reported failures per item (``error_details``); ``failures`` lists (id, error, description).

    ``response`` is the parsed response model, so callers can see which items did succeed.
    """

    def __init__(self, failures: list[tuple[str | None, str | None, str | None]], response: Any) -> None:
        self.failures = failures
        self.response = response
        described = "; ".join(
            f"{item_id or '?'}: {desc or error or 'failed'}" for item_id, error, desc in failures
        )
        code = failures[0][1] if failures else None
        super().__init__(200, code, f"{len(failures)} item(s) failed: {described}")


_OAUTH_HINTS = {
    "invalid_grant": "the JWT assertion was refused (wrong key, wrong user id, or a clock out of sync)",
    "invalid_client": "the integration key is unknown on this OAuth host (demo vs production?)",
    "invalid_scope": "a requested scope is not enabled for this integration",
    "unsupported_grant_type": "the OAuth server does not accept the JWT bearer grant here",
}


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def trace_token(response: httpx.Response) -> str | None:
    token: str | None = response.headers.get("X-DocuSign-TraceToken")
    return token


def error_from_response(response: httpx.Response, *, retry_after: float | None = None) -> DocuSignError:
    """Translate a non-2xx Admin API response into the matching typed error."""
    body = _body(response)
    code = body.get("error") or body.get("errorCode") or body.get("error_code")
    message = (
        body.get("error_description")
        or body.get("message")
        or body.get("Message")
        or (response.text.strip()[:300] if not body else None)
        or response.reason_phrase
        or "no explanation given"
    )
    code = str(code) if code is not None else None
    status = response.status_code
    trace = trace_token(response)
    if status == 401:
        return AuthError(status, code, message, trace)
    if status == 403:
        return Forbidden(status, code, message, trace)
    if status == 404:
        return NotFound(status, code, message, trace)
    if status == 429:
        return RateLimited(status, code, message, trace, retry_after=retry_after)
    if status >= 500:
        return ServiceUnavailable(status, code, message, trace)
    return BadRequest(status, code, message, trace)


def oauth_error_from_response(response: httpx.Response, consent_url: str) -> OAuthError:
    """Translate a refused ``POST /oauth/token`` into OAuthError or ConsentRequired."""
    body = _body(response)
    error = str(body.get("error") or f"http_{response.status_code}")
    description = body.get("error_description")
    if error == "consent_required":
        return ConsentRequired(
            consent_url, description, status=response.status_code, trace_token=trace_token(response)
        )
    return OAuthError(error, description, status=response.status_code, trace_token=trace_token(response))
