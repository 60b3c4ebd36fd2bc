"""A local fake of the Anthropic Messages API, on loopback HTTP, fed scripted turns.

Why a real HTTP server rather than a mocked client: the ``anthropic`` SDK itself is under test
(request shape, headers, response parsing), pointed at this server through ``base_url``. The fake
checks what the real API checks and a conversation loop can get wrong: a key header, alternating
roles, every ``tool_use`` answered by a ``tool_result`` in the very next user message and no
stray results. It answers in the wire format (content blocks, ``stop_reason``, ``usage`` with the
cache fields, counting the ``cache_control`` prefix as created once and read afterwards).

    with FakeMessagesAPI([tool_turn(("list_users", {"status": "pending"})), text_turn("Done.")]) as api:
        backend = AnthropicBackend(model="claude-test", base_url=api.base_url)
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Turn = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


def text_turn(text: str, stop_reason: str = "end_turn") -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "stop_reason": stop_reason}


def tool_turn(
    *calls: tuple[str, dict[str, Any]], text: str | None = None, stop_reason: str = "tool_use"
) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    content += [{"type": "tool_use", "name": name, "input": args} for name, args in calls]
    return {"content": content, "stop_reason": stop_reason}


class FakeMessagesAPI:
    """Serves ``turns`` in order, one per POST /v1/messages; ``requests`` keeps every request body."""

    def __init__(self, turns: list[Turn]):
        self.turns = list(turns)
        self.requests: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.headers: list[dict[str, str]] = []
        self._ids = itertools.count(1)
        self._cached_prefixes: set[str] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeMessagesAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, *turns: Turn) -> None:
        self.turns.extend(turns)

    # -- one request ------------------------------------------------------------------------------

    def respond(self, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            if not (headers.get("x-api-key") or headers.get("authorization", "").startswith("Bearer ")):
                return 401, _error("authentication_error", "an API key header is required")
            problem = _check(body)
            if problem:
                self.problems.append(problem)
                return 400, _error("invalid_request_error", problem)
            if not self.turns:
                return 500, _error("api_error", "the fake has no scripted turn left")
            turn = self.turns.pop(0)
            turn = turn(body) if callable(turn) else turn
            if "status" in turn:
                return int(turn["status"]), _error(
                    turn.get("error_type", "api_error"), turn.get("message", "")
                )
            content = []
            for block in turn.get("content", []):
                if block["type"] == "tool_use":
                    block = {"id": block.get("id") or f"toolu_fake_{next(self._ids):04d}", **block}
                content.append(block)
            return 200, {
                "id": f"msg_fake_{next(self._ids):04d}",
                "type": "message",
                "role": "assistant",
                "model": body.get("model"),
                "content": content,
                "stop_reason": turn.get("stop_reason", "end_turn"),
                "stop_sequence": None,
                "usage": self._usage(body, content),
            }

    def _usage(self, body: dict[str, Any], content: list[dict[str, Any]]) -> dict[str, Any]:
        prefix = json.dumps([body.get("tools"), body.get("system")], sort_keys=True)
        cached = _has_cache_control(body.get("tools")) or _has_cache_control(body.get("system"))
        prefix_tokens = len(prefix) // 4
        rest = len(json.dumps(body.get("messages"))) // 4
        created = read = 0
        if cached and prefix in self._cached_prefixes:
            read = prefix_tokens
        elif cached:
            created = prefix_tokens
            self._cached_prefixes.add(prefix)
        else:
            rest += prefix_tokens
        return {
            "input_tokens": rest,
            "output_tokens": max(1, len(json.dumps(content)) // 4),
            "cache_creation_input_tokens": created,
            "cache_read_input_tokens": read,
        }


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _has_cache_control(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(b, dict) and "cache_control" in b for b in value)


def _check(body: dict[str, Any]) -> str | None:
    """What the real API would refuse with a 400, for the mistakes a tool loop can make."""
    for field in ("model", "max_tokens", "messages"):
        if field not in body:
            return f"{field}: Field required"
    messages = body["messages"]
    if not messages or messages[0].get("role") != "user":
        return "messages: first message must use the user role"
    expected: set[str] = set()
    for i, message in enumerate(messages):
        if set(message) - {"role", "content"}:
            return f"messages.{i}: Extra inputs are not permitted"
        role = message.get("role")
        if i and role == messages[i - 1].get("role"):
            return f"messages.{i}: roles must alternate between user and assistant"
        blocks = message["content"] if isinstance(message["content"], list) else []
        if role == "user":
            results = {b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"}
            if expected - results:
                return (
                    f"messages.{i}: tool_use ids were found without tool_result blocks immediately after: "
                    f"{sorted(expected - results)}"
                )
            if results - expected:
                stray = sorted(results - expected)
                return f"messages.{i}: unexpected tool_use_id found in tool_result blocks: {stray}"
            expected = set()
        else:
            expected = {b["id"] for b in blocks if b.get("type") == "tool_use"}
    if messages[-1].get("role") != "user":
        return "messages: the last message must be from the user"
    return None


def _handler(api: FakeMessagesAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                status, payload = 400, _error("invalid_request_error", "body is not JSON")
            else:
                if self.path.split("?")[0] != "/v1/messages":
                    status, payload = 404, _error("not_found_error", f"no route {self.path}")
                else:
                    status, payload = api.respond({k.lower(): v for k, v in self.headers.items()}, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("request-id", f"req_fake_{len(api.requests)}")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler
