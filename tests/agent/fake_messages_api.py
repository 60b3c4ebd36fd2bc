"""A local fake of the Anthropic Messages and Models APIs, on loopback HTTP, fed scripted turns.

Why a real HTTP server rather than a mocked client: the ``anthropic`` SDK itself is under test
(request shape, headers, streaming, retries, response parsing), pointed at this server through
``base_url``. The fake checks what the real API checks and a conversation loop can get wrong: a
key header, alternating roles, every ``tool_use`` answered by a ``tool_result`` in the very next
user message and no stray results, at most four ``cache_control`` breakpoints, no top-level
``oneOf``/``allOf``/``anyOf`` in a tool's ``input_schema``. It answers in the wire format (content
blocks, ``stop_reason``, ``usage`` with the cache fields), as JSON or as server-sent events when
the request asks to stream. Prompt caching is modelled on prefixes: the longest prefix ending at a
breakpoint that an earlier request wrote is read, the rest up to the last breakpoint is written.

    with FakeMessagesAPI([tool_turn(("list_users", {"status": "pending"})), text_turn("Done.")]) as api:
        backend = AnthropicBackend(model="claude-test", base_url=api.base_url)

A scripted turn is a dict (content and stop_reason; a ``tool_use`` block may give ``raw_input``, the
JSON text to stream as it is, cut off or broken, or ``status``/``error_type``/``message`` and
optional ``headers`` for an error answer), or a callable that receives the request body.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

Turn = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]
MAX_BREAKPOINTS = 4
LOOKBACK_BLOCKS = 20


def text_turn(text: str, stop_reason: str = "end_turn") -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "stop_reason": stop_reason}


def tool_turn(
    *calls: tuple[str, dict[str, Any]],
    text: str | None = None,
    stop_reason: str = "tool_use",
    thinking: str | None = None,
) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if thinking:
        content.append({"type": "thinking", "thinking": thinking, "signature": f"sig-{len(thinking)}"})
    if text:
        content.append({"type": "text", "text": text})
    content += [{"type": "tool_use", "name": name, "input": args} for name, args in calls]
    return {"content": content, "stop_reason": stop_reason}


def overloaded() -> dict[str, Any]:
    """A 529 the SDK retries at once (``retry-after-ms`` keeps the test fast)."""
    return {"status": 529, "error_type": "overloaded_error", "message": "Overloaded",
            "headers": {"retry-after-ms": "5"}}


def rate_limited() -> dict[str, Any]:
    return {"status": 429, "error_type": "rate_limit_error",
            "message": "Number of requests exceeds the limit", "headers": {"retry-after-ms": "5"}}


def model_not_found(name: str) -> dict[str, Any]:
    return {"status": 404, "error_type": "not_found_error", "message": f"model: {name}"}


def model_info(model_id: str, line: str | None, created: str, lifecycle: str = "active",
               display: str | None = None) -> dict[str, Any]:
    support = {"supported": True}
    return {
        "type": "model", "id": model_id, "display_name": display or model_id, "created_at": created,
        "lifecycle": lifecycle, "line": line, "max_input_tokens": 1_000_000, "max_tokens": 128_000,
        "deprecated_at": None, "retires_at": None,
        "capabilities": {
            "batch": support, "citations": support, "code_execution": support, "image_input": support,
            "pdf_input": support, "structured_outputs": support,
            "context_management": {"supported": False},
            "server_tools": {"supported": True},
            "effort": {"supported": True, "low": support, "medium": support, "high": support,
                       "max": support, "xhigh": {"supported": False}},
            "thinking": {"supported": True, "types": {"adaptive": support, "between_tools": support,
                                                       "disabled": {"supported": False},
                                                       "enabled": {"supported": False}}},
        },
    }


CATALOGUE = [
    model_info("claude-sonnet-5-5", "sonnet", "2026-09-20T00:00:00Z", display="Claude Sonnet 5.5"),
    model_info("claude-opus-5-5", "opus", "2026-09-20T00:00:00Z", display="Claude Opus 5.5"),
    model_info("claude-sonnet-5", "sonnet", "2026-05-01T00:00:00Z", lifecycle="deprecated"),
    model_info("claude-haiku-4-5", "haiku", "2025-10-01T00:00:00Z"),
    model_info("claude-sonnet-4-5", "sonnet", "2025-09-29T00:00:00Z", lifecycle="retired"),
]


class FakeMessagesAPI:
    """Serves ``turns`` in order, one per POST /v1/messages; ``requests`` keeps every request body.

    ``models`` is the Models API's catalogue (GET /v1/models, GET /v1/models/{id}); a retired
    model is listed but, like the real API, refused by /v1/messages with a 404."""

    def __init__(self, turns: list[Turn], models: list[dict[str, Any]] | None = None):
        self.turns = list(turns)
        self.models = list(CATALOGUE if models is None else models)
        self.requests: list[dict[str, Any]] = []
        self.model_requests: list[str] = []
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

    # -- the Models API -----------------------------------------------------------------------------

    def model_route(self, headers: dict[str, str], path: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.model_requests.append(path)
            if not _authorized(headers):
                return 401, _error("authentication_error", "an API key header is required")
            url = urlparse(path)
            parts = url.path.rstrip("/").split("/")
            if parts[-1] == "models":
                limit = int(parse_qs(url.query).get("limit", ["20"])[0])
                after = parse_qs(url.query).get("after_id", [None])[0]
                start = next((i + 1 for i, m in enumerate(self.models) if m["id"] == after), 0)
                page = self.models[start : start + limit]
                return 200, {"data": page, "has_more": start + limit < len(self.models),
                             "first_id": page[0]["id"] if page else None,
                             "last_id": page[-1]["id"] if page else None}
            found = next((m for m in self.models if m["id"] == parts[-1]), None)
            if found is None:
                return 404, _error("not_found_error", f"model: {parts[-1]}")
            return 200, found

    # -- one Messages request -----------------------------------------------------------------------

    def respond(
        self, headers: dict[str, str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            if not _authorized(headers):
                return 401, _error("authentication_error", "an API key header is required"), {}
            problem = _check(body)
            if problem:
                self.problems.append(problem)
                return 400, _error("invalid_request_error", problem), {}
            retired = next((m for m in self.models if m["id"] == body.get("model")), None)
            if retired is not None and retired["lifecycle"] == "retired":
                return 404, _error("not_found_error", f"model: {body['model']}"), {}
            if not self.turns:
                return 500, _error("api_error", "the fake has no scripted turn left"), {}
            turn = self.turns.pop(0)
            turn = turn(body) if callable(turn) else turn
            if "status" in turn:
                error = _error(turn.get("error_type", "api_error"), turn.get("message", ""))
                return int(turn["status"]), error, dict(turn.get("headers") or {})
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
            }, {}

    def _usage(self, body: dict[str, Any], content: list[dict[str, Any]]) -> dict[str, Any]:
        """Tokens (4 characters each) read from the cache, written to it, and sent uncached."""
        prefixes = _breakpoint_prefixes(body)
        total = len(_serial(body.get("tools"), body.get("system"), body.get("messages"))) // 4
        candidates = prefixes + _breakpoint_prefixes(body, lookback=LOOKBACK_BLOCKS)
        read = max((len(p) // 4 for p in candidates if p in self._cached_prefixes), default=0)
        written = max((len(p) // 4 for p in prefixes), default=0) - read
        self._cached_prefixes.update(prefixes)
        return {
            "input_tokens": max(total - read - written, 0),
            "output_tokens": max(1, len(json.dumps(content)) // 4),
            "cache_creation_input_tokens": max(written, 0),
            "cache_read_input_tokens": read,
        }


def _serial(*parts: Any) -> str:
    return json.dumps(parts, sort_keys=True)


def _strip_cache(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_cache(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [_strip_cache(v) for v in value]
    return value


def _breakpoint_prefixes(body: dict[str, Any], lookback: int = 0) -> list[str]:
    """The request's text up to each cache_control breakpoint (tools, then system, then messages),
    without the markers themselves, so the same prefix matches whichever block carries the marker.
    ``lookback``: also the prefixes ending at each of that many message blocks before a breakpoint
    in the messages, where the API looks for an earlier request's entry."""
    tools = _strip_cache(body.get("tools") or [])
    system = body.get("system")
    system_blocks = _strip_cache(system if isinstance(system, list) else [])
    messages = body.get("messages") or []
    out = []
    for i, tool in enumerate(body.get("tools") or []):
        if "cache_control" in tool:
            out.append(_serial(tools[: i + 1]))
    for i, block in enumerate(system if isinstance(system, list) else []):
        if "cache_control" in block:
            out.append(_serial(tools, system_blocks[: i + 1]))
    boundaries = [(m, b) for m, message in enumerate(messages)
                  for b in range(len(message["content"]) if isinstance(message["content"], list) else 0)]
    for i, (m, b) in enumerate(boundaries):
        if "cache_control" not in messages[m]["content"][b]:
            continue
        for mm, bb in boundaries[max(0, i - lookback) : i + 1]:
            head = _strip_cache(messages[:mm])
            blocks = _strip_cache(messages[mm]["content"][: bb + 1])
            partial = {"role": messages[mm]["role"], "content": blocks}
            out.append(_serial(tools, system_blocks, [*head, partial]))
    return out


