"""Fixtures for the audit tests: an AuditLog on each backend, and raw SQL as a tamperer would use it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, text


class RawSQL:
    """SQL sent straight to the store, bypassing dsadmin (which has no update or delete path)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        schema = (engine.get_execution_options().get("schema_translate_map") or {}).get(None)
        self.events = f'"{schema}".audit_events' if schema else "audit_events"

    def __call__(self, sql: str, **params) -> list:
        with self.engine.begin() as conn:
            result = conn.execute(text(sql.format(events=self.events)), params)
            return result.all() if result.returns_rows else []

    def set_payload(self, event_id: int, payload: dict) -> None:
        cast = "CAST(:p AS json)" if self.engine.dialect.name == "postgresql" else ":p"
        self(f"UPDATE {{events}} SET payload = {cast} WHERE id = :id", p=json.dumps(payload), id=event_id)

    def count(self) -> int:
        return self("SELECT count(*) FROM {events}")[0][0]


@pytest.fixture
def audit_log(store_engine):
    from audit import AuditLog

    log = AuditLog(store_engine)
    yield log
    log.close()


@pytest.fixture
def raw_sql(store_engine) -> RawSQL:
    return RawSQL(store_engine)
