"""Package ``__init__`` files that load their names on first use (PEP 562 module ``__getattr__``).

Why: a package that imports its modules up front makes every import of one small module pay for
all of them (``dsadmin --help`` once loaded httpx, pydantic and the sandbox this way). In the
bottom layer because every layer's packages use it and imports run downward only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def exports(package: str, names: Mapping[str, str], submodules: tuple[str, ...] = ()) -> Callable[[str], Any]:
    """The ``__getattr__`` for ``package``: each of ``names`` from its module, each of
    ``submodules`` imported, on first use; kept in the package afterwards."""

    def __getattr__(name: str) -> Any:
        if name in submodules:
            value = import_module(f"{package}.{name}")
        elif name in names:
            value = getattr(import_module(names[name]), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
