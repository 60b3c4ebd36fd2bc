"""A stateful emulator of DocuSign's Admin API and OAuth server, faithful to the official spec.

    from tools.docusign.sandbox import Sandbox, SANDBOX_ADMIN_URL, SANDBOX_OAUTH_URL
    sb = Sandbox.from_fixture("acme")            # in memory; Sandbox.open(dir) is file-backed
    client = httpx.Client(transport=sb.transport(), base_url=SANDBOX_ADMIN_URL)

One core (``_core``) behind an httpx transport and a Starlette app; state in ``_state``; the
operations in ``_reads``/``_writes``/``_oauth``; fixtures in ``fixtures/`` (``_fixture``).
"""

from __future__ import annotations

from tools.docusign.sandbox._clock import Clock
from tools.docusign.sandbox._core import ServedRequest
from tools.docusign.sandbox._demo import DEMO_INTEGRATION_KEY
from tools.docusign.sandbox._faults import Faults
from tools.docusign.sandbox._fixture import FixtureError, load_fixture_data
from tools.docusign.sandbox._sandbox import (
    ALL_SCOPES,
    SANDBOX_ADMIN_URL,
    SANDBOX_OAUTH_URL,
    DemoIntegration,
    Sandbox,
)

__all__ = [
    "ALL_SCOPES",
    "DEMO_INTEGRATION_KEY",
    "SANDBOX_ADMIN_URL",
    "SANDBOX_OAUTH_URL",
    "Clock",
    "DemoIntegration",
    "Faults",
    "FixtureError",
    "Sandbox",
    "ServedRequest",
    "load_fixture_data",
]
