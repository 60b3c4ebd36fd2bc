"""What the API refuses before anything runs, and the refusals' kinds (a channel maps them to its own:
HTTP statuses, exit codes). Neither ``Refused`` nor ``SetupFailed`` ever follows a write."""

from __future__ import annotations

from typing import Literal

RefusalKind = Literal["invalid", "forbidden", "not_found", "conflict"]


class ApiError(Exception):
    """Something the caller must fix; nothing was changed. ``message`` is worded for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SetupFailed(ApiError):
    """The agent cannot be built: the configuration, the policy, the store or the DocuSign settings."""


class Refused(ApiError):
    """A request refused before anything ran. ``kind`` says why, so a channel can map it (the HTTP
    API: invalid 422, forbidden 403, not_found 404, conflict 409; the CLI: exit code 2 or 1)."""

    def __init__(self, kind: RefusalKind, message: str):
        super().__init__(message)
        self.kind: RefusalKind = kind


def check_length(text: str) -> None:
    from agent.conversation import MAX_REQUEST_CHARS

    length = len((text or "").strip())
    if length > MAX_REQUEST_CHARS:
        raise Refused("invalid", f"the request is {length:,} characters long; at most {MAX_REQUEST_CHARS:,} "
                      "characters are taken: shorten it (many users at once go in a CSV file: "
                      "`dsadmin bulk`)")
