"""Who may read an approval request, and why a decision is refused, as data: every channel asks
``can_see``, so the HTTP API, the pages, Slack, MCP and the CLI show exactly the same requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agent.api.refusals import RefusalKind

if TYPE_CHECKING:
    from agent.api.values import Person
    from policies.call import Actor


# why the approval book refuses a decision -> the kind of refusal a channel maps (expired and
# not_pending: the request moved on, a conflict)
UNDECIDABLE: dict[str, RefusalKind] = {"not_found": "not_found", "self_approval": "forbidden",
                                        "wrong_role": "forbidden"}


# who may read an approval request, as data: each rule is (name, predicate on person and request)
VISIBILITY: tuple[tuple[str, Callable[[Any, Any], bool]], ...] = (
    ("requester", lambda person, view: view.requester == person.email),
    ("approver", lambda person, view: person.has(view.approver_role)),
    ("admin", lambda person, view: person.has("admin")),
)


def can_see(person: Actor | Person, view: Any) -> bool:
    """A request is visible to its requester, to the people holding the role that may approve it,
    and to admins (every channel asks this one function)."""
    return any(rule(person, view) for _name, rule in VISIBILITY)
