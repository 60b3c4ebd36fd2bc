"""The Messages and Models APIs' failures as sentences a person can act on.

Why a module of its own: the same failure reaches people from two places, a request (``ask``,
``chat``, the evals) and the set-up check (``config check``), and must read the same in both:
a model that does not exist names the models that do and the newest Sonnet; an overloaded or
rate-limited service says to wait (and that ``model.fallback: offline`` exists). Which failures
count as "Claude is unavailable" is a table, read by the fallback backend.
"""

from __future__ import annotations

from typing import Any

from agent.backends.base import BackendError

# error type (the API's body) or HTTP status -> the sentence for it; these are "unavailable".
UNAVAILABLE = {
    "overloaded_error": "Claude is overloaded right now (HTTP 529); wait a few minutes and ask again",
    "rate_limit_error": "the Anthropic API is rate limiting this API key (HTTP 429); wait a minute and "
    "ask again, or raise the key's rate limit in the Anthropic Console",
    "api_error": "the Anthropic API failed on its side (HTTP 5xx); ask again in a moment",
    "timeout_error": "the Anthropic API timed out; ask again in a moment",
    "connection": "cannot reach the Anthropic API at {where}; check the network (or model.base_url)",
}
STATUS_TYPES = {529: "overloaded_error", 429: "rate_limit_error", 500: "api_error", 502: "api_error",
                503: "api_error", 504: "timeout_error"}


class ModelUnavailable(BackendError):
    """Claude could not answer for a passing reason (overload, rate limit, network): worth a retry
    later, or an answer from the offline fallback now."""


def backend_error(exc: Exception, *, model: str, base_url: str | None, client: Any = None) -> BackendError:
    """The SDK exception ``exc`` as a BackendError worded for the person."""
    import anthropic

    where = base_url or "api.anthropic.com"
    if isinstance(exc, anthropic.APITimeoutError):  # a subclass of the connection error: test it first
        return ModelUnavailable(UNAVAILABLE["timeout_error"])
    if isinstance(exc, anthropic.APIConnectionError):
        return ModelUnavailable(UNAVAILABLE["connection"].format(where=where) + f" ({type(exc).__name__})")
    if not isinstance(exc, anthropic.APIStatusError):
        return BackendError(f"the Anthropic SDK failed: {type(exc).__name__}: {exc}")
    kind = error_type(exc)
    if kind in UNAVAILABLE:
        return ModelUnavailable(UNAVAILABLE[kind])
    if isinstance(exc, anthropic.AuthenticationError):
        return BackendError("the Anthropic API rejected ANTHROPIC_API_KEY (HTTP 401); check the key")
    if isinstance(exc, anthropic.PermissionDeniedError):
        return BackendError(f"this API key may not use the Messages API or model {model!r} (HTTP 403): "
                            f"{api_message(exc)}")
    if isinstance(exc, anthropic.NotFoundError):
        return BackendError(missing_model_message(client, model))
    return BackendError(f"the Messages API answered {exc.status_code}: {api_message(exc)}")


def error_type(exc: Any) -> str | None:
    """The API's error type from the body (``overloaded_error``...), else from the HTTP status."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error") if isinstance(body.get("error"), dict) else body
        if isinstance(error, dict) and isinstance(error.get("type"), str) and error["type"] != "error":
            return error["type"]
    return STATUS_TYPES.get(getattr(exc, "status_code", 0) or 0)


def api_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error") or {}
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:300]
    return str(getattr(exc, "message", exc))[:300]


# -- a model that does not exist -----------------------------------------------------------------


def missing_model_message(client: Any, model: str) -> str:
    """'model X does not exist' with the models this key can use and the newest Sonnet named."""
    head = f"model.name {model!r} is not a model this API key can use (retired, misspelt, or not enabled)"
    try:
        models = [m for m in client.models.list(limit=100) if m.lifecycle != "retired"] if client else []
    except Exception:  # the list is a courtesy; the sentence above stands without it
        models = []
    if not models:
        return f"{head}; see https://platform.claude.com/docs/en/about-claude/models for current names"
    sonnet = newest_sonnet(models)
    listed = ", ".join(m.id for m in models[:12])
    tail = f"; the newest Sonnet is {sonnet.id}: set model.name: {sonnet.id}" if sonnet else ""
    return f"{head}. Available: {listed}{tail}"


def newest_sonnet(models: list[Any]) -> Any:
    """The most recent active model of the Sonnet line (by the API's ``line`` field, never its id)."""
    sonnets = [m for m in models if getattr(m, "line", None) == "sonnet" and m.lifecycle == "active"]
    return max(sonnets, key=lambda m: m.created_at, default=None)
