"""The policy layer: who may do what, decided by code the model cannot argue with.

    from policies import load_policy, decide
    policy = load_policy()                      # the packaged default, or load_policy(path)
    decision = decide(policy, actor, call, state)

Approvals and confirmations (stored records bound to a call's hash) live in
``policies.approvals`` and ``policies.confirmations``; they import the store, so they are not
imported here.
"""

from __future__ import annotations

from policies.call import Actor, PolicyState, ResolvedCall, resolve_actor
from policies.decision import Allow, Decision, DecisionKind, Deny, NeedsApproval, NeedsConfirmation, Outcome
from policies.engine import DEFAULT_POLICY_PATH, Policy, PolicyError, decide, load_policy

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
