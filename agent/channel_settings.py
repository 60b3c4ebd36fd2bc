"""The service's configuration sections: ``auth`` (sign-in, sessions, limits) and ``notify``.

Why here and not in ``agent.config``: they belong to the service channel; ``agent.config`` only
mounts them. Secrets are never inline: the client secret, SMTP password and webhook secrets are
named by the environment variable that holds them (``*_env``).
"""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _http_url(value: str, what: str) -> str:
    value = value.strip().rstrip("/")
    loopback = value.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
    if not (value.startswith("https://") or loopback):
        raise ValueError(f"{what} must be an https:// URL (plain http only on loopback), not {value!r}")
    return value


def secret_from_env(name: str | None, what: str) -> str | None:
    """The secret in environment variable ``name``; a ValueError naming the variable when unset."""
    if not name:
        return None
    value = os.environ.get(name)
    if not value:
        raise ValueError(f"{what}: the environment variable {name} is not set")
    return value


class OIDCSettings(_Section):
    """The organization's OpenID Connect identity provider (Okta, Entra ID, Google, ...)."""

    issuer: str = Field(description="the issuer URL; discovery is read from {issuer}/.well-known/...")
    client_id: str = Field(min_length=1)
    client_secret_env: str | None = Field(None, description="env var holding the client secret")
    audience: str | None = Field(None, description="expected 'aud' of API access tokens; default client_id")
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        return _http_url(value, "auth.oidc.issuer")


class AuthSettings(_Section):
    oidc: OIDCSettings | None = Field(None, description="default: the sandbox's own identity provider")
    public_url: str | None = Field(None, description="the service's external URL (sign-in redirects)")
    session_minutes: int = Field(480, ge=5, le=60 * 24 * 30)
    rate_limit_per_minute: int = Field(120, ge=1)
    max_body_bytes: int = Field(64 * 1024, ge=1024)

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value, "auth.public_url")


class SMTPSettings(_Section):
    host: str
    port: int = Field(25, ge=1, le=65535)
    sender: str = Field(description="the From address")
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    timeout_seconds: float = Field(10, gt=0)


class WebhookSettings(_Section):
    url: str
    secret_env: str = Field(description="env var holding the HMAC-SHA256 signing secret")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value, "notify.webhook.url")


class NotifySettings(_Section):
    smtp: SMTPSettings | None = None
    webhook: WebhookSettings | None = Field(None, description="one signed webhook (fan out at the receiver)")
    max_attempts: int = Field(8, ge=1, le=50)
    backoff_seconds: float = Field(5, gt=0, description="first retry delay; doubles each attempt")
    poll_seconds: float = Field(2, gt=0)
