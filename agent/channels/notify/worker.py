"""The outbox worker: lease due entries, deliver each to every channel once, retry with backoff.

Runs inside ``dsadmin serve`` (a thread) and as ``dsadmin notify run`` (once, for cron). Several
workers on one PostgreSQL never deliver an entry twice: ``policies.outbox.claim`` leases rows with
``FOR UPDATE SKIP LOCKED``, and a channel already delivered is recorded before the next is tried.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.channels.notify import deliver
from agent.channels.notify.messages import Notice, compose
from policies import outbox

log = logging.getLogger("dsadmin.notify")


@dataclass
class RunCounts:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def channels(config: Any, rt: Any = None) -> list[tuple[str, Callable[[Notice], None]]]:
    """Each configured channel as (stable key, send function)."""
    found: list[tuple[str, Callable[[Notice], None]]] = []
    if rt is not None:
        from agent.channels.slack.notices import outbox_channel

        slack = outbox_channel(rt)
        if slack is not None:
            found.append(("slack", slack))
    if config.notify.smtp is not None:
        smtp = config.notify.smtp
        found.append(("smtp", lambda notice: deliver.send_email(smtp, notice)))
    if config.notify.webhook is not None:
        hook = config.notify.webhook
        found.append(("webhook", lambda notice: deliver.send_webhook(hook, notice)))
    return found


def worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_once(rt: Any, worker: str | None = None, *, batch: int = 20) -> RunCounts:
    """Deliver every entry due now; returns what happened. Entries with no channel are closed sent."""
    worker = worker or worker_id()
    settings = rt.config.notify
    targets = channels(rt.config, rt)
    counts = RunCounts()
    rt.approvals.expire_due()  # expiry is announced by the transition itself
    while True:
        claimed = outbox.claim(rt.engine, worker, batch=batch)
        if not claimed:
            return counts
        for entry in claimed:
            error = _deliver(rt, entry, worker, targets)
            state = outbox.finish(
                rt.engine,
                entry,
                worker,
                error=error,
                max_attempts=settings.max_attempts,
                backoff_seconds=settings.backoff_seconds,
            )
            counts.sent += state == "sent"
            counts.retried += state == "retry"
            counts.failed += state == "failed"
            if error:
                log.warning("notification %s (%s) not delivered: %s", entry.id, entry.event, error)
        if len(claimed) < batch:
            return counts


def _deliver(rt: Any, entry: outbox.Claimed, worker: str, targets: list) -> str | None:
    view = rt.approvals.get(entry.approval_id)
    if view is None:
        return f"approval {entry.approval_id} is gone"
    notice = compose(entry.event, view, rt.config.people.approvers, rt.config.auth.public_url)
    for key, send in targets:
        if key in entry.delivered:
            continue
        try:
            send(notice)
        except Exception as exc:  # any channel failure is retried later; the others keep their state
            return f"{key}: {exc.__class__.__name__}: {exc}"
        outbox.mark_delivered(rt.engine, entry, worker, key)
    return None


def run_forever(rt: Any, stop: threading.Event) -> None:
    worker = worker_id()
    while not stop.is_set():
        try:
            run_once(rt, worker)
        except Exception:  # the store may be briefly down; try again next tick
            log.exception("the notification worker failed a round")
        stop.wait(rt.config.notify.poll_seconds)
