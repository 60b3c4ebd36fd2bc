"""manage_user through the gate, judged by what the sandbox holds afterwards."""

from __future__ import annotations

ADMIN = "admin@acme.com"


def test_provision_creates_the_user_with_profile_and_group_in_one_write(world):
    result = world.submit(ADMIN, "manage_user", operation="provision", email="maya.chen@acme.com",
                          first_name="Maya", last_name="Chen", account="Acme Main",
                          permission_profile="DocuSign Sender", groups=["Sales"])
    assert result.kind == "ok", result
    maya = world.membership("maya.chen@acme.com", "Acme Main")
    assert maya is not None and maya["permission_profile"] == "DocuSign Sender"
    assert "Sales" in maya["groups"]
    assert [(r.method, r.path_template) for r in world.writes()] == [
        ("POST", "/v2/organizations/{organizationId}/users")]
    user = world.user("maya.chen@acme.com")
    assert (user["first_name"], user["last_name"]) == ("Maya", "Chen")
    assert set(user["memberships"]) == {"Acme Main"}


def test_provision_again_reports_the_access_and_writes_nothing(world):
    args = dict(operation="provision", email="maya.chen@acme.com", account="Acme Main",
                permission_profile="DocuSign Sender", groups=["Sales"])
    assert world.submit(ADMIN, "manage_user", **args).kind == "ok"
    before, writes = world.dump(), len(world.writes())
    again = world.submit(ADMIN, "manage_user", **args)
    assert again.kind == "ok" and not again.changed
    assert "already has access" in again.summary
    assert world.dump() == before and len(world.writes()) == writes


def test_provision_of_an_existing_user_on_another_account_adds_the_membership(world):
    before = world.membership("sam.lee@acme.com", "Acme Main")
    result = world.submit(ADMIN, "manage_user", operation="provision", email="sam.lee@acme.com",
                          account="EMEA", permission_profile="DocuSign Viewer", groups=["Finance"])
    assert result.kind == "ok", result
    emea = world.membership("sam.lee@acme.com", "EMEA")
    assert emea["permission_profile"] == "DocuSign Viewer" and "Finance" in emea["groups"]
    assert world.membership("sam.lee@acme.com", "Acme Main") == before
    assert [r.path_template for r in world.writes()] == [
        "/v2/organizations/{organizationId}/accounts/{accountId}/users"]


def test_provision_of_a_closed_user_points_to_reactivate_and_changes_nothing(world):
    before = world.dump()
    result = world.submit(ADMIN, "manage_user", operation="provision", email="tom.baker@acme.com",
                          account="Acme Main", permission_profile="DocuSign Sender")
    assert result.kind == "error" and "reactivate" in (result.fix or "")
    assert world.dump() == before


def test_provision_without_account_uses_the_default_account(world):
    result = world.submit(ADMIN, "manage_user", operation="provision", email="new.person@acme.com",
                          permission_profile="DocuSign Viewer")
    assert result.kind == "ok", result
    assert world.membership("new.person@acme.com", "Acme Main")["permission_profile"] == "DocuSign Viewer"


def test_update_names_and_job_title(world):
    result = world.submit(ADMIN, "manage_user", operation="update", email="sam.lee@acme.com",
                          last_name="Lee-Park", job_title="Marketing Lead", account="Acme Main")
    assert result.kind == "ok", result
    sam = world.user("sam.lee@acme.com")
    assert sam["last_name"] == "Lee-Park" and sam["first_name"] == "Sam"
    assert world.membership("sam.lee@acme.com", "Acme Main")["job_title"] == "Marketing Lead"


def test_a_job_title_is_said_to_be_set_never_updated_since_the_old_one_is_unread(world):
    """The Admin API never shows job titles: setting the title a user already has cannot be told from
    a change, so the person reads that it was set and that the old title is unknown."""
    args = dict(operation="update", email="sam.lee@acme.com", job_title="Marketing Lead", account="Acme Main")
    assert world.submit(ADMIN, "manage_user", **args).kind == "ok"
    again = world.submit(ADMIN, "manage_user", **args)
    assert again.kind == "ok", again
    assert world.membership("sam.lee@acme.com", "Acme Main")["job_title"] == "Marketing Lead"
    assert "Updated" not in again.summary and "changed" not in again.summary.lower()
    assert again.summary.startswith("Set sam.lee@acme.com's job title on Acme Main to 'Marketing Lead'")
    assert "does not report the previous title" in again.summary


def test_a_name_change_with_a_title_says_which_was_changed_and_which_only_set(world):
    result = world.submit(ADMIN, "manage_user", operation="update", email="sam.lee@acme.com",
                          first_name="Samuel", job_title="Lead", account="Acme Main")
    assert result.kind == "ok", result
    assert world.user("sam.lee@acme.com")["first_name"] == "Samuel"
    assert result.summary.startswith("Updated sam.lee@acme.com: first name to 'Samuel'; set the job title")
    assert "does not report the previous title" in result.summary


