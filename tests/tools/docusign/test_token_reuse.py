"""Token reuse across processes: a second `dsadmin` command signs no new JWT, and the token stays
out of the store (audit log included) and out of what the person or the model is shown."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

DSADMIN = str(Path(sys.executable).with_name("dsadmin"))


def _ask(home: Path, text: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DSADMIN_HOME": str(home), "DSADMIN_FORBID_MODEL_REQUESTS": "1"}
    return subprocess.run([DSADMIN, "ask", "--json", "--as", "admin@acme.com", text], env=env,
                          capture_output=True, text=True, timeout=180, check=False)


def _issued_tokens(home: Path) -> list[str]:
    with sqlite3.connect(home / "sandbox" / "state.db") as conn:
        return [key for (key,) in conn.execute("SELECT key FROM entities WHERE kind = 'token'")]


def test_a_second_command_reuses_the_first_ones_token(tmp_path):
    first = _ask(tmp_path, "which accounts does john.doe@acme.com have?")
    assert first.returncode == 0, first.stderr
    issued = _issued_tokens(tmp_path)
    assert len(issued) == 1
    second = _ask(tmp_path, "which accounts does jane.smith@acme.com have?")
    assert second.returncode == 0, second.stderr
    assert _issued_tokens(tmp_path) == issued  # no second JWT exchange
    cached = list((tmp_path / "tokens").iterdir())
    assert len(cached) == 1 and cached[0].stat().st_mode & 0o077 == 0
    token = issued[0]
    assert token not in first.stdout + second.stdout + first.stderr + second.stderr
    store = b"".join(f.read_bytes() for f in tmp_path.glob("dsadmin.db*"))  # with its WAL
    assert store and token.encode() not in store  # audit log, sessions, everything
