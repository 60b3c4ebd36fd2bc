"""list_users and list_account through the gate: what a person asked to see, and nothing else."""

from __future__ import annotations

import pytest

ADMIN = "admin@acme.com"


def emails(result) -> set[str]:
    return {u["email"] for u in result.data["users"]}


def fixture_users(world, predicate) -> set[str]:
    return {u["email"] for u in world.dump()["users"]
            if not u.get("redacted") and any(predicate(a, m) for a, m in u["memberships"].items())}


def test_list_pending_users_across_every_account(world):
    result = world.submit(ADMIN, "list_users", status="pending", page_size=100)
    assert result.kind == "ok", result
    expected = fixture_users(world, lambda a, m: m["status"] in ("activation_required", "activation_sent"))
    assert emails(result) == expected
    assert {"nina.patel@acme.com", "raj.kumar@acme.com", "carlos.rivera@acme.com"} <= expected
    assert len(result.data["users"]) == len(expected), "a user pending on two accounts is listed once"
    daniel = next(u for u in result.data["users"] if u["email"] == "daniel.lopez@acme.com")
    assert sorted(m["account"] for m in daniel["memberships"]) == ["Acme Main", "EMEA"]


@pytest.mark.parametrize("status", ["active", "closed", "disabled"])
def test_list_by_status(world, status):
    result = world.submit(ADMIN, "list_users", status=status, page_size=100)
    assert emails(result) == fixture_users(world, lambda a, m: m["status"] == status)


def test_list_one_account_by_name_fragment(world):
    result = world.submit(ADMIN, "list_users", account="EMEA", name_contains="doe")
    assert emails(result) == {"john.doe@acme.com"}


def test_list_by_email_shows_every_membership(world):
    result = world.submit(ADMIN, "list_users", email="emma.johnson@acme.com")
    (emma,) = result.data["users"]
    assert sorted(m["account"] for m in emma["memberships"]) == ["Acme Legal", "Acme Main", "EMEA"]


def test_paging_with_a_cursor_covers_everyone_once(world):
    seen, cursor, pages = [], None, 0
    while True:
        args = {"page_size": 7, **({"cursor": cursor} if cursor else {})}
        page = world.submit(ADMIN, "list_users", **args)
        assert page.kind == "ok", page
        assert len(page.data["users"]) <= 7
        seen += [u["email"] for u in page.data["users"]]
        pages += 1
        cursor = page.next_cursor
        if not cursor:
            break
    everyone = {u["email"] for u in world.dump()["users"]}
    assert sorted(seen) == sorted(everyone) and pages == -(-len(everyone) // 7)


def test_a_cursor_from_another_query_is_refused(world):
    first = world.submit(ADMIN, "list_users", page_size=5)
    other = world.submit(ADMIN, "list_users", page_size=5, status="active", cursor=first.next_cursor)
    assert other.kind == "error" and "different query" in other.message


def test_organization_and_accounts(world):
    result = world.submit(ADMIN, "list_account", operation="organization")
    assert result.data["name"] == "Acme Corp"
    assert [a["name"] for a in result.data["accounts"]] == [a["name"] for a in world.dump()["accounts"]]
    assert result.data["default_account"] == "Acme Main"


def test_permission_profiles_on_acme_legal(world):
    result = world.submit(ADMIN, "list_account", operation="permission_profiles", account="Acme Legal")
    assert result.kind == "ok", result
    legal = next(a for a in world.dump()["accounts"] if a["name"] == "Acme Legal")
    assert [p["name"] for p in result.data["permission_profiles"]] == legal["permission_profiles"]
    assert "Paralegal" in result.summary


def test_groups_of_an_account(world):
    result = world.submit(ADMIN, "list_account", operation="groups", account="contractors")
    assert [g["name"] for g in result.data["groups"]] == ["Everyone", "Administrators", "Vendors"]


def test_an_employee_asks_for_their_own_accounts_and_profile(world):
    result = world.submit("jane.smith@acme.com", "list_account", operation="user_memberships",
                          email="jane.smith@acme.com")
    assert result.kind == "ok", result
    got = {m["account"]: (m["permission_profile"], sorted(m["groups"])) for m in result.data["memberships"]}
    jane = world.user("jane.smith@acme.com")["memberships"]
    assert got == {a: (m["permission_profile"], sorted(m["groups"])) for a, m in jane.items()}
    assert "Account Administrator" in result.summary


def test_reads_change_nothing(world):
    before = world.dump()
    world.submit(ADMIN, "list_users", status="pending")
    world.submit(ADMIN, "list_account", operation="groups", account="EMEA")
    assert world.dump() == before and world.writes() == []