def test_close_one_membership_leaves_the_others(world):
    world.sandbox.merge({"users": [{"email": "maya.chen@acme.com", "first_name": "Maya", "last_name": "Chen",
                                    "memberships": {
                                        "Acme Main": {"permission_profile": "DocuSign Sender"},
                                        "Contractors": {"permission_profile": "DocuSign Viewer"}}}]})
    result = world.submit(ADMIN, "manage_user", operation="close", email="maya.chen@acme.com",
                          account="Contractors")
    assert result.kind == "ok", result
    assert world.membership("maya.chen@acme.com", "Contractors")["status"] == "closed"
    assert world.membership("maya.chen@acme.com", "Acme Main")["status"] == "active"


def test_close_all_memberships_closes_the_user(world):
    before = world.dump()
    asked = world.submit(ADMIN, "manage_user", operation="close", email="emma.johnson@acme.com",
                         all_accounts=True)
    assert world.dump() == before, "a multi-account close waits for the person's confirmation"
    assert {(r["account"], r["after"]) for r in asked.preview} == {
        ("Acme Main", "closed"), ("Acme Legal", "closed"), ("EMEA", "closed")}
    result = world.confirm(ADMIN, asked)
    assert result.kind == "ok", result
    emma = world.user("emma.johnson@acme.com")
    assert {m["status"] for m in emma["memberships"].values()} == {"closed"}


def test_close_several_named_accounts(world):
    asked = world.submit(ADMIN, "manage_user", operation="close", email="emma.johnson@acme.com",
                         accounts=["Acme Legal", "EMEA"])
    result = world.confirm(ADMIN, asked)
    assert result.kind == "ok", result
    statuses = {a: m["status"] for a, m in world.user("emma.johnson@acme.com")["memberships"].items()}
    assert statuses == {"Acme Legal": "closed", "EMEA": "closed", "Acme Main": "active"}


def test_reactivate_with_a_new_profile(world):
    assert world.membership("tom.baker@acme.com", "Acme Main")["status"] == "closed"
    result = world.submit(ADMIN, "manage_user", operation="reactivate", email="tom.baker@acme.com",
                          account="Acme Main", permission_profile="DocuSign Viewer")
    assert result.kind == "ok", result
    tom = world.membership("tom.baker@acme.com", "Acme Main")
    assert tom["status"] != "closed"
    assert tom["permission_profile"] == "DocuSign Viewer"


def test_reactivate_an_open_membership_is_refused(world):
    before = world.dump()
    result = world.submit(ADMIN, "manage_user", operation="reactivate", email="sam.lee@acme.com",
                          account="Acme Main", permission_profile="DocuSign Viewer")
    assert result.kind == "error" and "not closed" in result.message
    assert world.dump() == before


def test_purge_of_an_active_user_is_refused_without_asking_for_confirmation(world):
    before = world.dump()
    result = world.submit(ADMIN, "manage_user", operation="purge", email="sam.lee@acme.com")
    assert result.kind == "error", result
    assert "still active" in result.message
    assert world.dump() == before
    assert world.events("confirmation_issued") == []


def test_purge_waits_24_hours_after_closing_then_needs_confirmation(world):
    """lisa.wong was closed 12 hours ago: refused; 13 hours later (25 h) it asks for confirmation."""
    before = world.dump()
    early = world.submit(ADMIN, "manage_user", operation="purge", email="lisa.wong@acme.com")
    assert early.kind == "error" and "24 hours" in early.message, early
    assert world.dump() == before

    world.sandbox.clock.advance(hours=13)
    asked = world.submit(ADMIN, "manage_user", operation="purge", email="lisa.wong@acme.com")
    assert asked.kind == "needs_confirmation", asked
    assert "lisa.wong@acme.com" in asked.summary and asked.token
    assert world.dump() == before, "asking for confirmation must not change anything"


def test_purge_runs_after_confirmation_and_approval(world):
    world.sandbox.clock.advance(hours=13)
    redacted_before = [u for u in world.dump()["users"] if u.get("redacted")]
    asked = world.submit(ADMIN, "manage_user", operation="purge", email="lisa.wong@acme.com")
    confirmed = world.gate.confirm(world.actor(ADMIN), asked.token)
    assert confirmed.kind == "pending_approval", confirmed
    assert world.user("lisa.wong@acme.com")["first_name"] == "Lisa"
    done = world.gate.approve(world.actor("approver@acme.com"), confirmed.approval_id)
    assert done.kind == "ok", done
    assert world.user("lisa.wong@acme.com") is None
    redacted = [u for u in world.dump()["users"] if u.get("redacted")]
    assert len(redacted) == len(redacted_before) + 1
    assert "first_name" not in redacted[-1] and "Acme Main" in redacted[-1]["memberships"]


def test_purge_of_a_user_still_open_elsewhere_is_refused(world):
    """rachel.green: closed on Acme Main 30 days ago, still active on EMEA."""
    before = world.dump()
    result = world.submit(ADMIN, "manage_user", operation="purge", email="rachel.green@acme.com")
    assert result.kind == "error" and "still active on EMEA" in result.message
    # a purge is of the whole user: naming an account is a misunderstanding, refused as such
    scoped = world.submit(ADMIN, "manage_user", operation="purge", email="rachel.green@acme.com",
                          account="Acme Main")
    assert scoped.kind == "error" and "purge does not take 'account'" in scoped.fix, scoped
    assert world.dump() == before
