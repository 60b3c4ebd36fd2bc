"""DocuSign's bulk jobs from the client side: submit a user import, poll it, read its results; run
the user-list export and read its CSV.

Why functions over ``AdminClient`` and not more methods on it: the jobs are a separate family of
endpoints with their own life (submit once, poll, download), and everything that must hold for
every request (auth, pacing, retries, the audit record, the write permit) already lives in the
client's sender, which these functions use. An import is a write: submitting it needs the gate's
permit (``Gate.submit_bulk``), and a lost answer is never resent (the job may exist). Creating an
export changes nothing an administrator manages, but it is a POST, so the gate opens it too.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tools.docusign import errors
from tools.docusign.guard import require_permit

if TYPE_CHECKING:
    import httpx

    from tools.docusign.client import AdminClient

IMPORTS = "/v2/organizations/{organizationId}/imports/bulk_users"
IMPORT = IMPORTS + "/{importId}"
IMPORT_RESULTS = IMPORT + "/results_csv"
EXPORTS = "/v2/organizations/{organizationId}/exports/user_list"
EXPORT = EXPORTS + "/{exportId}"
KINDS = ("add", "update", "close")
DONE = frozenset({"completed", "failed", "canceled", "cancelled"})
RESULT_COLUMN = "ProcessingResults"
SUCCESS = frozenset(
    {"user_added", "user_updated", "user_closed", "no_action_taken_user_exists", "no_action_taken"}
)


@dataclass(frozen=True)
class JobStatus:
    """What a poll says: the job's state and how far it got (DocuSign's own counters)."""

    id: str
    status: str
    total: int
    processed: int
    raw: dict[str, Any]

    @property
    def done(self) -> bool:
        return self.status.lower() in DONE


def _send(client: AdminClient, method: str, template: str, ids: dict[str, str],
          **kwargs: Any) -> httpx.Response:
    return client._sender.send(method, template, ids, **kwargs)  # the client's own pipeline


def submit_import(client: AdminClient, organization_id: str, kind: str, csv_text: str) -> JobStatus:
    """POST .../imports/bulk_users/{add|update|close} with the CSV as multipart ``file.csv``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    require_permit(f"bulk {kind} import")
    files = {"file.csv": ("users.csv", csv_text.encode("utf-8"), "text/csv")}
    response = _send(client, "POST", IMPORTS + "/" + kind, {"organizationId": organization_id}, files=files)
    return _import_status(response.json())


def import_status(client: AdminClient, organization_id: str, import_id: str) -> JobStatus:
    response = _send(client, "GET", IMPORT, {"organizationId": organization_id, "importId": import_id})
    return _import_status(response.json())


def _import_status(body: dict[str, Any]) -> JobStatus:
    return _status(body, int(body.get("user_count") or 0), int(body.get("processed_user_count") or 0))


def _status(body: dict[str, Any], total: int, processed: int) -> JobStatus:
    return JobStatus(str(body.get("id") or ""), str(body.get("status") or "unknown"), total, processed, body)


def wait(
    poll: Callable[[], JobStatus],
    *,
    interval: float = 0.5,
    timeout: float = 3600.0,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[JobStatus], None] | None = None,
) -> JobStatus:
    """Poll until the job is done; ``progress`` sees every answer (a terminal draws a bar)."""
    waited = 0.0
    while True:
        status = poll()
        if progress is not None:
            progress(status)
        if status.done:
            return status
        if waited >= timeout:
            raise errors.DocuSignError(None, "timeout",
                                       f"job {status.id} still {status.status} after {timeout:.0f}s")
        sleep(interval)
        waited += interval


def import_results(client: AdminClient, organization_id: str, import_id: str) -> list[dict[str, str]]:
    """The results CSV: every submitted row with DocuSign's ``ProcessingResults`` for it."""
    response = _send(
        client,
        "GET",
        IMPORT_RESULTS,
        {"organizationId": organization_id, "importId": import_id},
    )
    return list(csv.DictReader(io.StringIO(response.text)))


def start_export(client: AdminClient, organization_id: str,
                 account_ids: list[str] | None = None) -> JobStatus:
    """POST .../exports/user_list (every membership of the organization, or of these accounts)."""
    require_permit("user-list export")
    body: dict[str, Any] = {"type": "organization_memberships_export"}
    if account_ids:
        body["accounts"] = [{"account_id": a} for a in account_ids]
    response = _send(client, "POST", EXPORTS, {"organizationId": organization_id}, json=body)
    return _export_status(response.json())


def export_status(client: AdminClient, organization_id: str, export_id: str) -> JobStatus:
    response = _send(client, "GET", EXPORT, {"organizationId": organization_id, "exportId": export_id})
    return _export_status(response.json())


def _export_status(body: dict[str, Any]) -> JobStatus:
    return _status(body, 100, int(body.get("percent_completed") or 0))  # progress in percent


def export_rows(client: AdminClient, status: JobStatus) -> list[dict[str, str]]:
    """The export's CSV rows, read from each ``results[].url`` with the client's credentials."""
    rows: list[dict[str, str]] = []
    for result in status.raw.get("results") or []:
        url = str(result.get("url") or "")
        base = client.admin_base_url
        path = url[len(base) :] if url.startswith(base) else url
        response = client._sender.send("GET", path)
        rows += list(csv.DictReader(io.StringIO(response.text)))
    return rows
