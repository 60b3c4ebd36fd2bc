"""The layers hold: audit <- policies <- tools <- agent <- agent.channels, evals outside the product.

The contracts live in pyproject.toml ([tool.importlinter]) and ``lint-imports`` runs them in CI.
These tests run the same check from pytest, and prove it bites: a copy of the code with upward
imports planted in it must be refused, each import named.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("agent", "tools", "policies", "audit", "evals")
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))

# (module file, the line planted in it, what the report must name); one per contract
UPWARD = [
    ("audit/log.py", "from agent.config import load_config", "audit.log -> agent.config"),
    ("tools/docusign/cache.py", "import agent.runtime", "tools.docusign.cache -> agent.runtime"),
    ("agent/runtime.py", "from agent.channels.cli import main", "agent.runtime -> agent.channels.cli"),
    ("agent/channels/web/api.py", "from agent.channels.cli.ask import _fail",
     "agent.channels.web.api -> agent.channels.cli.ask"),
    ("policies/decision.py", "import evals.runner", "policies.decision -> evals.runner"),
    ("agent/channels/mcp/server.py", "from tools.gate import Gate",
     "agent.channels.mcp.server -> tools.gate"),
]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd), "COLUMNS": "200"}
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_the_code_keeps_every_layer_contract():
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_an_upward_import_breaks_the_check_and_is_named(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for path, line, _ in UPWARD:
        with (tmp_path / path).open("a", encoding="utf-8") as module:
            module.write(f"\n{line}  # planted by tests/test_layers.py\n")
    done = _lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "0 kept" in done.stdout  # every contract caught its planted import
    for _, _, named in UPWARD:
        assert named in done.stdout
