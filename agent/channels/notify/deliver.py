"""The two ways a notice leaves: email over SMTP, and webhooks signed with HMAC-SHA256.

A webhook receiver checks ``X-Dsadmin-Signature: sha256=HEX`` where HEX is
HMAC-SHA256(secret, TIMESTAMP + "." + BODY) and TIMESTAMP is the ``X-Dsadmin-Timestamp`` header, so
a replayed or altered body fails. A delivery raises on any failure; the worker retries it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from email.message import EmailMessage

import httpx

from agent.channel_settings import SMTPSettings, WebhookSettings, secret_from_env
from agent.channels.notify.messages import Notice


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def send_email(settings: SMTPSettings, notice: Notice) -> None:
    if not notice.recipients:
        return
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(notice.recipients)
    message["Subject"] = notice.subject
    message["Message-ID"] = f"<{notice.approval_id}.{notice.event}@dsadmin>"
    message.set_content(notice.text)
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.username:
            smtp.login(
                settings.username, secret_from_env(settings.password_env, "notify.smtp.password_env") or ""
            )
        smtp.send_message(message)


def send_webhook(settings: WebhookSettings, notice: Notice, http: httpx.Client | None = None) -> None:
    secret = secret_from_env(settings.secret_env, "notify.webhook.secret_env") or ""
    body = json.dumps(notice.as_json(), separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Dsadmin-Timestamp": timestamp,
        "X-Dsadmin-Signature": sign(secret, timestamp, body),
        "X-Dsadmin-Delivery": f"{notice.approval_id}.{notice.event}",
    }
    client = http or httpx.Client(timeout=10)
    try:
        response = client.post(settings.url, content=body, headers=headers)
        response.raise_for_status()
    finally:
        if http is None:
            client.close()
