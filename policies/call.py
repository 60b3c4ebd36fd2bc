"""The policy engine's input: who is asking, and the exact call after names became ids.

``ResolvedCall`` is what approvals and confirmations are bound to: its ``fingerprint`` hashes the
canonical JSON of the resolved call, so an approval granted for "John on EMEA as DocuSign Sender"
is void for any other user, account, profile or group set.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from policies.preview import Impact

ROLES = ("admin", "approver", "employee")


@dataclass(frozen=True, slots=True)
class Actor:
    """An authenticated person. ``roles`` come from configuration, never from conversation text."""

    email: str
    roles: frozenset[str]

    def has(self, role: str) -> bool:
        return role in self.roles


def resolve_actor(email: str, admins: list[str], approvers: list[str], employees: list[str]) -> Actor:
    """Place an email in roles; entries are emails or '@domain' patterns (see ``PeopleSettings``)."""
    email = email.strip().lower()
    domain = "@" + email.rsplit("@", 1)[-1]

    def listed(entries: list[str]) -> bool:
        return any(e == email or (e.startswith("@") and e == domain) for e in entries)

    roles = {role for role, entries in (("admin", admins), ("approver", approvers),
                                         ("employee", employees)) if listed(entries)}
    return Actor(email=email, roles=frozenset(roles))


@dataclass(frozen=True, slots=True)
class ResolvedCall:
    """A validated call with names resolved. ``args`` is the full canonical argument set."""

    action: str
    operation: str
    target_email: str | None = None
    account_ids: tuple[str, ...] = ()
    account_names: tuple[str, ...] = ()
    permission_profile: str | None = None
    groups: tuple[str, ...] = ()
    page_size: int | None = None
    args: dict[str, Any] = field(default_factory=dict)

    def canonical_json(self) -> str:
        body = {
            "action": self.action,
            "operation": self.operation,
            "target_email": self.target_email,
            "account_ids": sorted(self.account_ids),
            "permission_profile": self.permission_profile,
            "groups": sorted(g.lower() for g in self.groups),
            "args": self.args,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)

    def fingerprint(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PolicyState:
    """Facts the gate gathered before asking; ``decide`` itself does no I/O.

    ``confirmed``: a person confirmed this exact call through the channel.
    ``approved_by``: the approver who approved this exact call (never the requester).
    ``target_profiles``: the target's current permission profile per account name, if known.
    ``impact``: what the planned write changes (None before planning, and for reads): conditions
    and guards are judged on it.
    """

    confirmed: bool = False
    approved_by: str | None = None
    target_profiles: dict[str, str] = field(default_factory=dict)
    impact: Impact | None = None


@dataclass(frozen=True, slots=True)
class BatchCall:
    """Several calls one person confirms at once (a request over its write budget).

    Stored by the confirmation book like a ``ResolvedCall``: its JSON lists each call's action,
    arguments, fingerprint and preview; its fingerprint hashes the calls' fingerprints in order, so
    the one yes is bound to exactly these calls, and each is re-checked against its own fingerprint.
    """

    items: tuple[dict[str, Any], ...]
    action: str = "batch"
    operation: str = "confirm"
    target_email: str | None = None

    def canonical_json(self) -> str:
        return json.dumps({"action": self.action, "operation": self.operation, "batch": list(self.items)},
                          sort_keys=True, separators=(",", ":"), default=str)

    def fingerprint(self) -> str:
        joined = "|".join(str(i["fingerprint"]) for i in self.items)
        return hashlib.sha256(f"batch|{joined}".encode()).hexdigest()