def _count_breakpoints(value: Any) -> int:
    if isinstance(value, dict):
        return ("cache_control" in value) + sum(_count_breakpoints(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count_breakpoints(v) for v in value)
    return 0


def _authorized(headers: dict[str, str]) -> bool:
    return bool(headers.get("x-api-key") or headers.get("authorization", "").startswith("Bearer "))


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _check(body: dict[str, Any]) -> str | None:
    """What the real API would refuse with a 400, for the mistakes a tool loop can make."""
    for field in ("model", "max_tokens", "messages"):
        if field not in body:
            return f"{field}: Field required"
    breakpoints = _count_breakpoints([body.get("tools"), body.get("system"), body.get("messages")])
    if breakpoints > MAX_BREAKPOINTS:
        return f"at most {MAX_BREAKPOINTS} blocks with cache_control may be provided; found {breakpoints}"
    for i, tool in enumerate(body.get("tools") or []):
        schema = tool.get("input_schema") or {}
        if schema.get("type") != "object":
            return f"tools.{i}.custom.input_schema.type: Input should be 'object'"
        if any(key in schema for key in ("oneOf", "allOf", "anyOf")):
            return (f"tools.{i}.custom.input_schema: input_schema does not support oneOf, allOf, "
                    "or anyOf at the top level")
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


def sse_events(message: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A finished message as the stream of server-sent events the real API sends for it."""
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None,
             "usage": {**usage, "output_tokens": 1}}
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start})
    ]
    for index, block in enumerate(message["content"]):
        kind = block["type"]
        if kind == "text":
            opened, deltas = {"type": "text", "text": ""}, [
                {"type": "text_delta", "text": piece} for piece in _pieces(block["text"])]
        elif kind == "tool_use":
            opened = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            # ``raw_input``: the JSON text exactly as streamed (cut off, or broken), else the input's
            raw = block["raw_input"] if "raw_input" in block else json.dumps(block["input"])
            deltas = [{"type": "input_json_delta", "partial_json": piece} for piece in _pieces(raw)]
        elif kind == "thinking":
            opened = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [{"type": "thinking_delta", "thinking": block["thinking"]},
                      {"type": "signature_delta", "signature": block["signature"]}]
        else:
            opened, deltas = block, []
        events.append(("content_block_start",
                       {"type": "content_block_start", "index": index, "content_block": opened}))
        events += [("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d})
                   for d in deltas]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(("message_delta", {"type": "message_delta",
                                     "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                                     "usage": usage}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def _pieces(text: str, size: int = 12) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _handler(api: FakeMessagesAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _headers(self) -> dict[str, str]:
            return {k.lower(): v for k, v in self.headers.items()}

        def do_GET(self) -> None:
            if not self.path.split("?")[0].startswith("/v1/models"):
                self._send(404, _error("not_found_error", f"no route {self.path}"))
                return
            status, payload = api.model_route(self._headers(), self.path)
            self._send(status, payload)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                self._send(400, _error("invalid_request_error", "body is not JSON"))
                return
            if self.path.split("?")[0] != "/v1/messages":
                self._send(404, _error("not_found_error", f"no route {self.path}"))
                return
            status, payload, extra = api.respond(self._headers(), body)
            if status == 200 and body.get("stream"):
                self._stream(payload)
            else:
                self._send(status, payload, extra)

        def _send(self, status: int, payload: dict[str, Any], extra: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("request-id", f"req_fake_{len(api.requests)}")
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, message: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("request-id", f"req_fake_{len(api.requests)}")
            self.send_header("connection", "close")
            self.end_headers()
            for event, data in sse_events(message):
                self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    return Handler
