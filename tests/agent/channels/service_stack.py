"""A running service for tests: the app on uvicorn in a thread, and helpers to call it."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from agent.config import dsadmin_home, embedded_default


@dataclass
class Service:
    base: str
    rt: Any
    http: httpx.Client
    _server: Any = field(repr=False, default=None)

    def token(self, email: str) -> str:
        """An access token from the sandbox's identity provider (as `dsadmin sandbox idp-token`)."""
        from tools.docusign.sandbox._oidc import IdentityProvider, sandbox_people

        idp = IdentityProvider(dsadmin_home(), sandbox_people(self.rt.sandbox))
        return idp.tokens_for(f"{self.base}/idp", email)["access_token"]

    def call(self, method: str, path: str, email: str | None = None, **kwargs) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if email is not None:
            headers["Authorization"] = f"Bearer {self.token(email)}"
        return self.http.request(method, f"{self.base}{path}", headers=headers, **kwargs)

    def state(self) -> dict:
        return self.rt.sandbox.dump()


def serve_thread(app: Any) -> tuple[str, Any, threading.Thread]:
    import uvicorn

    from tools.docusign.sandbox.serve import bind

    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the service did not start")
        time.sleep(0.02)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


@contextmanager
def running_service(
    tmp_path, *, config: Any = None, store_url: str | None = None, engine: Any = None, worker: bool = False
):
    from agent.channels.web.app import create_app
    from agent.runtime import build_runtime

    config = config or embedded_default()
    rt = build_runtime(config, store_url=store_url or f"sqlite:///{tmp_path / 'store.db'}", engine=engine)
    base, server, thread = serve_thread(create_app(rt, worker=worker))
    http = httpx.Client(timeout=60, follow_redirects=False)
    try:
        yield Service(base, rt, http, server)
    finally:
        http.close()
        server.should_exit = True
        thread.join(timeout=15)
        rt.close()
