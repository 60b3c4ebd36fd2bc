"""The type checker's configuration: the whole product checked, strict exactly where the brief says.

Why read it through mypy's own parser: a misspelt flag in ``[tool.mypy]`` is only a warning on
stderr and the check silently gets weaker; and ``strict = true`` in an override is applied by mypy
to every module (so agent/ and evals/ would be held to a bar nobody meant). The per-module options
mypy computes are what the CI run of ``mypy`` uses.
"""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import pytest
from mypy.config_parser import parse_config_file
from mypy.main import define_options
from mypy.options import PER_MODULE_OPTIONS, Options

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
# (option, value) for every flag `mypy --strict` turns on, from mypy itself
STRICT_FLAGS = define_options()[2]


def _options() -> tuple[Options, str]:
    """The options mypy builds from pyproject.toml, and whatever it complained about."""
    options = Options()

    def set_strict_flags() -> None:  # what mypy does when it meets `strict = true`, wherever that is
        for dest, value in STRICT_FLAGS:
            setattr(options, dest, value)

    complaints = io.StringIO()
    parse_config_file(options, set_strict_flags, str(PYPROJECT), io.StringIO(), complaints)
    return options, complaints.getvalue()


def test_the_configuration_is_read_without_complaint():
    _, complaints = _options()
    assert complaints == ""


def test_every_product_package_is_checked():
    packages = {p.rstrip("*") for p in
                tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]["packages"]["find"]["include"]}
    options, _ = _options()
    assert set(options.files or ()) == packages


@pytest.mark.parametrize("module", ["audit", "audit.log", "policies", "policies.engine", "tools",
                                    "tools.gate", "tools.docusign.sandbox"])
def test_the_lower_layers_get_every_strict_flag(module):
    options, _ = _options()
    scoped = options.clone_for_module(module)
    weaker = [(dest, getattr(scoped, dest)) for dest, value in STRICT_FLAGS
              if dest in PER_MODULE_OPTIONS and getattr(scoped, dest) != value]
    assert weaker == []
    global_flags = [(dest, getattr(options, dest)) for dest, value in STRICT_FLAGS
                    if dest not in PER_MODULE_OPTIONS and getattr(options, dest) != value]
    assert global_flags == []


@pytest.mark.parametrize(
    "module", ["agent", "agent.channels.cli.main", "agent.channels.slack", "evals", "evals.runner"]
)
def test_agent_and_evals_are_checked_but_not_strict(module):
    scoped = _options()[0].clone_for_module(module)
    assert not scoped.ignore_errors
    assert not scoped.disallow_untyped_defs and not scoped.disallow_any_generics


def test_ci_runs_mypy_before_the_tests():
    """.ci/run runs README's test command; mypy there, with no paths, checks what ``files`` names."""
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"<!-- test-command -->\s*```\s*(.+?)\s*```", readme, re.S)
    assert command is not None
    steps = [step.strip() for step in command.group(1).split("&&")]
    assert "mypy" in steps
    assert steps.index("ruff check .") < steps.index("mypy") < steps.index(
        next(s for s in steps if s.startswith("pytest")))
