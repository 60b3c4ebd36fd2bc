"""The policy layer: who may do what, decided by code the model cannot argue with.

    from policies import load_policy, decide
    policy = load_policy()                      # the packaged default, or load_policy(path)
    decision = decide(policy, actor, call, state)

Approvals and confirmations (stored records bound to a call's hash) live in
``policies.approvals`` and ``policies.confirmations``; they import the store, so they are not
imported here.

Names load on first use, so importing one module of the layer (``policies.preview``) does not
load the engine and everything it imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit import lazy

_EXPORTS = {
    "DEFAULT_POLICY_PATH": "policies.engine",
    "Actor": "policies.call",
    "Allow": "policies.decision",
    "Decision": "policies.decision",
    "DecisionKind": "policies.decision",
    "Deny": "policies.decision",
    "NeedsApproval": "policies.decision",
    "NeedsConfirmation": "policies.decision",
    "Outcome": "policies.decision",
    "Policy": "policies.engine",
    "PolicyError": "policies.engine",
    "PolicyState": "policies.call",
    "ResolvedCall": "policies.call",
    "decide": "policies.engine",
    "load_policy": "policies.engine",
    "resolve_actor": "policies.call",
}
__all__ = [
    "DEFAULT_POLICY_PATH",
    "Actor",
    "Allow",
    "Decision",
    "DecisionKind",
    "Deny",
    "NeedsApproval",
    "NeedsConfirmation",
    "Outcome",
    "Policy",
    "PolicyError",
    "PolicyState",
    "ResolvedCall",
    "decide",
    "load_policy",
    "resolve_actor",
]

if TYPE_CHECKING:
    from policies.call import Actor, PolicyState, ResolvedCall, resolve_actor
    from policies.decision import (
        Allow,
        Decision,
        DecisionKind,
        Deny,
        NeedsApproval,
        NeedsConfirmation,
        Outcome,
    )
    from policies.engine import DEFAULT_POLICY_PATH, Policy, PolicyError, decide, load_policy

__getattr__ = lazy.exports(__name__, _EXPORTS)
