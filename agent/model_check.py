"""``config check``'s model step: does the configured Claude model exist, and does it take our settings?

Why ask the Models API: a retired or misspelt model name fails every request with a 404 that
says little; ``models.retrieve`` answers in one cheap call before anyone asks anything, and
``models.list`` names what to write instead (the newest Sonnet). The model's capabilities say
whether the configured effort level and thinking mode are accepted, so a 400 on every request
is caught here too. The offline and scripted backends need no model service.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import typer


def run_model_check(config: Any, out: Callable[[str], None] = typer.echo) -> bool:
    """Report on the configured model; True when requests to it can work (or no model is used)."""
    settings = config.model
    provider = settings.effective_provider()
    if provider != "anthropic":
        out(f"model: the {provider} backend (no model service to check)")
        return True
    if not os.environ.get("ANTHROPIC_API_KEY"):
        out("✗ model.provider is anthropic but ANTHROPIC_API_KEY is not set; export it, "
            "or set model.provider: offline")
        return False
    import anthropic

    from agent.backends.anthropic import make_client
    from agent.backends.anthropic_errors import backend_error
    from agent.backends.base import BackendError

    try:
        client = make_client(settings.base_url, timeout=15.0, max_retries=1)
        info = client.models.retrieve(settings.name)
    except BackendError as exc:
        out(f"✗ model: {exc}")
        return False
    except anthropic.AnthropicError as exc:
        out(f"✗ model: {backend_error(exc, model=settings.name, base_url=settings.base_url, client=client)}")
        return False
    if info.lifecycle == "retired":
        from agent.backends.anthropic_errors import missing_model_message

        out(f"✗ model: {missing_model_message(client, settings.name)}")
        return False
    out(f"✓ model {info.id} ({info.display_name}) is available to this API key")
    if info.lifecycle == "deprecated":
        out(f"  note: {info.id} is deprecated"
            + (f" and retires on {info.retires_at:%Y-%m-%d}" if info.retires_at else "")
            + "; plan a move to a newer model")
    return _capabilities_fit(settings, info, out)


def _capabilities_fit(settings: Any, info: Any, out: Callable[[str], None]) -> bool:
    """The configured effort and thinking against what the model says it accepts."""
    caps = getattr(info, "capabilities", None)
    if caps is None:
        return True
    ok = True
    if settings.effort:
        level = getattr(caps.effort, settings.effort, None) if caps.effort.supported else None
        if level is None or not level.supported:
            out(f"✗ model.effort {settings.effort!r} is not accepted by {info.id}; "
                + _levels(caps.effort))
            ok = False
    if settings.thinking != "model_default":
        mode = getattr(caps.thinking.types, settings.thinking, None)
        if mode is None or not mode.supported:
            out(f"✗ model.thinking {settings.thinking!r} is not accepted by {info.id}; "
                "use model_default")
            ok = False
    if ok:
        out(f"✓ effort {settings.effort or '(model default)'}, thinking {settings.thinking}")
    return ok


def _levels(effort: Any) -> str:
    if not effort.supported:
        return "it takes no effort setting: set model.effort: null"
    levels = [name for name in ("low", "medium", "high", "xhigh", "max")
              if getattr(effort, name, None) is not None and getattr(effort, name).supported]
    return f"use one of {', '.join(levels)}"
