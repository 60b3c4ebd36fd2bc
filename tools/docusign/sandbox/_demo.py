"""The demo integration: an integration key, the impersonated admin, and its RSA key pair.

Why a key on disk in $DSADMIN_HOME: scripts and people use the served sandbox as they would use
DocuSign (JWT grant, private key file), and ``dsadmin sandbox token`` must sign with the same
key the server registered. The key is generated once per home (and once per process at most).
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tools.docusign.sandbox._ids import guid

DEMO_INTEGRATION_KEY = guid("integration", "dsadmin sandbox demo")
DEMO_INTEGRATION_NAME = "dsadmin sandbox demo"
KEY_FILE = "sandbox-demo-integration.pem"
_generated: str | None = None
_lock = threading.Lock()


def key_path(home: Path) -> Path:
    return home / KEY_FILE


def _generate() -> str:
    global _generated
    with _lock:
        if _generated is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            _generated = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            ).decode()
        return _generated


def private_key_pem(home: Path) -> str:
    """The demo private key in ``home``, created (mode 0600, atomically) when missing."""
    path = key_path(home)
    if path.is_file():
        return path.read_text()
    home.mkdir(parents=True, exist_ok=True)
    pem = _generate()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(pem)
    os.replace(tmp, path)
    return pem


@functools.lru_cache(maxsize=8)
def public_key_pem(private_pem: str) -> str:
    """The public half (cached: loading an RSA private key checks it, and costs ~100 ms)."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
