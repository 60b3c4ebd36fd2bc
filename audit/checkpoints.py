"""Signed chain heads kept outside the database, so truncating the log cannot go unnoticed.

Why: the chain head lives in the same database as the events. Someone who deletes the newest
events and moves the head back (or deletes everything) leaves a chain that verifies. A checkpoint
- the id and hash of an event, signed with HMAC-SHA256 under a key that is not in the store -
appended to a file the store cannot reach, proves that the log once reached that event with that
hash. ``verify --against FILE`` then proves that no event up to the newest checkpoint was removed
or changed: the event must still be there with the hash signed for it, and the hash chain ties
every earlier event to it.

The key is 32 random bytes in ``$DSADMIN_HOME/audit-checkpoint.key`` (created 0600; refused if
others can read it); the sink is ``$DSADMIN_HOME/audit-checkpoints.jsonl`` (one JSON object a
line, appended, fsynced, 0600). Checkpoints are written every ``every`` events by whichever
process appends that event, and on ``dsadmin audit checkpoint``. Copy the sink off the machine
(or point it at a mounted write-once location) for protection against someone who holds both.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

KEY_FILE = "audit-checkpoint.key"
SINK_FILE = "audit-checkpoints.jsonl"
DEFAULT_EVERY = 1000
_DOMAIN = "dsadmin-audit-checkpoint:v1"


class CheckpointError(RuntimeError):
    """A checkpoint cannot be written or read (key, sink, a forged or garbled line). For people."""


@dataclass(frozen=True)
class Checkpoint:
    event_id: int
    hash: str
    ts: str
    mac: str

    def line(self) -> str:
        return json.dumps({"event_id": self.event_id, "hash": self.hash, "ts": self.ts, "mac": self.mac},
                          sort_keys=True)


class Checkpointer:
    """Signs chain heads with the local key and appends them to the sink file."""

    def __init__(self, key_file: Path, sink: Path, *, every: int = DEFAULT_EVERY) -> None:
        if every < 1:
            raise ValueError(f"checkpoints every {every} events: give a positive number")
        self.key_file = Path(key_file)
        self.sink = Path(sink)
        self.every = every
        self._key: bytes | None = None

    @classmethod
    def in_home(cls, home: Path, *, every: int = DEFAULT_EVERY) -> Checkpointer:
        return cls(Path(home) / KEY_FILE, Path(home) / SINK_FILE, every=every)

    # -- signing -------------------------------------------------------------------------------

    def sign(self, event_id: int, event_hash: str, ts: str) -> Checkpoint:
        return Checkpoint(event_id, event_hash, ts, self._mac(event_id, event_hash, ts))

    def valid(self, cp: Checkpoint) -> bool:
        return hmac.compare_digest(cp.mac, self._mac(cp.event_id, cp.hash, cp.ts))

    def _mac(self, event_id: int, event_hash: str, ts: str) -> str:
        message = f"{_DOMAIN}:{event_id}:{event_hash}:{ts}".encode()
        return hmac.new(self.key(), message, hashlib.sha256).hexdigest()

    def key(self) -> bytes:
        """The signing key, made on first use (0600, never overwritten)."""
        if self._key is None:
            self._key = _read_key(self.key_file) if self.key_file.exists() else _make_key(self.key_file)
        return self._key

    # -- the sink ------------------------------------------------------------------------------

    def append(self, cp: Checkpoint) -> None:
        """Add one line to the sink and make it durable before returning."""
        try:
            self.sink.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.sink, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (cp.line() + "\n").encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise CheckpointError(f"cannot append to the checkpoint file {self.sink}: {exc.strerror}") \
                from exc

    def read(self, path: Path | None = None) -> list[Checkpoint]:
        """Every checkpoint in ``path`` (default: the sink), each checked against the key."""
        path = Path(path) if path is not None else self.sink
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise CheckpointError(f"no checkpoint file at {path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CheckpointError(f"cannot read the checkpoint file {path}: {exc}") from None
        out = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            cp = _parse(line)
            if cp is None:
                raise CheckpointError(f"{path} line {number} is not a checkpoint (expected a JSON object "
                                      "with event_id, hash, ts and mac)")
            if not self.valid(cp):
                raise CheckpointError(f"{path} line {number} (event {cp.event_id}) is not signed by this "
                                      f"installation's key ({self.key_file}): it was forged, edited, or "
                                      "written by another installation")
            out.append(cp)
        if not out:
            raise CheckpointError(f"{path} holds no checkpoints; write one with `dsadmin audit checkpoint`")
        return out


def _parse(line: str) -> Checkpoint | None:
    try:
        data = json.loads(line)
        cp = Checkpoint(data["event_id"], data["hash"], data["ts"], data["mac"])
    except (ValueError, KeyError, TypeError):
        return None
    if not (isinstance(cp.event_id, int) and cp.event_id >= 0 and all(
            isinstance(v, str) for v in (cp.hash, cp.ts, cp.mac))):
        return None
    return cp


def _make_key(path: Path) -> bytes:
    """Write the key to a private temporary file, then link it into place: a process that loses
    the race reads the winner's complete key, never a half-written one."""
    key = secrets.token_bytes(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return _read_key(path)
    except OSError as exc:
        raise CheckpointError(f"cannot create the checkpoint key {path}: {exc.strerror}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return key


def _read_key(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        raw = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"cannot read the checkpoint key {path}: {exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CheckpointError(f"the checkpoint key {path} can be read by others; run `chmod 600 {path}`")
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise CheckpointError(f"the checkpoint key {path} is not a hex key of at least 16 bytes")
    return key
