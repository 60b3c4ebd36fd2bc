"""``dsadmin`` starts fast because it imports only what a command uses (structure, not timing).

Each check runs in a fresh interpreter and reads ``sys.modules``: loading the CLI's entry module,
or printing help, must not load the heavy libraries (the HTTP client, pydantic, SQLAlchemy, the
model SDK, JWT, cryptography) nor the layers below the CLI. ``evals/bench/bench_start.py`` measures
the time; these tests keep the structure that makes it fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("httpx", "pydantic", "sqlalchemy", "anthropic", "jwt", "cryptography", "yaml", "starlette",
         "fastapi", "mcp", "slack_bolt", "uvicorn")
LAYERS_BELOW = ("agent.config", "agent.runtime", "agent.conversation", "agent.backends", "tools.actions",
                "tools.docusign", "tools.gate", "policies.engine", "audit.db", "audit.log", "evals.runner")

PROBE = """
import json, sys
import agent.channels.cli.main as cli
argv = sys.argv[1:]
if argv:
    sys.argv = ["dsadmin", *argv]
    try:
        cli.main()
    except SystemExit as exit:
        assert exit.code in (0, None), exit.code
names = json.loads(sys.stdin.read())
print(json.dumps(sorted(n for n in names if n in sys.modules)))
"""


def _loaded(*argv: str) -> list[str]:
    """What of HEAVY and LAYERS_BELOW is in sys.modules after importing the CLI (and running argv)."""
    env = {**os.environ, "COLUMNS": "100"}
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], input=json.dumps(HEAVY + LAYERS_BELOW),
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_cli_entry_module_loads_no_heavy_library_and_no_layer_below():
    assert _loaded() == []


def test_dsadmin_help_and_ask_help_load_none_of_them_either():
    assert _loaded("--help") == []
    assert _loaded("ask", "--help") == []


def test_the_probe_sees_what_a_command_does_load():
    """The check can fail: a command that does its work loads the stack (here, the policy layer)."""
    loaded = _loaded("policy", "check")
    assert {"policies.engine", "pydantic", "yaml"} <= set(loaded)


def test_the_console_script_still_reads_a_given_config(tmp_path):
    """main() answers an absent --config itself; a given one still reaches the command."""
    db = tmp_path / "nowhere" / "audit.db"
    config = tmp_path / "dsadmin.yaml"
    config.write_text(f"store:\n  url: sqlite:///{db}\npeople:\n  admins: [admin@acme.com]\n")
    env = {k: v for k, v in os.environ.items() if k != "DSADMIN_CONFIG"}
    argv = [sys.executable, "-m", "agent.channels.cli", "--config", str(config), "audit", "tail"]
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert f"no store at {db}" in done.stderr
