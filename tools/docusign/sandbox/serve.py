"""Serving the sandbox over loopback HTTP with uvicorn: in the foreground (CLI) or a thread (tests).

Why bind the socket ourselves: with ``port=0`` the OS picks a free port, and we know it before
the server starts, so the URLs can be printed (CLI) or handed to a client (tests).
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tools.docusign.sandbox._sandbox import Sandbox

if TYPE_CHECKING:
    import uvicorn


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it Nagle + delayed ACK add ~40 ms to every response.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


def _server(sb: Sandbox) -> uvicorn.Server:
    import uvicorn

    config = uvicorn.Config(sb.asgi_app(), log_level="warning", access_log=False, lifespan="off")
    return uvicorn.Server(config)


@dataclass
class RunningSandbox:
    oauth_url: str
    admin_url: str
    _server: object
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True  # type: ignore[attr-defined]
        self._thread.join(timeout=10)


def serve_in_thread(sb: Sandbox, host: str = "127.0.0.1", port: int = 0) -> RunningSandbox:
    """Start uvicorn on a background thread; returns once it accepts connections."""
    sock = bind(host, port)
    server = _server(sb)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="sandbox-http")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the sandbox HTTP server did not start")
        time.sleep(0.01)
    actual = sock.getsockname()[1]
    base = f"http://{host}:{actual}"
    return RunningSandbox(base, f"{base}/Management", server, thread)


def serve_forever(sb: Sandbox, sock: socket.socket) -> None:
    _server(sb).run(sockets=[sock])
