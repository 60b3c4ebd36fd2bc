"""Free text written into a user record starts at the value: an arrow, dash or colon that introduces a
title or a name is never written as part of it (a found defect: "title -> X" stored "-> X")."""

from __future__ import annotations

import pytest

from agent.backends.offline import Planner

ADMIN = "admin@acme.com"


@pytest.mark.parametrize("text", [
    "john.doe@acme.com job title -> Head of Legal",
    "john.doe@acme.com title => Head of Legal",
    "set the job title of john.doe@acme.com: Head of Legal",
    "update john.doe@acme.com, title — Head of Legal",
])
def test_a_mark_before_a_title_is_not_written(acme, text):
    plan = Planner(acme, ADMIN, ("admin",)).plan(text)
    titles = [c.args.get("job_title") for c in plan.calls if c.args.get("operation") == "update"]
    assert titles, (text, plan)
    assert titles == ["Head of Legal"], (text, plan)
