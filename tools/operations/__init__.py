"""One module per declared action, each mapping its operations onto the Admin API.

Every module has ``resolve(action, env) -> Target`` and ``plan(action, target, env) -> Plan``;
only ``tools.gate`` calls them, and only the gate runs a plan that writes (inside its permit).
"""

from __future__ import annotations

from types import ModuleType

from tools.operations import list_account, list_users, manage_account_membership, manage_user
from tools.operations._common import Env, OperationError, Outcome, Plan, Target

OPERATIONS: dict[str, ModuleType] = {
    "list_users": list_users,
    "manage_user": manage_user,
    "list_account": list_account,
    "manage_account_membership": manage_account_membership,
}

__all__ = ["OPERATIONS", "Env", "OperationError", "Outcome", "Plan", "Target"]
