"""A loopback fake of the Slack Web API: records every call and answers the few methods the app uses.

Used by the tests and by `dsadmin eval --channel slack`, which drives scenarios through the Slack app.

slack_sdk's ``WebClient(base_url=...)`` talks to it over real HTTP, so the app under test runs its
real client code; the test reads ``calls`` to see exactly what Slack would have been asked to do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode


class FakeSlack:
    def __init__(self, people: dict[str, str | None]) -> None:
        """``people``: Slack user id -> email (None: a profile without a visible email)."""
        self.people = dict(people)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._ts = 1000
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw).items()}
                for key in ("blocks", "view"):
                    if isinstance(params.get(key), str):
                        params[key] = json.loads(params[key])
                body = json.dumps(fake.answer(self.path.rsplit("/", 1)[-1], params)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.calls.append((method, params))
            self._ts += 1
            ts = f"{self._ts}.000100"
        if method == "users.info":
            email = self.people.get(str(params.get("user")))
            profile = {"email": email} if email else {}
            return {"ok": True, "user": {"id": params.get("user"), "profile": profile}}
        if method == "users.lookupByEmail":
            found = [uid for uid, email in self.people.items() if email == params.get("email")]
            if not found:
                return {"ok": False, "error": "users_not_found"}
            return {"ok": True, "user": {"id": found[0]}}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": ts}
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT"}
        return {"ok": True, "ts": ts}

    def sent(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SlackDriver:
    """Plays Slack's side of /slack/events: signed events, button presses and modal submissions."""

    def __init__(self, http: Any, secret: str) -> None:
        self.http = http  # a Starlette TestClient (or any client with .post) on the app
        self.secret = secret
        self._events = 0

    def post(self, body: str, content_type: str, *, secret: str | None = None, age: int = 0,
             headers: dict[str, str] | None = None) -> Any:
        ts = str(int(time.time()) - age)
        key = (secret or self.secret).encode()
        signature = "v0=" + hmac.new(key, f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        sent = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature, "Content-Type": content_type,
                **(headers or {})}
        return self.http.post("/slack/events", content=body, headers=sent)

    def dm(self, user_id: str, text: str, *, event_id: str | None = None,
           headers: dict[str, str] | None = None) -> Any:
        self._events += 1
        event = {"type": "message", "channel_type": "im", "channel": f"D{user_id}", "user": user_id,
                 "text": text, "ts": f"{self._events}.0001", "team": "T1"}
        body = {"type": "event_callback", "team_id": "T1", "event_id": event_id or f"Ev{self._events}",
                "event": event}
        return self.post(json.dumps(body), "application/json", headers=headers)

    def press(self, user_id: str, action_id: str, value: str, message: dict[str, Any], channel: str) -> Any:
        payload = {"type": "block_actions", "user": {"id": user_id}, "team": {"id": "T1"},
                   "trigger_id": "trig-1", "channel": {"id": channel},
                   "message": {"ts": message["ts"], "thread_ts": message.get("thread_ts")},
                   "actions": [{"action_id": action_id, "value": value, "type": "button"}]}
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def submit(self, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> Any:
        payload = {"type": "view_submission", "user": {"id": user_id}, "team": {"id": "T1"},
                   "view": {**view, "id": "V1", "state": {"values": values}}}
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def action_in(message: dict[str, Any], action_id: str) -> dict[str, Any] | None:
    """The button ``action_id`` in a posted message's blocks, if it has one."""
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return element
    return None
