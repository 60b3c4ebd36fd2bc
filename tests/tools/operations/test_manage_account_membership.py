"""manage_account_membership through the gate, judged by what the sandbox holds afterwards."""

from __future__ import annotations

ADMIN = "admin@acme.com"


def test_change_profile_on_one_account(world):
    asked = world.submit(ADMIN, "manage_account_membership", operation="change_permission_profile",
                         email="john.doe@acme.com", account="EMEA",
                         permission_profile="Account Administrator")
    assert asked.preview == [{"account": "EMEA", "field": "permission_profile", "before": "DocuSign Sender",
                              "after": "Account Administrator"}]
    assert world.writes() == [], "an administrator profile is granted only once the person confirms"
    result = world.confirm(ADMIN, asked)
    assert result.kind == "ok", result
    john = world.membership("john.doe@acme.com", "EMEA")
    assert john["permission_profile"] == "Account Administrator"
    assert john["groups"] == ["Sales"], "a profile change must leave the groups alone"
    assert [r.path_template for r in world.writes()] == ["/v2/organizations/{organizationId}/users/profiles"]


def test_change_to_the_profile_already_held_writes_nothing(world):
    before = world.dump()
    result = world.submit(ADMIN, "manage_account_membership", operation="change_permission_profile",
                          email="john.doe@acme.com", account="EMEA", permission_profile="DocuSign Sender")
    assert result.kind == "ok" and not result.changed
    assert world.dump() == before and world.writes() == []


def test_set_add_and_remove_groups(world):
    email = "sofia.rossi@acme.com"  # EMEA: Sales, Finance
    assert world.submit(ADMIN, "manage_account_membership", operation="remove_groups", email=email,
                        account="EMEA", groups=["Finance"]).kind == "ok"
    assert world.membership(email, "EMEA")["groups"] == ["Sales"]
    assert world.submit(ADMIN, "manage_account_membership", operation="add_groups", email=email,
                        account="EMEA", groups=["Administrators"]).kind == "ok"
    assert sorted(world.membership(email, "EMEA")["groups"]) == ["Administrators", "Sales"]
    assert world.submit(ADMIN, "manage_account_membership", operation="set_groups", email=email,
                        account="EMEA", groups=["Finance"]).kind == "ok"
    assert world.membership(email, "EMEA")["groups"] == ["Finance"]
    assert world.membership(email, "EMEA")["permission_profile"] == "DocuSign Sender"


def test_add_to_another_account(world):
    result = world.submit(ADMIN, "manage_account_membership", operation="add_to_account",
                          email="john.doe@acme.com", account="Acme Main",
                          permission_profile="DocuSign Viewer",
                          groups=["Sales"])
    assert result.kind == "ok", result
    main = world.membership("john.doe@acme.com", "Acme Main")
    assert main["permission_profile"] == "DocuSign Viewer" and main["groups"] == ["Sales"]
    assert world.membership("john.doe@acme.com", "EMEA")["status"] == "active"


def test_remove_from_account(world):
    result = world.submit(ADMIN, "manage_account_membership", operation="remove_from_account",
                          email="chris.park@acme.com", account="EMEA")
    assert result.kind == "ok", result
    assert world.membership("chris.park@acme.com", "EMEA")["status"] == "closed"
    assert world.membership("chris.park@acme.com", "Acme Main")["status"] == "active"


def test_changing_a_closed_membership_points_to_reactivate(world):
    before = world.dump()
    result = world.submit(ADMIN, "manage_account_membership", operation="change_permission_profile",
                          email="rachel.green@acme.com", account="Acme Main",
                          permission_profile="DocuSign Sender")
    assert result.kind == "error" and "reactivate" in (result.fix or "")
    assert world.dump() == before
