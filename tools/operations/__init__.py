"""One module per declared action, each mapping its operations onto the Admin API.

Every module has ``resolve(action, env) -> Target`` and ``plan(action, target, env) -> Plan``;
only ``tools.gate`` calls them, and only the gate runs a plan that writes (inside its permit).
"""

from __future__ import annotations

from typing import Any, Protocol

from tools.operations import list_account, list_users, manage_account_membership, manage_user
from tools.operations._common import Env, OperationError, Outcome, Plan, Target


class Operation(Protocol):
    """An action's module, as the gate drives it: names to ids and the target read fresh, then the
    plan. The action is the module's own pydantic model (``tools.actions``), which ``parse_call``
    picked by the same name the module is listed under, hence ``Any`` here."""

    def resolve(self, action: Any, env: Env, /) -> Target: ...

    def plan(self, action: Any, target: Target, env: Env, /) -> Plan: ...


OPERATIONS: dict[str, Operation] = {
    "list_users": list_users,
    "manage_user": manage_user,
    "list_account": list_account,
    "manage_account_membership": manage_account_membership,
}

__all__ = ["OPERATIONS", "Env", "Operation", "OperationError", "Outcome", "Plan", "Target"]
