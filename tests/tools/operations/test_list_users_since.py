"""list_users' ``last_modified_since``: who changed since a moment, asked of DocuSign per account
(the spec wants an account with the filter), with spans and day words turned into a UTC moment on
the gate's clock, and anything else refused with the forms it takes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from evals.bench.bench_gate_requests import ADMIN
from tools.actions import InvalidCall, ToolCall, parse_call
from tools.operations.list_users import since_moment

NOW = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(("since", "moment"), [
    ("yesterday", datetime(2026, 11, 30, tzinfo=UTC)),
    ("today", datetime(2026, 12, 1, tzinfo=UTC)),
    ("3d", datetime(2026, 11, 28, 15, 30, tzinfo=UTC)),
    ("24h", datetime(2026, 11, 30, 15, 30, tzinfo=UTC)),
    ("2w", datetime(2026, 11, 17, 15, 30, tzinfo=UTC)),
    ("90m", datetime(2026, 12, 1, 14, 0, tzinfo=UTC)),
    ("2026-11-28", datetime(2026, 11, 28, tzinfo=UTC)),
    ("2026-11-28t09:00:00+01:00", datetime(2026, 11, 28, 8, tzinfo=UTC)),
])  # fmt: skip
def test_every_form_becomes_a_utc_moment(since, moment):
    action = parse_call(ToolCall(id="1", action="list_users", args={"last_modified_since": since}))
    assert since_moment(action.last_modified_since, NOW) == moment


@pytest.mark.parametrize("since", ["last week", "2026-02-30", "3 days", "since monday", "-1d"])
def test_other_forms_are_refused_naming_the_ones_it_takes(since):
    with pytest.raises(InvalidCall) as caught:
        parse_call(ToolCall(id="1", action="list_users", args={"last_modified_since": since}))
    assert caught.value.problems[0].startswith("last_modified_since:")
    assert "YYYY-MM-DD" in caught.value.problems[0] or "3d" in caught.value.problems[0]


def test_only_the_users_changed_since_then_are_listed_one_filtered_request_per_account(world):
    bench, sandbox = world, world.sandbox
    sandbox.advance_clock(days=3)
    changed = bench.submit(ADMIN, "manage_account_membership", operation="change_permission_profile",
                           email="sam.lee@acme.com", account="Acme Main",
                           permission_profile="DocuSign Viewer")
    assert changed.kind == "ok", changed
    asked_before = len(world.user_queries())
    result = bench.submit(ADMIN, "list_users", last_modified_since="1d")
    queries = world.user_queries()[asked_before:]
    assert result.kind == "ok" and [u["email"] for u in result.data["users"]] == ["sam.lee@acme.com"]
    assert "changed since" in result.summary
    accounts = len(sandbox.dump()["accounts"])
    assert len(queries) == accounts and all("last_modified_since" in q and "account_id" in q for q in queries)
    everyone = bench.submit(ADMIN, "list_users", last_modified_since="2w")
    assert everyone.data["total"] > 10  # the whole org was created in those two weeks
    by_email = bench.submit(ADMIN, "list_users", email="john.doe@acme.com", last_modified_since="1d")
    assert by_email.kind == "ok" and by_email.data["users"] == []
