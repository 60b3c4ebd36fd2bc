"""The state directory, ``$DSADMIN_HOME``: where the store, the checkpoint key, cached tokens and the
sandbox keep their files.

Why in the bottom layer: the audit checkpoints, the token cache and the sandbox all need it, and
none of them may reach up into the agent's configuration to find it (imports run downward only).
"""

from __future__ import annotations

import os
from pathlib import Path


def dsadmin_home() -> Path:
    """The state directory: ``$DSADMIN_HOME``, else the platform's user data dir."""
    env = os.environ.get("DSADMIN_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("dsadmin", appauthor=False))
