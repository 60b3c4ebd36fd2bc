"""Reading the files people give dsadmin (configuration, policy, scripts, fixtures, scenarios, keys).

Why one reader: each of those files can be the wrong thing (a binary, a UTF-16 export from a
Windows editor, a directory, YAML nested thousands deep) and every loader used to meet it as a
``UnicodeDecodeError`` or ``RecursionError`` traceback. Here each such case becomes a
``FileProblem`` whose message names the file and what to do; callers re-raise it as their own
error type (ConfigError, PolicyError, ...). It lives in ``policies`` because that is the lowest
layer that reads people's files; ``tools`` and ``agent`` build on it.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 20 * 1024 * 1024  # far above any real configuration, policy or fixture
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml also caps nesting depth
_WIDE_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


class FileProblem(ValueError):
    """A file that cannot be used as given; the message names it and the fix."""


def read_text(path: str | Path, what: str = "file") -> str:
    """The file's text, decoded as UTF-8 (a UTF-8 BOM is allowed); FileProblem otherwise."""
    file = Path(path).expanduser()
    try:
        if file.is_dir():
            raise FileProblem(f"{file}: is a directory, not a {what}; give the file's path")
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise FileProblem(f"{file}: {size} bytes is too large for a {what} (at most {MAX_BYTES})")
        raw = file.read_bytes()
    except FileNotFoundError:
        raise FileProblem(f"{file}: no such {what}; check the path") from None
    except OSError as exc:
        raise FileProblem(f"{file}: cannot read the {what} ({exc.strerror or exc})") from None
    for bom, name in _WIDE_BOMS.items():
        if raw.startswith(bom):
            raise FileProblem(f"{file}: the {what} is saved as {name}; save it as UTF-8")
    if b"\x00" in raw:
        raise FileProblem(f"{file}: is a binary file, not a {what} (text in UTF-8 is expected)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"{file}: the {what} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None


def parse_yaml(text: str, source: str, what: str = "file") -> Any:
    """YAML to plain data with the safe loader; FileProblem (with line and column) otherwise."""
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or exc
        raise FileProblem(f"{source}: the {what} is not valid YAML{where} ({problem})") from None
    except RecursionError:
        raise FileProblem(f"{source}: the {what} is nested too deeply to be read") from None


def load_yaml(path: str | Path, what: str = "file", *,
              error: Callable[[str], Exception] = FileProblem) -> Any:
    """Read and parse a YAML file people wrote (``what`` names it in messages: 'policy', ...).

    ``error`` is the caller's own exception type (ConfigError, FixtureError, ...), raised with the
    same message, so each loader keeps its error type without repeating the translation."""
    try:
        return parse_yaml(read_text(path, what), str(Path(path).expanduser()), what)
    except FileProblem as exc:
        raise error(str(exc)) from None
