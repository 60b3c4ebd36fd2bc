"""The conversation layer, and the public Python API for embedding dsadmin (``agent.api``).

    from agent import Agent, Outcome

The names are loaded on first use (PEP 562), so ``import agent`` — which every ``dsadmin`` command
does — stays as cheap as it was before the API existed.
"""

from __future__ import annotations

from typing import Any

_API = ("Agent", "ApiError", "ApprovalRequest", "Change", "DecisionKind", "Outcome", "PendingConfirmation",
        "Person", "Receipt", "Refused", "Reply", "Session", "SetupFailed")

__all__ = list(_API)


def __getattr__(name: str) -> Any:
    if name in _API:
        from agent import api

        return getattr(api, name)
    raise AttributeError(f"module 'agent' has no attribute {name!r}")
