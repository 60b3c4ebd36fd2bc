"""Model backends behind one protocol (``base.Backend``): anthropic, offline, scripted.

    from agent.backends import make_backend
    backend = make_backend(config)                     # the configuration's provider
    backend = make_backend(config, "scripted", script="drill.yaml")

Each backend module is imported only when chosen, so the SDK loads only for ``anthropic``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.backends.base import Backend, BackendError, ModelTurn, OrgVocabulary, TurnContext, Usage

NAMES = ("offline", "anthropic", "scripted")


def make_backend(config: Any, name: str | None = None, *, script: str | Path | None = None) -> Backend:
    """The backend called ``name`` (default: ``config.model``'s effective provider)."""
    name = name or config.model.effective_provider()
    if name == "offline":
        from agent.backends.offline import OfflineBackend

        return OfflineBackend()
    if name == "scripted":
        from agent.backends.scripted import ScriptedBackend

        path = script or config.model.script
        if path is None:
            raise BackendError("the scripted backend needs a script: pass --script FILE or set model.script")
        return ScriptedBackend.from_file(path)
    if name == "anthropic":
        from agent.backends.anthropic import AnthropicBackend

        claude = AnthropicBackend.from_settings(config.model)
        if getattr(config.model, "fallback", "none") == "offline":
            from agent.backends.fallback import FallbackBackend
            from agent.backends.offline import OfflineBackend

            return FallbackBackend(claude, OfflineBackend())
        return claude
    raise BackendError(f"unknown backend {name!r}; use one of {', '.join(NAMES)}")


__all__ = [
    "NAMES",
    "Backend",
    "BackendError",
    "ModelTurn",
    "OrgVocabulary",
    "TurnContext",
    "Usage",
    "make_backend",
]
