"""One logical request to DocuSign: pace, send, retry when safe, record, translate failures.

Why here and not in each operation: every request must obey the same rules (wait out an
exhausted rate-limit window, retry 429/5xx/connection failures within a budget, never resend a
write that could be duplicated, refuse a write outside the gate's permit, report a RequestRecord
for the audit log), and the operations should read as the API they call.

The resend rule, by what the failure tells about the request:

| failure                                          | read (GET)  | write (any other method)      |
|--------------------------------------------------|-------------|-------------------------------|
| 429, connection refused / connect or pool timeout| retried     | retried: DocuSign never saw it|
| 5xx, read timeout, connection reset after sending| retried     | ``OutcomeUnknown``, not resent|
| other 4xx                                        | raised      | raised (DocuSign refused it)  |

A write whose outcome is unknown is never resent here: only the caller knows what the write was
meant to achieve, so it reads the state back first (``tools.operations._common.Plan.run``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from tools.docusign import errors
from tools.docusign.guard import require_permit
from tools.docusign.retry import RateLimitWindow, RetryPolicy

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class RequestRecord:
    """What the audit log keeps about one logical request (retries included, no bodies, no tokens)."""

    method: str
    path_template: str
    status: int | None
    duration_ms: float
    retries: int
    request_id: str | None


OnRequest = Callable[[RequestRecord], None]

# Failures where the request certainly did not reach DocuSign's application: safe to resend anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Sender:
    def __init__(
        self,
        http: httpx.Client,
        policy: RetryPolicy,
        on_request: OnRequest | None = None,
        translate: Callable[[httpx.Response], errors.DocuSignError] | None = None,
        *,
        writes_need_permit: bool = True,
    ) -> None:
        """``writes_need_permit``: refuse every non-GET request outside ``guard.permit``. Only the
        OAuth token exchange turns it off: its POST asks the OAuth server for a token and changes
        nothing an administrator manages, and it must run before any permitted write can."""
        self._http = http
        self._writes_need_permit = writes_need_permit
        self._policy = policy
        self._on_request = on_request
        self._record_lock = threading.Lock()
        self._window = RateLimitWindow()
        self._translate = translate

    def send(
        self,
        method: str,
        template: str,
        path_params: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send until a final answer; return the 2xx response or raise a typed DocuSignError.

        ``idempotent`` (default: the method is GET) says whether a request DocuSign may have acted
        on can be sent again; otherwise such a failure raises ``errors.OutcomeUnknown``.
        """
        safe = method.upper() in SAFE_METHODS
        if not safe and self._writes_need_permit:
            require_permit(f"{method} {template}")
        resendable = safe if idempotent is None else idempotent
        policy = self._policy
        statuses = policy.read_retry_statuses if resendable else policy.retry_statuses
        url = template.format(**path_params) if path_params else template
        started = policy.clock()
        mono_start = time.perf_counter()
        retries = 0
        response: httpx.Response | None = None
        try:
            while True:
                self._wait_for_window()
                failure: Exception | None = None
                response = None
                try:
                    response = self._http.request(
                        method, url, params=params, json=json, data=data, files=files
                    )
                except httpx.TransportError as exc:
                    failure = exc
                else:
                    self._window.observe(response.headers, policy.clock())
                    if response.is_success:
                        return response
                    # a write's 5xx is neither retried nor a refusal: its outcome is unknown (below)
                    if response.status_code not in statuses and (resendable or response.status_code < 500):
                        raise self._error(response)
                if not resendable and not self._not_processed(response, failure):
                    raise self._unknown(method, url, response, failure, retries)
                attempt = retries + 1
                if attempt >= policy.max_attempts:
                    raise self._give_up(response, failure, f"after {attempt} attempt(s)")
                now = policy.clock()
                delay = policy.delay_for(attempt, response.headers if response is not None else None, now)
                if (now - started) + delay > policy.max_total:
                    why = f"retry budget of {policy.max_total:g}s spent (next wait {delay:.1f}s)"
                    raise self._give_up(response, failure, why)
                policy.sleep(delay)
                retries += 1
        finally:
            self._record(method, template, response, mono_start, retries)

    def _wait_for_window(self) -> None:
        policy = self._policy
        wait = self._window.wait_needed(policy.clock())
        if wait <= 0:
            return
        if wait > policy.max_rate_limit_wait:
            raise errors.RateLimited(
                None,
                "rate_limit_exhausted",
                f"DocuSign's rate-limit window is spent for another {wait:.0f}s "
                f"(more than the {policy.max_rate_limit_wait:g}s this client waits); try again later",
                retry_after=wait,
            )
        policy.sleep(wait)
        self._window.waited()

    @staticmethod
    def _not_processed(response: httpx.Response | None, failure: Exception | None) -> bool:
        """The failure proves DocuSign did not act: a 429 (refused before processing) or a request
        that never left (connection refused, connect or pool timeout)."""
        if response is not None:
            return response.status_code == 429
        return isinstance(failure, _NOT_SENT)

    def _unknown(
        self, method: str, url: str, response: httpx.Response | None, failure: Exception | None, retries: int
    ) -> errors.OutcomeUnknown:
        if response is not None:
            cause = str(self._error(response))
            status = response.status_code
        else:
            cause = f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__
            status = None
        earlier = f" (after {retries} attempt(s) DocuSign never received)" if retries else ""
        return errors.OutcomeUnknown(
            status,
            "write_outcome_unknown",
            f"{method} {url} may or may not have been applied: the answer was lost ({cause}){earlier}; "
            "it was not resent, so read the state back before trying again",
            errors.trace_token(response) if response is not None else None,
        )

    def _error(self, response: httpx.Response) -> errors.DocuSignError:
        if self._translate is not None:
            return self._translate(response)
        retry_after = None
        if response.status_code == 429:
            retry_after = self._policy.server_delay(response.headers, self._policy.clock())
        return errors.error_from_response(response, retry_after=retry_after)

    def _give_up(
        self, response: httpx.Response | None, failure: Exception | None, why: str
    ) -> errors.DocuSignError:
        if response is not None:
            error = self._error(response)
            error.message = f"{error.message} ({why})"
            error.args = (error._render(),)
            return error
        host = self._http.base_url.host or "DocuSign"
        return errors.ServiceUnavailable(
            None, "connection_failed", f"could not reach {host}: {type(failure).__name__}: {failure} ({why})"
        )

    def _record(
        self, method: str, template: str, response: httpx.Response | None, mono_start: float, retries: int
    ) -> None:
        if self._on_request is None:
            return
        record = RequestRecord(
            method=method,
            path_template=template,
            status=response.status_code if response is not None else None,
            duration_ms=round((time.perf_counter() - mono_start) * 1000, 2),
            retries=retries,
            request_id=errors.trace_token(response) if response is not None else None,
        )
        with self._record_lock:
            self._on_request(record)
