"""The second held-out test set (evals/heldout2/) is usable: every file parses and builds its sandbox.

Only that: whether the planner passes these scenarios is a measurement (evals/heldout2/BASELINE.md),
never a test, because a test that must pass is something a planner gets tuned on.
"""

from __future__ import annotations

from pathlib import Path

from evals.runner import check_setups
from evals.scenario import load_scenarios

EVALS = Path(__file__).resolve().parents[2] / "evals"
HELDOUT2 = EVALS / "heldout2"


def test_every_heldout2_scenario_loads_and_builds_its_sandbox():
    scenarios = load_scenarios([HELDOUT2])
    check_setups(scenarios)  # raises ScenarioError naming each broken file
    assert len(scenarios) == 70
    assert all(s.id.startswith("heldout2-") and s.tags for s in scenarios)
    actors = [("employee" in s.tags, "admin" in s.tags) for s in scenarios]
    assert all(employee != admin for employee, admin in actors), "each is tagged admin or employee"


def test_the_second_heldout_set_shares_no_id_with_the_other_sets():
    """Apart from the default folder (CI never runs it), and no shared ids, so every folder can be
    run together."""
    assert not HELDOUT2.is_relative_to(EVALS / "scenarios")
    ids = {s.id for s in load_scenarios([HELDOUT2])}
    for other in (EVALS / "scenarios", EVALS / "heldout"):
        assert ids.isdisjoint(s.id for s in load_scenarios([other]))
