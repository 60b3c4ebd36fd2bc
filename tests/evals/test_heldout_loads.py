"""The held-out test sets (evals/heldout/ to evals/heldout4/) are usable: every file parses
and builds its sandbox.

Only that: whether the planner passes these scenarios is a measurement (each set's BASELINE.md),
never a test, because a test that must pass is something a planner gets tuned on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.runner import check_setups
from evals.scenario import load_scenarios

EVALS = Path(__file__).resolve().parents[2] / "evals"
# folder -> (the prefix of its ids, the fewest scenarios it must hold); heldout3 and heldout4 were
# briefed with "h3-" and "h4-"
SETS = {"heldout": ("heldout-", 45), "heldout2": ("heldout2-", 70), "heldout3": ("h3-", 80),
        "heldout4": ("h4-", 80)}


@pytest.mark.parametrize(("folder", "prefix", "least"), [(f, *spec) for f, spec in SETS.items()])
def test_every_heldout_scenario_loads_and_builds_its_sandbox(folder, prefix, least):
    scenarios = load_scenarios([EVALS / folder])
    check_setups(scenarios)  # raises ScenarioError naming each broken file
    assert len(scenarios) >= least
    assert all(s.id.startswith(prefix) and s.tags for s in scenarios)
    actors = [("employee" in s.tags, "admin" in s.tags) for s in scenarios]
    assert all(employee != admin for employee, admin in actors), "each is tagged admin or employee"


def test_the_heldout_sets_are_apart_from_the_development_set_and_each_other():
    """Not under the default folder (so `dsadmin eval` and CI never run them), and no shared ids,
    so every folder can be run together."""
    folders = [EVALS / "scenarios", *(EVALS / name for name in SETS)]
    assert not any(EVALS.joinpath(name).is_relative_to(EVALS / "scenarios") for name in SETS)
    seen: set[str] = set()
    for folder in folders:
        ids = {s.id for s in load_scenarios([folder])}
        assert seen.isdisjoint(ids), folder
        seen |= ids
