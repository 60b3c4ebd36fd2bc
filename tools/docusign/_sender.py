"""One logical request to DocuSign: pace, send, retry when safe, record, translate failures.

Why here and not in each operation: every request must obey the same rules (wait out an
exhausted rate-limit window, retry 429/5xx/connection failures within a budget, never resend a
write that could be duplicated, report a RequestRecord for the audit log), and the operations
should read as the API they call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from tools.docusign import errors
from tools.docusign.retry import RateLimitWindow, RetryPolicy

# How a failed attempt may be resent:
#   True     - resending cannot change the outcome (reads, absolute updates)
#   callable - ask first; it returns True when a resend cannot duplicate what may have happened
#   False    - never after DocuSign may have acted (only "not processed" failures are retried)
Resend = bool | Callable[[], bool]


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
    ) -> None:
        self._http = http
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
        resend: Resend = True,
    ) -> httpx.Response:
        """Send until a final answer; return the 2xx response or raise a typed DocuSignError."""
        policy = self._policy
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
                    response = self._http.request(method, url, params=params, json=json, data=data)
                except httpx.TransportError as exc:
                    failure = exc
                else:
                    self._window.observe(response.headers, policy.clock())
                    if response.is_success:
                        return response
                    if response.status_code not in policy.retry_statuses:
                        raise self._error(response)
                attempt = retries + 1
                if attempt >= policy.max_attempts:
                    raise self._give_up(response, failure, f"after {attempt} attempt(s)")
                if not self._may_resend(response, failure, resend):
                    why = "not retried: DocuSign may have applied it and a resend could duplicate it"
                    raise self._give_up(response, failure, why)
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
    def _may_resend(response: httpx.Response | None, failure: Exception | None, resend: Resend) -> bool:
        if response is not None and response.status_code == 429:
            return True  # rate limiting refuses before processing
        if isinstance(failure, _NOT_SENT):
            return True
        if resend is True or resend is False:
            return resend
        try:
            return bool(resend())
        except errors.DocuSignError:
            return False  # cannot tell whether the first attempt took effect: do not risk a duplicate

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
