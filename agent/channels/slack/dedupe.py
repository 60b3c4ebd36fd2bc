"""Each Slack event is handled once, whatever Slack retries and however many instances listen.

Slack resends an event it thinks went unanswered (``X-Slack-Retry-Num``) and may deliver it to
any instance behind the endpoint, so "seen" must live in the shared store, not in memory: the
first instance to insert the event id handles it; everyone else finds the row and stops. The
table (``audit.service_tables.SlackEventSeen``) is made by the store's migrations.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from audit.service_tables import SlackEventSeen

SEEN_EVENTS = SlackEventSeen.__table__


class EventLedger:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine  # opened by audit.open_store: the table exists

    def first_time(self, event_id: str | None) -> bool:
        """True exactly once per event id (an event without one is handled: nothing to match)."""
        if not event_id:
            return True
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(SEEN_EVENTS).values(event_id=event_id[:128], seen_at=datetime.now(UTC)))
        except IntegrityError:
            return False
        return True
