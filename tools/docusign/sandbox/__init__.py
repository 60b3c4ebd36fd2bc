"""A stateful emulator of DocuSign's Admin API and OAuth server, faithful to the official spec.

    from tools.docusign.sandbox import Sandbox, SANDBOX_ADMIN_URL, SANDBOX_OAUTH_URL
    sb = Sandbox.from_fixture("acme")            # in memory; Sandbox.open(dir) is file-backed
    client = httpx.Client(transport=sb.transport(), base_url=SANDBOX_ADMIN_URL)

One core (``_core``) behind an httpx transport and a Starlette app; state in ``_state``; the
operations in ``_reads``/``_writes``/``_oauth``; fixtures in ``fixtures/`` (``_fixture``).

Names load on first use, so importing one module of the sandbox does not load all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit import lazy

_EXPORTS = {
    "ALL_SCOPES": "tools.docusign.sandbox._sandbox",
    "DEMO_INTEGRATION_KEY": "tools.docusign.sandbox._demo",
    "SANDBOX_ADMIN_URL": "tools.docusign.sandbox._sandbox",
    "SANDBOX_OAUTH_URL": "tools.docusign.sandbox._sandbox",
    "Clock": "tools.docusign.sandbox._clock",
    "DemoIntegration": "tools.docusign.sandbox._sandbox",
    "Faults": "tools.docusign.sandbox._faults",
    "FixtureError": "tools.docusign.sandbox._fixture",
    "Sandbox": "tools.docusign.sandbox._sandbox",
    "ServedRequest": "tools.docusign.sandbox._core",
    "load_fixture_data": "tools.docusign.sandbox._fixture",
}
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

if TYPE_CHECKING:
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

__getattr__ = lazy.exports(__name__, _EXPORTS)
