"""Test-wide switches: an isolated $DSADMIN_HOME, no real model calls, both SQL backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = PROJECT_ROOT.parent / "shared" / "docusign" / "admin.rest.swagger-v2.1.json"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own state directory and no credentials from the developer's shell."""
    home = tmp_path_factory.mktemp("dsadmin-home")
    monkeypatch.setenv("DSADMIN_HOME", str(home))
    for var in ("ANTHROPIC_API_KEY", "DSADMIN_CONFIG", "DSADMIN_PRIVATE_KEY"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(autouse=True)
def _no_real_model_requests(monkeypatch):
    """No test anywhere reaches a real model: only a loopback base_url (the fake Messages API) may
    be called, in this process and in the subprocesses it starts."""
    monkeypatch.setenv("DSADMIN_FORBID_MODEL_REQUESTS", "1")


def postgres_url() -> str | None:
    return os.environ.get("DSADMIN_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgres"])
def store_engine(request, tmp_path):
    """An empty, migrated store on SQLite, and on PostgreSQL in a schema of its own (dropped after)."""
    yield from _on_each_backend(request.param, tmp_path, migrated=True)


@pytest.fixture(params=["sqlite", "postgres"])
def bare_engine(request, tmp_path):
    """An engine on a store nothing has opened yet (no tables, no migrations), on each backend."""
    yield from _on_each_backend(request.param, tmp_path, migrated=False)


def _on_each_backend(backend: str, tmp_path: Path, *, migrated: bool):
    from audit.db import make_engine, open_store

    if backend == "postgres":
        yield from _postgres_store(migrated=migrated)
        return
    engine = (open_store if migrated else make_engine)(f"sqlite:///{tmp_path / 'store.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine():
    """The PostgreSQL store alone, for what only PostgreSQL has (several processes on one chain)."""
    yield from _postgres_store()


def _postgres_store(*, migrated: bool = True):
    from sqlalchemy import text

    from audit.db import make_engine, open_store

    url = postgres_url()
    if not url:
        pytest.skip("DSADMIN_TEST_POSTGRES_URL is not set (a real PostgreSQL is needed)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = (open_store if migrated else make_engine)(url, schema=schema)
    yield engine
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def spec() -> dict:
    """DocuSign's own Admin API description; tests that need it skip when it is absent."""
    import json

    if not SPEC_PATH.is_file():
        pytest.skip(f"{SPEC_PATH} is absent (../shared/docusign is needed for conformance tests)")
    return json.loads(SPEC_PATH.read_text())


@pytest.fixture(scope="session")
def strict_definitions(spec) -> dict:
    """The spec's definitions with ``additionalProperties: false`` on every object, so a request
    body holding a field DocuSign does not define fails validation (the spec itself allows any)."""
    import copy

    def strict(node):
        if isinstance(node, dict):
            node = {k: strict(v) for k, v in node.items()}
            if node.get("type") == "object" or "properties" in node:
                node.setdefault("additionalProperties", False)
            return node
        if isinstance(node, list):
            return [strict(v) for v in node]
        return node

    return strict(copy.deepcopy(spec["definitions"]))


@pytest.fixture
def race():
    """``race(commands)``: start one Python process per command (the arguments after the
    interpreter), wait until every one has printed "ready", release them all at once with "go", and
    return the JSON line each printed last, in order.

    Why the handshake: starting Python takes far longer than the race being tested, so processes
    started one after the other would simply take turns; released together they act at once."""

    def run(commands: list[list[str]], timeout: float = 120) -> list[dict]:
        procs = [
            subprocess.Popen([sys.executable, *argv], cwd=PROJECT_ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for argv in commands
        ]
        try:
            for proc in procs:  # every one loaded and waiting before any starts
                assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
            for proc in procs:
                proc.stdin.write("go\n")
                proc.stdin.flush()
            results = []
            for proc in procs:
                out, err = proc.communicate(timeout=timeout)
                assert proc.returncode == 0, err
                results.append(json.loads(out.strip().splitlines()[-1]))
            return results
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()

    return run
