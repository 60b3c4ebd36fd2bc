"""Service tests: a real ``dsadmin serve`` app under uvicorn on loopback, on the sandbox, with
tokens from the sandbox's identity provider. The Messages API is never reached (offline backend)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from service_stack import running_service


@pytest.fixture
def service(tmp_path):
    """One service instance on a fresh acme sandbox and a SQLite store."""
    with running_service(tmp_path) as svc:
        yield svc


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so the browser fixture knows it failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)
