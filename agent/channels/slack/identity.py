"""Who pressed or wrote: the Slack user's email, as Slack itself reports it, mapped through ``people``.

Why only Slack's word: a display name or a typed email is anyone's to choose; the email on the
Slack profile (``users.info``, scope ``users:read.email``) is the workspace's verified identity. A
user without one (a bot, a guest whose email is hidden) is refused, never guessed. Lookups are
cached for a few minutes because every message and every button press needs one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

CACHE_SECONDS = 300.0


class SlackDirectory:
    """Slack user id <-> email, through the Web API, with a short cache both ways."""

    def __init__(self, client: Any, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._clock = clock
        self._emails: dict[str, tuple[float, str | None]] = {}
        self._ids: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def email_of(self, user_id: str) -> str | None:
        """The verified email of a Slack user, or None when Slack reports none (refuse them)."""
        cached = self._cached(self._emails, user_id)
        if cached is not None:
            return cached[1]
        info = self._client.users_info(user=user_id)
        user = info.get("user") or {}
        real = not (user.get("is_bot") or user.get("deleted"))
        email = (user.get("profile") or {}).get("email") if real else None
        email = email.strip().lower() if isinstance(email, str) and "@" in email else None
        self._store(self._emails, user_id, email)
        if email:
            self._store(self._ids, email, user_id)
        return email

    def user_id_of(self, email: str) -> str | None:
        """The Slack user with this email, for a direct message; None when the workspace has none."""
        email = email.strip().lower()
        cached = self._cached(self._ids, email)
        if cached is not None:
            return cached[1]
        from slack_sdk.errors import SlackApiError

        try:
            found = self._client.users_lookupByEmail(email=email)
            user_id = (found.get("user") or {}).get("id")
        except SlackApiError:  # users_not_found: this person is not in the workspace
            user_id = None
        self._store(self._ids, email, user_id)
        return user_id

    def _cached(self, table: dict, key: str) -> tuple[float, str | None] | None:
        with self._lock:
            hit = table.get(key)
        return hit if hit is not None and self._clock() - hit[0] < CACHE_SECONDS else None

    def _store(self, table: dict, key: str, value: str | None) -> None:
        with self._lock:
            table[key] = (self._clock(), value)
