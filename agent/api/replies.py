"""``Reply``: what one request, confirmation or decision came to, built from the gate's typed results
(a conversation's reply, or one gate result) and never from the words of a reply."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agent.api.values import ApprovalRequest, Change, Receipt, changes
from policies.decision import Outcome

if TYPE_CHECKING:
    from tools.results import Result

SANDBOX_NOTE = "(Running against the dsadmin sandbox organization, not a real DocuSign account.)"


@dataclass(frozen=True)
class Reply:
    """What one request, confirmation or approval decision came to.

    ``outcome`` is decided from the gate's typed results (and the backend's typed question flag),
    never from ``text``. ``previews`` are the rows a pending confirmation would change (else those of
    a request sent to an approver, else those a dry run would change). ``results`` are the gate's own
    typed results, for a program that needs a field this summary leaves out."""

    outcome: Outcome
    text: str
    previews: tuple[Change, ...] = ()
    confirmation_token: str | None = None
    approval_ids: tuple[str, ...] = ()
    receipts: tuple[Receipt, ...] = ()
    session_id: str | None = None
    failed: bool = False  # the system failed (backend, store, DocuSign unreachable), not the request
    results: tuple[Result, ...] = field(default=(), repr=False)
    model_turns: int = 0  # the backend's turns this request took (0: a confirmation, a decision)
    tokens: int = 0  # the model tokens it cost, cache reads and writes included
    # the approval requests a "what's waiting for me?" reply listed (a channel adds its controls:
    # an approver's are theirs to decide, anyone else's are their own)
    waiting: tuple[ApprovalRequest, ...] = ()

    @property
    def is_error(self) -> bool:
        """The gate refused or failed the (first) call: a tool error for a client's model."""
        return any(getattr(r, "is_error", False) for r in self.results[:1])

    @property
    def approval_id(self) -> str | None:
        """The newest request this reply sent to an approver."""
        return self.approval_ids[-1] if self.approval_ids else None

    @property
    def confirmations(self) -> list[Any]:
        """The gate's ``ConfirmationNeeded`` results the pending token covers (its words, its preview)."""
        return [r for r in self.results if getattr(r, "kind", "") == "needs_confirmation"
                and getattr(r, "token", None) == self.confirmation_token]

    @property
    def system_failed(self) -> bool:
        """The system failed, not the request (the CLI exits 1)."""
        return self.failed or any(getattr(r, "system", False) for r in self.results)

    def as_json(self) -> dict[str, Any]:
        """The object ``dsadmin ask --json`` prints (the token is the person's own, so it is there)."""
        shape: dict[str, Any] = {
            "outcome": str(self.outcome),
            "reply": self.text,
            "approval_id": self.approval_id,
            "confirmation_token": self.confirmation_token,
            "calls": [{"action": r.action, "args": r.args, "decision": r.decision, "status": r.outcome}
                      for r in self.receipts],
        }
        if self.confirmation_token:
            shape["preview"] = [c.as_dict() for c in self.previews]
        return shape

    def decision_json(self) -> dict[str, Any]:
        """A confirmation's or approval's one result as ``dsadmin confirm --json`` and the HTTP API
        print it: ``{outcome, decision, result}`` (the token never included)."""
        first = self.results[0] if self.results else None
        return {"outcome": str(self.outcome),
                "decision": self.receipts[0].decision if self.receipts else None,
                "result": first.model_dump(mode="json", exclude={"token"}) if first is not None else None}


def approval_ids(results: Any) -> tuple[str, ...]:
    return tuple(r.approval_id for r in results if getattr(r, "kind", "") == "pending_approval")


def receipt_of(result: Result, args: dict[str, Any], line: Any) -> Receipt:
    from tools.results import decision_of, outcome_of

    return Receipt(result.action, result.operation, args, decision_of(result), outcome_of(result),
                   line(result.model_dump(mode="json")))


def from_conversation(reply: Any) -> Reply:
    """The conversation's reply as the public, frozen ``Reply``."""
    from agent.render import receipt_line

    results = tuple(reply.results)
    receipts = tuple(receipt_of(r, c.args, receipt_line) for r, c in zip(results, reply.calls, strict=False))
    if reply.confirmation_token:
        previews = tuple(row for r in reply.confirmations for row in changes(r.preview))
    else:
        waiting = [r for r in results if getattr(r, "kind", "") in ("pending_approval", "dry_run")]
        previews = tuple(row for r in waiting for row in changes(r.preview))
    return Reply(reply.outcome, reply.text, previews, reply.confirmation_token, approval_ids(results),
                 receipts, reply.session_id, reply.failed, results, reply.model_turns, reply.usage.total,
                 tuple(ApprovalRequest.from_view(v) for v in reply.waiting))


def decided(result: Result, args: dict[str, Any] | None = None, *, on_sandbox: bool = False) -> Reply:
    """One gate result (a call, a confirmation, a decision) as a reply, worded by its renderer."""
    from agent.render import receipt_line, result_text
    from tools.results import outcome_of

    text = result_text(result.model_dump(mode="json", exclude={"token"}))
    if on_sandbox:
        text += f"\n\n{SANDBOX_NOTE}"
    asks = getattr(result, "kind", "") == "needs_confirmation"
    token = getattr(result, "token", None) if asks else None
    return Reply(outcome_of(result), text, previews=changes(getattr(result, "preview", [])),
                 confirmation_token=token, approval_ids=approval_ids([result]),
                 receipts=(receipt_of(result, args or {}, receipt_line),), results=(result,))
