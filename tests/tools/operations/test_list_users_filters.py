"""list_users asks DocuSign for what it wants (the spec's filters), so requests grow with the answer,
not with the org; and the answer is exactly what the sandbox holds."""

from __future__ import annotations

import math

import pytest

from evals.bench.bench_gate_requests import ADMIN, open_bench

PENDING = ("activation_required", "activation_sent")


@pytest.fixture(scope="module")
def big():
    from tools.docusign.sandbox import Sandbox
    from tools.docusign.sandbox.generate import generate_org

    return Sandbox.from_fixture(generate_org(2_500, seed=5))


def test_who_is_pending_costs_one_page_per_hundred_pending_per_account_and_status(big, tmp_path):
    bench = open_bench(big, f"sqlite:///{tmp_path / 'store.db'}")
    dump = big.dump()
    expected = {
        u["email"] for u in dump["users"] if any(m["status"] in PENDING for m in u["memberships"].values())
    }
    per = {(a["name"], s): 0 for a in dump["accounts"] for s in PENDING}
    for u in dump["users"]:
        for account, m in u["memberships"].items():
            if m["status"] in PENDING:
                per[(account, m["status"])] += 1
    result = bench.submit(ADMIN, "list_users", status="pending", page_size=100)
    listings = [r for r in bench.seen if r.path_template.endswith("/users")]  # the first page's cost
    listed = [u["email"] for u in result.data["users"]]
    while result.next_cursor:
        result = bench.submit(ADMIN, "list_users", status="pending", page_size=100, cursor=result.next_cursor)
        listed += [u["email"] for u in result.data["users"]]
    assert sorted(listed) == sorted(expected)  # everyone pending, once
    minimum = sum(max(1, math.ceil(n / 100)) for n in per.values())
    every_member = sum(math.ceil(sum(1 for u in dump["users"] if a["name"] in u["memberships"]) / 100)
                       for a in dump["accounts"])
    assert len(listings) == minimum < every_member / 3


def test_each_listing_carries_one_membership_status_and_an_account(world):
    assert world.submit(ADMIN, "list_users", status="pending").kind == "ok"
    queries = world.user_queries()
    assert queries and all(len(q["membership_status"]) == 1 and "account_id" in q for q in queries)
    assert {q["membership_status"][0] for q in queries} == set(PENDING)
