"""How results read to a person: timestamps without seconds, fixes without tool names, each fact once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from agent.render import for_people, receipt_line, result_text, tables_text, when


def test_timestamps_read_to_the_minute_in_utc():
    assert when("2026-11-26T10:03:12.655982+00:00") == "2026-11-26 10:03 UTC"
    assert when(datetime(2026, 11, 26, 11, 3, 59, 999, tzinfo=timezone(timedelta(hours=1)))) == (
        "2026-11-26 10:03 UTC"
    )
    assert when("not a time") == "not a time" and when(None) == ""
    [table] = tables_text([{"id": "apr_1", "expires_at": datetime(2026, 11, 26, 10, 3, 7, 12, tzinfo=UTC)}])
    assert "2026-11-26 10:03 UTC" in table and "10:03:07" not in table


def test_a_confirmation_reply_gives_the_expiry_once_and_plainly():
    text = result_text(
        {
            "kind": "needs_confirmation",
            "summary": "This will purge tom.baker@acme.com's personal data. Confirm to go ahead.",
            "expires_at": "2026-11-23T10:32:25.655982+00:00",
        }
    )
    assert text.count("tom.baker@acme.com") == 1 and "10:32 UTC" in text and ".655982" not in text


def test_a_pending_approval_names_the_request_once_and_no_channel_s_command():
    text = result_text(
        {
            "kind": "pending_approval",
            "summary": "Request apr_9 to create user a@acme.com is waiting for an approver's approval.",
            "approval_id": "apr_9",
            "approver_role": "approver",
        }
    )
    assert text.count("apr_9") == 1 and text.count("waiting") == 1
    # the words reach Slack, the web pages and MCP too: the CLI adds its own command (test_main)
    assert "dsadmin approvals approve" not in text and "APPROVER_EMAIL" not in text


def test_fixes_are_worded_for_a_person_with_the_email_the_error_names():
    text = result_text(
        {
            "kind": "error",
            "message": "maya.chen@acme.com has no membership on Contractors; nothing was changed",
            "fix": "list the user's memberships with list_account operation 'user_memberships'",
        }
    )
    assert "list_account" not in text and "show maya.chen@acme.com's memberships" in text
    assert "reactivate a@acme.com on EMEA" in for_people(
        "use manage_user operation 'reactivate' with account 'EMEA'", "a@acme.com is closed on EMEA"
    )


def test_no_tool_or_operation_name_survives_in_the_known_fixes():
    fixes = [
        "list the user's memberships with list_account operation 'user_memberships', or add the user "
        "with operation 'add_to_account'",
        "reopen it with manage_user operation 'reactivate' and account 'EMEA'",
        "use manage_account_membership (change_permission_profile / add_groups) to change it",
        "use manage_user 'provision' (or manage_account_membership 'add_to_account')",
        "to change its profile use manage_account_membership 'change_permission_profile'",
        "close the user first (manage_user 'close' with all_accounts), then purge after 24 hours",
        "check the spelling of the email, or list users with list_users",
    ]
    for fix in fixes:
        worded = for_people(fix, "a@acme.com has no membership on EMEA")
        assert not re.search(r"manage_|list_account|list_users|add_to_account|operation '", worded), worded


def test_the_receipt_has_one_line_per_call_in_the_gates_words():
    from agent.render import receipt_text

    results = [
        {"kind": "ok", "action": "manage_user", "operation": "close", "changed": True,
         "summary": "Closed x@acme.com's membership on EMEA."},
        {"kind": "ok", "action": "list_users", "operation": "", "summary": "3 users."},
        {"kind": "denied", "action": "list_users", "operation": "", "reasons": ["the employee role may not "
                                                                               "list_users list"]},
        {"kind": "needs_confirmation", "action": "manage_user", "operation": "purge",
         "token": "SECRET-TOKEN-XYZ", "summary": "This will purge x@acme.com. Confirm to go ahead."},
        {"kind": "pending_approval", "action": "manage_user", "operation": "provision",
         "approval_id": "apr_1", "approver_role": "approver", "summary": "Request apr_1 ..."},
        {"kind": "error", "action": "manage_user", "operation": "close", "message": "no such user"},
    ]
    lines = receipt_text(results).splitlines()
    assert lines == [
        "Receipt (dsadmin's own record):",
        "- done: Closed x@acme.com's membership on EMEA.",
        "- read: 3 users.",
        "- denied (list or search users): the employee role may not list or search users",
        "- waits for your confirmation: purge x@acme.com.",
        "- waits for approval: request apr_1 (provision users)",
        "- failed (close users' memberships): no such user",
    ]
    assert "SECRET-TOKEN-XYZ" not in receipt_text(results)
    assert receipt_text([]).endswith("no call was made; nothing was changed.")


def test_a_read_that_finds_no_user_is_a_finding_and_a_failed_write_stays_a_failure():
    message = "no DocuSign user with email maya.chen@acme.com in this organization; nothing was changed"
    read = {"kind": "error", "action": "list_account", "operation": "user_memberships", "message": message}
    found = "- read: no DocuSign user with email maya.chen@acme.com in this organization (yet)"
    assert receipt_line(read) == found
    write = {**read, "action": "manage_account_membership", "operation": "add_groups"}
    assert receipt_line(write).startswith("- failed (")
    other = {**read, "message": "DocuSign did not answer; nothing was changed"}
    assert receipt_line(other).startswith("- failed (")


def test_a_cancelled_confirmation_is_not_receipted_as_a_read():
    from agent.render import receipt_line

    line = receipt_line({"kind": "ok", "action": "", "operation": "", "changed": False,
                         "summary": "Cancelled; nothing was changed."})
    assert line == "- not changed: Cancelled; nothing was changed."
