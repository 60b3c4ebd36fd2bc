"""The one chokepoint between a proposed call and DocuSign: validate, resolve, decide, execute, audit.

Why one class and a permit: the client's write methods refuse to run unless ``guard.permit`` is
in force, and this package is the only product code that opens one (a test walks the repository
to keep it so). Everything a model proposes therefore crosses ``Gate.submit``; confirmations and
approvals re-enter through the same path with the stored call, which is re-validated,
re-resolved and must hash to what the person confirmed or the approver approved, so a changed
call cannot ride on an old consent.

Steps, each leaving an audit event: model_proposal -> validation_error | (resolve) -> decision ->
confirmation_issued | approval_requested | (execute: docusign_request per request) ->
action_result | error. Anything unexpected (unknown action, store error, policy error) ends in a
refusal or an error result: the gate fails closed.

The parts, one job each, assembled into ``Gate`` below:
``_context`` (what a call carries; DocuSign requests attributed to it), ``_pipeline`` (one call's
steps and the write permit), ``_consent`` (confirm, approve, deny, hold, recover: re-submission),
``_jobs`` (bulk rows and import jobs), ``_outcomes`` (how a call ends and what that records),
``_results`` (what the person is told).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from policies.call import Actor
from policies.serial import AccountLocks
from tools.gate._consent import _Resubmission
from tools.gate._context import _Consent, request_auditor
from tools.gate._jobs import _Jobs
from tools.ports import Approvals, AuditTrail, Confirmations

if TYPE_CHECKING:  # annotations only
    from policies.engine import Policy
    from tools.docusign.cache import DirectoryCache
    from tools.docusign.client import AdminClient
    from tools.docusign.resolvers import Directory


class Gate(_Resubmission, _Jobs):
    """Submit proposed calls; confirm, approve or deny what they left pending."""

    def __init__(self, client: AdminClient, policy: Policy, audit: AuditTrail, approvals: Approvals,
                 confirmations: Confirmations, *,
                 organization_id: str | None = None, clock: Callable[[], datetime] | None = None,
                 actors: Callable[[str], Actor] | None = None) -> None:
        self.client = client
        self.policy = policy
        self.audit = audit
        self.approvals = approvals
        self.confirmations = confirmations
        self._clock = clock or (lambda: datetime.now(UTC))
        self._org_id = organization_id  # None: the only organization the identity administers
        self._directory: Directory | None = None
        self.directory_cache: DirectoryCache | None = None  # store-backed, shared between processes
        self._lock = threading.Lock()
        # the requester of an approval is re-judged with their roles; without a lookup, as an employee
        self._actors = actors or (lambda email: Actor(email=email, roles=frozenset({"employee"})))
        self._locks = AccountLocks(getattr(audit, "engine", None))
        self._issued: dict[tuple[str, str], tuple[str, datetime]] = {}  # live tokens, reused per call
        # bulk files named in a conversation (tools.operations.bulk_request): read only from this folder
        # (None: the working directory); imports submitted but not yet followed are remembered in
        # bulk_state so asking again follows them; jobs are polled every job_interval seconds
        self.bulk_files: Path | None = None
        self.bulk_state: Path | None = None
        self.job_sleep: Callable[[float], None] = time.sleep
        self.job_interval = 0.5
        self.job_timeout = 600.0


__all__ = ["Gate", "_Consent", "request_auditor"]
