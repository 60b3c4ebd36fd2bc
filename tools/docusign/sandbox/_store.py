"""File-backed state: one JSON file, replaced atomically, reloaded when another process changed it.

Why reload on change: ``dsadmin sandbox token`` (one process) issues a token that
``dsadmin sandbox serve`` (another) must accept, and ``dump`` must see what ``serve`` changed.
Two processes (two ``dsadmin ask`` at once, or ``serve`` beside a CLI command) take an exclusive
lock on ``state.lock`` for a whole request, from reload to save, so neither overwrites the
other's change: nothing is lost, and no reader sees a partial file.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.docusign.sandbox._state import State

STATE_FILE = "state.json"
LOCK_FILE = "state.lock"


class FileStore:
    def __init__(self, state_dir: Path) -> None:
        self.dir = Path(state_dir)
        self.path = self.dir / STATE_FILE
        self._stamp: tuple[int, int] | None = None

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the state for one request against every other process using this directory."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / LOCK_FILE, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def exists(self) -> bool:
        return self.path.is_file()

    def _current_stamp(self) -> tuple[int, int] | None:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return None
        return info.st_mtime_ns, info.st_size

    def changed_on_disk(self) -> bool:
        return self._current_stamp() != self._stamp

    def load(self) -> tuple[State, dict]:
        """The saved state and its extras (clock offset, seed)."""
        try:
            data = json.loads(self.path.read_text())
            state = State.from_json(data["state"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"{self.path}: the sandbox state is unreadable ({exc}); run `dsadmin sandbox reset`"
            ) from None
        self._stamp = self._current_stamp()
        return state, data.get("extras", {})

    def save(self, state: State, extras: dict) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{STATE_FILE}.{os.getpid()}.tmp")
        # 0600: the state holds live access tokens (issue 14.5)
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            handle.write(json.dumps({"version": 1, "extras": extras, "state": state.to_json()}))
        os.replace(tmp, self.path)
        self._stamp = self._current_stamp()
