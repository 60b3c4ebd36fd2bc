"""``bulk_users``: a CSV named in a conversation, taken through the same steps as ``dsadmin bulk``.

Why the gate hands this call here instead of running it like a single write: a file is many
calls. Its rows are read, resolved and judged one by one by the rules a single call meets
(``tools.operations.bulk``); any invalid or refused row stops the whole file unless the person
asked to skip such rows; rows the policy sends to an approver become one approval request listing
every row's change; the rest need the person's yes on the counts and previews, and only then does
the gate submit ONE DocuSign import job (inside its write permit), follow it and read its results
back per row. The yes is bound to the job's exact CSV: confirming re-reads the file and re-judges
every row against DocuSign as it is then, and a different CSV voids the yes.

An import that was submitted but not followed to its end (the process stopped, the poll timed out)
is remembered under ``Gate.bulk_state`` by the file's content, so asking again follows that import
instead of sending the file twice.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policies.call import Actor, BatchCall
from policies.decision import NeedsApproval
from tools.actions import BulkUsers, ToolCall
from tools.docusign import bulk as jobs
from tools.docusign import errors
from tools.operations import bulk
from tools.operations._common import OperationError
from tools.operations.bulk_files import read_bulk_file
from tools.results import ConfirmationNeeded, DryRun, Ok, PendingApproval, Result

if TYPE_CHECKING:  # annotations only: the gate imports this module
    from tools.gate import Gate, _Consent

MAX_LINES_SHOWN = 25
LABELS = {"allow": "ready", "needs_confirmation": "ready", "needs_approval": "needs an approver",
          "deny": "refused by policy", "invalid": "invalid", "unchanged": "unchanged"}  # fmt: skip


def handle(gate: Gate, actor: Actor, call: ToolCall, action: BulkUsers, session_id: str | None,
           consent: _Consent) -> Result:
    """The whole bulk request: judged, then asked for (confirmation, approval) or, once confirmed, run."""
    ids = {"call_id": call.id, "action": call.action, "operation": action.operation}
    kind, name = action.operation, action.file
    try:
        _path, text = read_bulk_file(name, Path(gate.bulk_files or Path.cwd()))
        rows = bulk.read_csv(text, kind)
    except bulk.BulkFileError as exc:
        unusable = OperationError(f"{name}: {exc.message}; nothing was sent", fix=exc.fix)
        return gate._failed(actor, session_id, call, "resolve", unusable, ids, consent)
    except OperationError as exc:
        return gate._failed(actor, session_id, call, "resolve", exc, ids, consent)
    marker = _marker(gate, kind, text)
    earlier = _read_marker(marker)
    if earlier and not consent.dry_run:  # submitted before and never followed to its end: follow it
        return _follow(gate, actor, call, ids, kind, name, rows, earlier, marker, session_id, consent,
                       resumed=True)  # fmt: skip
    try:
        bulk.judge(gate, actor, kind, rows)
    except errors.DocuSignError as exc:
        return gate._failed(actor, session_id, call, "resolve", exc, ids, consent)
    bad = [r for r in rows if r.decision in ("invalid", "deny")]
    if bad and not action.skip_invalid:
        return gate._failed(actor, session_id, call, "resolve", OperationError(
            f"{len(bad)} of {len(rows)} line(s) in {name} need fixing; nothing was sent",
            fix=_problems(bad)), ids, consent)
    sendable = [r for r in rows if r.sendable]
    csv_text = bulk.job_csv(kind, rows) if sendable else ""
    digest = hashlib.sha256(f"{kind}\n{csv_text}".encode()).hexdigest()
    preview = [p for r in sendable for p in r.preview]
    waiting = [r for r in rows if r.decision == "needs_approval"]
    tally = _tally(rows)
    if consent.fingerprint is not None and (digest != consent.fingerprint or not sendable):
        return gate._failed(actor, session_id, call, consent.origin, OperationError(
            f"{name} or the users it names changed since you confirmed (the import would now differ); "
            "it is void and nothing was sent", fix="ask again to see the rows as they are now"),
            ids, consent)  # fmt: skip
    if consent.dry_run:
        return DryRun(**ids, summary=f"Would {kind} {len(sendable)} user(s) from {name} in one DocuSign "
                      f"import job ({tally}) (dry run: nothing was changed).",
                      decision="needs_confirmation" if sendable else "needs_approval" if waiting else "allow",
                      preview=preview, fingerprint=digest)  # fmt: skip
    # the approver's rows wait in one request (asked once: the same rows again find the same request)
    approval = _ask_approval(gate, actor, kind, name, waiting, session_id) if waiting else None
    if consent.fingerprint is not None:  # the person's yes, for this exact job: send it
        return _submit(gate, actor, call, ids, kind, name, rows, csv_text, marker, session_id, consent)
    if not sendable:
        if approval is not None:
            request, role = approval
            return PendingApproval(**ids, summary=f"Request {request} to {kind} {len(waiting)} user(s) from "
                                   f"{name} is waiting for an {role}'s approval; nothing has changed yet "
                                   f"({tally}).", approval_id=request, approver_role=role,
                                   preview=[p for r in waiting for p in r.preview])  # fmt: skip
        return Ok(**ids, summary=f"Nothing to send from {name}: {tally}.", data={"rows": _rows(rows)})
    items: tuple[dict[str, Any], ...] = tuple(
        {"action": r.call.action, "args": r.call.args, "fingerprint": r.fingerprint, "preview": r.preview}
        for r in sendable if r.call is not None)  # fmt: skip
    items += ({"kind": kind, "file": name, "skip_invalid": action.skip_invalid, "fingerprint": digest,
               "csv_sha256": hashlib.sha256(csv_text.encode()).hexdigest()},)  # fmt: skip
    what = f"{kind} {len(sendable)} user(s) from {name} as one DocuSign import job"
    token, expires_at = gate.confirmations.issue(actor, BatchCall(items), what, session_id=session_id,
                                                 preview=preview)
    waits = f"; request {approval[0]} holds the rows that need an approver" if approval else ""
    return ConfirmationNeeded(**ids, summary=f"This will {what} ({tally}{waits}). Confirm to go ahead.",
                              token=token, expires_at=expires_at.isoformat(), preview=preview,
                              why="a bulk import always shows its rows and asks first")  # fmt: skip


def _submit(gate: Gate, actor: Actor, call: ToolCall, ids: dict[str, str], kind: str, name: str,
            rows: list[bulk.Row], csv_text: str, marker: Path | None, session_id: str | None,
            consent: _Consent) -> Result:
    try:
        status = gate.submit_job(actor, kind, csv_text, session_id=session_id)
    except errors.OutcomeUnknown as exc:
        return gate._failed(actor, session_id, call, "execute", OperationError(
            f"DocuSign may or may not have received the import of {name} ({exc})",
            fix="look for the import in DocuSign's admin (or ask which users changed today) before "
                "asking again"), ids, consent)  # fmt: skip
    except (errors.DocuSignError, OperationError) as exc:
        return gate._failed(actor, session_id, call, "execute", exc, ids, consent)
    if marker is not None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps({"import_id": status.id, "kind": kind, "file": name}))
    return _follow(gate, actor, call, ids, kind, name, rows, status.id, marker, session_id, consent)


def _follow(gate: Gate, actor: Actor, call: ToolCall, ids: dict[str, str], kind: str, name: str,
            rows: list[bulk.Row], import_id: str, marker: Path | None, session_id: str | None,
            consent: _Consent, *, resumed: bool = False) -> Result:
    """Poll the import to its end, read its results per row, audit them, report."""
    org = gate.organization_id
    try:
        final = jobs.wait(lambda: jobs.import_status(gate.client, org, import_id),
                          interval=gate.job_interval, timeout=gate.job_timeout, sleep=gate.job_sleep)
        results = jobs.import_results(gate.client, org, import_id)
    except errors.NotFound:
        if marker is not None:
            marker.unlink(missing_ok=True)
        return gate._failed(actor, session_id, call, "execute", OperationError(
            f"import {import_id} of {name} is unknown to DocuSign", fix="ask which users changed today "
            "before asking for the import again"), ids, consent)  # fmt: skip
    except errors.DocuSignError as exc:
        return gate._failed(actor, session_id, call, "execute", OperationError(
            f"import {import_id} of {name} was submitted but could not be followed to its end ({exc})",
            fix=f"ask again to {kind} the users in {name}: it follows this import, never sends it twice"),
            ids, consent)  # fmt: skip
    sent = [r for r in rows if r.sendable] if not resumed else _from_results(rows, results)
    bulk.read_outcomes(sent, results)
    gate.record_bulk(actor, {"outcome": final.status, "kind": kind, "import_id": import_id, "file": name,
                             "rows": [{"line": r.line, "email": r.email, "account": r.account_name,
                                       "result": r.outcome} for r in sent]},
                     session_id=session_id)  # fmt: skip
    if marker is not None:
        marker.unlink(missing_ok=True)
    refused = [r for r in sent if not bulk.succeeded(r)]
    summary = (f"{'Followed the earlier import' if resumed else 'Import'} {import_id} of {name} "
               f"{final.status}: {bulk.outcome_tally(sent)}")  # fmt: skip
    if refused:
        summary += "; refused by DocuSign: " + "; ".join(
            f"line {r.line} {r.email}: {r.outcome}" for r in refused[:MAX_LINES_SHOWN])
    return Ok(**ids, summary=summary + ".", changed=any(bulk.changed(r) for r in sent),
              data={"import_id": import_id, "status": final.status, "rows": _rows(sent)},
              preview=[p for r in sent for p in r.preview])  # fmt: skip


def _from_results(rows: list[bulk.Row], results: list[dict[str, str]]) -> list[bulk.Row]:
    """Resuming: the rows the earlier job carried, matched by email and account id (not re-judged)."""
    by_key: dict[tuple[str, str], bulk.Row] = {}
    for r in rows:
        r.email = r.values.get("UserEmail", "")
        by_key.setdefault((r.email.lower(), r.values.get("AccountID", "").lower()), r)
    sent = []
    for i, res in enumerate(results):
        key = ((res.get("UserEmail") or "").lower(), (res.get("AccountID") or "").lower())
        row = by_key.get(key) or bulk.Row(line=0, values={})
        row.email, row.account_id = res.get("UserEmail") or "", res.get("AccountID") or ""
        row.account_name = row.account_name or row.account_id
        row.line = row.line or i + 2
        row.decision = "allow"
        sent.append(row)
    return sent


def _ask_approval(gate: Gate, actor: Actor, kind: str, name: str, rows: list[bulk.Row],
                  session_id: str | None) -> tuple[str, str]:
    """ONE approval request listing every row's change (the same request again is not repeated)."""
    verdict = rows[0].verdict
    if not isinstance(verdict, NeedsApproval):  # only rows the policy sent to an approver come here
        raise OperationError(f"line {rows[0].line} of {name} does not need an approver", fix="ask again")
    items = tuple({"action": r.call.action, "args": r.call.args, "fingerprint": r.fingerprint,
                   "preview": r.preview} for r in rows if r.call is not None)  # fmt: skip
    batch = BatchCall(items)
    same = gate.approvals.pending_for(actor.email, batch.fingerprint())
    if same:
        return same[0].id, verdict.approver_role
    request = gate.approvals.request(actor, batch, f"{kind} {len(rows)} user(s) from {name}",
                                     verdict.approver_role, verdict.ttl_seconds, session_id=session_id,
                                     preview=[p for r in rows for p in r.preview])  # fmt: skip
    return request.id, verdict.approver_role


def _marker(gate: Gate, kind: str, text: str) -> Path | None:
    state = getattr(gate, "bulk_state", None)
    if state is None:
        return None
    digest = hashlib.sha256(f"{kind}\n{text}".encode()).hexdigest()
    return Path(state) / f"chat-{digest[:32]}.json"


def _read_marker(path: Path | None) -> str | None:
    try:
        return str(json.loads(path.read_text())["import_id"]) if path is not None else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _tally(rows: list[bulk.Row]) -> str:
    counts = Counter(LABELS.get(r.decision, r.decision) for r in rows)
    return f"{len(rows)} row(s): " + ", ".join(f"{n} {label}" for label, n in counts.items())


def _problems(bad: list[bulk.Row]) -> str:
    lines = [f"line {r.line}: {r.problem}" + (f" (fix: {r.fix})" if r.fix else "") for r in bad]
    more = f"; and {len(lines) - MAX_LINES_SHOWN} more" if len(lines) > MAX_LINES_SHOWN else ""
    return "; ".join(lines[:MAX_LINES_SHOWN]) + more + \
        "; correct the file and ask again (or ask to skip the invalid lines)"


def _rows(rows: list[bulk.Row]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.as_dict().items() if k != "preview"} for r in rows]

