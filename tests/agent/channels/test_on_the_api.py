"""Slack and MCP reach the agent only through its public API (``agent.api``), like the web service.

Two checks that fail when a channel bypasses the API: the import contract in pyproject.toml (run by
``lint-imports``; here, that it is declared and covers both channels), and, since an object handed
around can reach internals without importing them, that the channels' logic never touches the
runtime's internals by attribute (``.gate``, ``.runtime``, ``.engine``...). Only the wiring functions,
which build the ``Agent`` on a runtime their caller owns, hold a runtime at all.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CHANNELS = ROOT / "agent" / "channels"
LOGIC = [CHANNELS / "slack" / "app.py", CHANNELS / "slack" / "messages.py", CHANNELS / "slack" / "notices.py",
         CHANNELS / "mcp" / "server.py"]
# what only the runtime has: the gate, the store and its books, the directory
INTERNALS = {"gate", "rt", "runtime", "engine", "audit", "confirmations", "directory", "vocabulary"}
WIRING = {"outbox_channel", "wired"}  # build the Agent on the caller's runtime, nothing else


def _touches(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, attribute) of every internal attribute read outside the wiring functions."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in WIRING:
            return
        if isinstance(node, ast.Attribute) and node.attr in INTERNALS:
            found.append((node.lineno, node.attr))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


@pytest.mark.parametrize("path", LOGIC, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_channel_logic_touches_no_runtime_internal(path):
    assert _touches(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_probe_finds_a_bypass():
    bypass = "def on_approve(self, actor, ref):\n    return self.rt.gate.approve(actor, ref)\n"
    assert _touches(ast.parse(bypass)) == [(2, "gate"), (2, "rt")]


def test_the_import_contract_covers_both_channels_and_the_internals():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}
    contract = contracts["channels-on-the-api"]
    assert contract["type"] == "forbidden"
    assert set(contract["source_modules"]) == {"agent.channels.slack", "agent.channels.mcp"}
    internals = {"agent.runtime", "agent.conversation", "agent.backends", "tools"}
    assert internals <= set(contract["forbidden_modules"])
    # an exception names one module pair, never a whole channel
    assert all(" -> " in rule and "*" not in rule for rule in contract.get("ignore_imports", []))
