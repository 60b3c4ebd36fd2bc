"""The held-out test set (evals/heldout/) is usable: every file parses and builds its sandbox.

Only that: whether the planner passes these scenarios is a measurement (evals/heldout/BASELINE.md),
never a test, because a test that must pass is something a planner gets tuned on.
"""

from __future__ import annotations

from pathlib import Path

from evals.runner import check_setups
from evals.scenario import load_scenarios

EVALS = Path(__file__).resolve().parents[2] / "evals"
HELDOUT = EVALS / "heldout"


def test_every_heldout_scenario_loads_and_builds_its_sandbox():
    scenarios = load_scenarios([HELDOUT])
    check_setups(scenarios)  # raises ScenarioError naming each broken file
    assert len(scenarios) >= 45
    assert all(s.id.startswith("heldout-") and s.tags for s in scenarios)
    actors = [("employee" in s.tags, "admin" in s.tags) for s in scenarios]
    assert all(employee != admin for employee, admin in actors), "each is tagged admin or employee"


def test_the_heldout_set_is_apart_from_the_development_set():
    """Not under the default folder (so `dsadmin eval` and CI never run it), and no shared ids,
    so both folders can be run together."""
    assert not HELDOUT.is_relative_to(EVALS / "scenarios")
    dev = {s.id for s in load_scenarios([EVALS / "scenarios"])}
    assert dev.isdisjoint(s.id for s in load_scenarios([HELDOUT]))
