"""Bad input: each gets an error that names what to fix, and DocuSign is left exactly as it was."""

from __future__ import annotations

import pytest

ADMIN = "admin@acme.com"

CASES = [
    pytest.param("admin@acme.com", "manage_user",
                 dict(operation="provision", email="maya.chen@", account="Acme Main"),
                 "error", ["'maya.chen@' is not a valid email address"], [], id="malformed-email"),
    pytest.param("admin@acme.com", "manage_user",
                 dict(operation="provision", email="maya.chen@acme.com", account="Acme Mian",
                      permission_profile="DocuSign Sender"),
                 "error", ["no account 'Acme Mian'"], ["Acme Main"], id="unknown-account"),
    pytest.param("admin@acme.com", "manage_account_membership",
                 dict(operation="change_permission_profile", email="john.doe@acme.com", account="EMEA",
                      permission_profile="DocuSign Sendr"),
                 "error",
                 ["no permission profile 'DocuSign Sendr' on EMEA", "did you mean 'DocuSign Sender'"],
                 ["DocuSign Sender"], id="unknown-profile"),
    pytest.param("admin@acme.com", "manage_account_membership",
                 dict(operation="add_groups", email="john.doe@acme.com", account="EMEA",
                      groups=["Marketing"]),
                 "error", ["no group 'Marketing' on EMEA"], [], id="unknown-group"),
    pytest.param("admin@acme.com", "manage_user",
                 dict(operation="provision", email="maya.chen@acme.com", account="Acme",
                      permission_profile="DocuSign Sender"),
                 "error", ["no account 'Acme'"], ["Acme Main", "Acme Legal"], id="ambiguous-account"),
    pytest.param("admin@acme.com", "manage_account_membership",
                 dict(operation="change_permission_profile", email="nobody@acme.com", account="EMEA",
                      permission_profile="DocuSign Sender"),
                 "error", ["no DocuSign user with email nobody@acme.com"], [], id="user-not-found"),
    pytest.param("admin@acme.com", "manage_account_membership",
                 dict(operation="remove_from_account", email="john.doe@acme.com", account="Acme Legal"),
                 "error", ["john.doe@acme.com has no membership on Acme Legal"], [], id="membership-lacking"),
    pytest.param("sam.lee@acme.com", "manage_account_membership",
                 dict(operation="change_permission_profile", email="john.doe@acme.com", account="EMEA",
                      permission_profile="DocuSign Viewer"),
                 "denied", ["only for themselves, not for john.doe@acme.com"], [],
                 id="employee-other-target"),
    pytest.param("admin@acme.com", "manage_user",
                 dict(operation="provision", email="maya.chen@acme.com", first_name="M" * 51),
                 "error", ["first_name: String should have at most 50 characters"], [], id="oversized"),
    pytest.param("admin@acme.com", "manage_account_membership",
                 dict(operation="set_groups", email="john.doe@acme.com", account=["EMEA"], groups=["Sales"]),
                 "error", ["account: Input should be a valid string"], [], id="non-text-account"),
    pytest.param("admin@acme.com", "manage_user",
                 dict(operation="provision", email="maya.chen@acme.com", last_name="Chen\x00; DROP"),
                 "error", ["last_name: must be printable text"], [], id="control-characters"),
    pytest.param("admin@acme.com", "manage_account_membership",
                 dict(operation="add_groups", email="john.doe@acme.com", account="EMEA", groups=[{"id": 1}]),
                 "error", ["groups.0: Input should be a valid string"], [], id="non-text-group"),
]


@pytest.mark.parametrize(("who", "action", "args", "kind", "phrases", "suggestions"), CASES)
def test_bad_input_is_refused_clearly_and_changes_nothing(world, who, action, args, kind, phrases,
                                                          suggestions):
    before = world.dump()
    result = world.submit(who, action, **args)
    assert result.kind == kind, result
    text = " ".join([getattr(result, "message", ""), getattr(result, "fix", None) or "",
                     *getattr(result, "reasons", [])])
    for phrase in phrases:
        assert phrase in text, f"{phrase!r} not in {text!r}"
    for suggestion in suggestions:
        assert suggestion in result.suggestions
    assert world.dump() == before
    assert world.writes() == [], "a refused call still wrote to DocuSign"


def test_unknown_action_fails_closed(world):
    before = world.dump()
    result = world.submit(ADMIN, "delete_organization", everything=True)
    assert result.kind == "error" and "unknown action" in result.fix
    assert world.dump() == before
