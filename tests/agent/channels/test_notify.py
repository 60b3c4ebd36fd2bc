"""Notifications: written with the change they announce, delivered once by email and signed webhook,
retried after a failure without repeating what already went out, and never twice across workers."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from agent.channel_settings import SMTPSettings, WebhookSettings
from agent.channels.notify.worker import run_once
from agent.config import embedded_default
from agent.runtime import build_runtime
from policies import outbox
from policies.call import Actor, ResolvedCall

SAM = Actor("sam.lee@acme.com", frozenset({"employee"}))
APPROVER = Actor("approver@acme.com", frozenset({"approver"}))


class Inbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append((tuple(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"


class Receiver(ThreadingHTTPServer):
    """A loopback webhook receiver: records each delivery; ``fail`` answers 500 that many times."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.fail = 0
        super().__init__(("127.0.0.1", 0), _Hook)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.server.fail > 0:
            self.server.fail -= 1
            self.send_response(500)
        else:
            self.server.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def smtp():
    import socket

    with socket.socket() as probe:  # aiosmtpd's start() connects to its port, so it needs a real one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    inbox.port = port
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def receiver(monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    server = Receiver()
    yield server
    server.shutdown()


def _config(smtp=None, receiver=None):
    config = embedded_default()
    if smtp is not None:
        config.notify.smtp = SMTPSettings(host="127.0.0.1", port=smtp.port, sender="dsadmin@acme.com")
    if receiver is not None:
        config.notify.webhook = WebhookSettings(url=receiver.url, secret_env="HOOK_SECRET")
    config.notify.backoff_seconds = 0.05
    return config


def _seat(account: str = "EMEA", email: str = SAM.email) -> ResolvedCall:
    args = {
        "operation": "provision",
        "email": email,
        "account": account,
        "permission_profile": "DocuSign Viewer",
    }
    return ResolvedCall(
        "manage_user", "provision", email, (account,), (account,), "DocuSign Viewer", args=args
    )


def _request(rt, account: str = "EMEA"):
    return rt.approvals.request(
        SAM, _seat(account), f"give {SAM.email} a seat on {account}", "approver", 3600
    )


def test_approvers_hear_of_a_request_and_the_requester_of_each_outcome_once(tmp_path, smtp):
    rt = build_runtime(_config(smtp=smtp), store_url=f"sqlite:///{tmp_path / 's.db'}")
    try:
        view = _request(rt)
        assert run_once(rt).sent == 1
        [(to, text)] = smtp.messages
        assert to == ("approver@acme.com",) and view.id in text and "sam.lee@acme.com asks" in text
        rt.approvals.deny(view.id, APPROVER, "not this quarter")
        assert run_once(rt).sent == 1 and run_once(rt).sent == 0
        assert smtp.messages[1][0] == ("sam.lee@acme.com",)
        assert "denied" in smtp.messages[1][1] and "not this quarter" in smtp.messages[1][1]
        assert len(smtp.messages) == 2
    finally:
        rt.close()


def test_an_email_links_to_the_inbox_at_the_service_s_public_address(tmp_path, smtp):
    config = _config(smtp=smtp)
    config.auth.public_url = "https://dsadmin.acme.com/"
    rt = build_runtime(config, store_url=f"sqlite:///{tmp_path / 's.db'}")
    try:
        _request(rt)
        assert run_once(rt).sent == 1
        [(_to, raw)] = smtp.messages
        text = email.message_from_string(raw).get_payload(decode=True).decode()
        assert "in the inbox (https://dsadmin.acme.com/inbox)" in text  # a link that opens, not a bare path
    finally:
        rt.close()


def test_an_approved_request_tells_of_approval_and_execution(tmp_path, smtp):
    rt = build_runtime(_config(smtp=smtp), store_url=f"sqlite:///{tmp_path / 's.db'}")
    try:
        from agent.channels import service

        reply = service.ask(rt, SAM, "Please give me a DocuSign Viewer seat on EMEA")
        rt.gate.approve(APPROVER, reply.approval_id)
        run_once(rt)
        subjects = [
            " ".join(email.message_from_string(text)["Subject"].split()) for _to, text in smtp.messages
        ]
        assert subjects[1:] == [
            f"dsadmin: your request {reply.approval_id} was approved",
            f"dsadmin: your request {reply.approval_id} is done",
        ]
        assert [e.event for e in outbox.entries(rt.engine)] == ["requested", "approved", "executed"]
    finally:
        rt.close()


def test_expiry_is_announced_to_the_requester(tmp_path, smtp):
    rt = build_runtime(_config(smtp=smtp), store_url=f"sqlite:///{tmp_path / 's.db'}")
    try:
        view = rt.approvals.request(SAM, _seat(), "a seat", "approver", 1)
        time.sleep(1.1)
        run_once(rt)
        assert rt.approvals.get(view.id).status == "expired"
        assert ("sam.lee@acme.com",) in [to for to, _ in smtp.messages]
        assert [e.event for e in outbox.entries(rt.engine)] == ["requested", "expired"]
    finally:
        rt.close()


def test_the_notice_commits_with_the_request_or_not_at_all(tmp_path, monkeypatch):
    import policies.approvals as approvals

    rt = build_runtime(embedded_default(), store_url=f"sqlite:///{tmp_path / 's.db'}")
    try:

        def broken(conn, status, approval_id):
            raise RuntimeError("outbox down")

        monkeypatch.setattr(approvals, "announce", broken)
        with pytest.raises(RuntimeError):
            _request(rt)
        assert rt.approvals.list() == [] and outbox.entries(rt.engine) == []
    finally:
        rt.close()


def test_webhooks_are_signed_and_retried_without_resending_email(tmp_path, smtp, receiver):
    rt = build_runtime(_config(smtp=smtp, receiver=receiver), store_url=f"sqlite:///{tmp_path / 's.db'}")
    try:
        view = _request(rt)
        receiver.fail = 1
        first = run_once(rt)
        assert (first.sent, first.retried) == (0, 1) and len(smtp.messages) == 1 and receiver.received == []
        time.sleep(0.1)
        assert run_once(rt).sent == 1
        assert len(smtp.messages) == 1  # the email went out once, before the webhook failed
        [(headers, body)] = receiver.received
        expected = hmac.new(b"s3cret", headers["x-dsadmin-timestamp"].encode() + b"." + body, hashlib.sha256)
        assert headers["x-dsadmin-signature"] == "sha256=" + expected.hexdigest()
        assert json.loads(body)["approval_id"] == view.id and json.loads(body)["event"] == "requested"
    finally:
        rt.close()


def test_a_channel_that_keeps_failing_is_given_up_after_max_attempts(tmp_path, receiver):
    config = _config(receiver=receiver)
    config.notify.max_attempts = 2
    rt = build_runtime(config, store_url=f"sqlite:///{tmp_path / 's.db'}")
    try:
        _request(rt)
        receiver.fail = 10
        run_once(rt)
        time.sleep(0.1)
        assert run_once(rt).failed == 1
        [entry] = outbox.entries(rt.engine)
        assert entry.status == "failed" and "500" in entry.last_error
    finally:
        rt.close()


def test_two_workers_on_postgresql_deliver_each_notice_exactly_once(postgres_engine, receiver):
    config = _config(receiver=receiver)
    first = build_runtime(config, engine=postgres_engine)
    second = build_runtime(config, engine=postgres_engine)
    try:
        ids = {_request(first, f"Account {n}").id for n in range(30)}
        barrier = threading.Barrier(2)

        def work(rt):
            barrier.wait()
            return run_once(rt, batch=3).sent

        results: list[int] = []
        threads = [threading.Thread(target=lambda rt=rt: results.append(work(rt))) for rt in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        deliveries = [h["x-dsadmin-delivery"] for h, _ in receiver.received]
        assert sorted(deliveries) == sorted(f"{i}.requested" for i in ids)
        assert sum(results) == 30
    finally:
        first.close()
        second.close()
