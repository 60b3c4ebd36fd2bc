"""The sandbox's own request and response values, independent of httpx and Starlette.

Why: one core serves both the in-process httpx transport and the ASGI app; each adapter only
converts to and from these two small types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode


@dataclass
class SandboxRequest:
    method: str
    scheme: str
    host: str  # host[:port] as the client addressed it
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    @property
    def params(self) -> dict[str, str]:
        """Query parameters; the last value wins for a repeated name."""
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"

    @property
    def hostname(self) -> str:
        host = self.host
        if host.startswith("["):
            return host[1 : host.index("]")]
        return host.rsplit(":", 1)[0] if ":" in host else host

    def url_with(self, **changes: Any) -> str:
        params = self.params
        params.update({k: str(v) for k, v in changes.items()})
        return f"{self.base_url}{self.path}?{urlencode(params)}"

    def json(self) -> Any:
        """The JSON body; raises ApiError(400) when it is missing or not JSON."""
        if not self.body.strip():
            raise ApiError(400, "invalid_request", "the request needs a JSON body")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "invalid_request", f"the request body is not valid JSON ({exc})") from None


@dataclass
class SandboxResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def content(self) -> bytes:
        if isinstance(self.body, bytes):  # a download (CSV), sent as is
            return self.body
        return b"" if self.body is None else json.dumps(self.body).encode()


class ApiError(Exception):
    """A refusal in DocuSign's error shape: ``{"error": code, "error_description": text}``."""

    def __init__(
        self, status: int, error: str, description: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}

    def response(self) -> SandboxResponse:
        return SandboxResponse(
            self.status, {"error": self.error, "error_description": self.description}, dict(self.headers)
        )
