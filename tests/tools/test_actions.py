"""The action schemas refuse what a model should not be able to send, naming each field."""

from __future__ import annotations

import pytest

from tools.actions import (
    ACTION_NAMES,
    InvalidCall,
    ListAccount,
    ManageAccountMembership,
    ManageUser,
    ToolCall,
    parse_call,
    tool_schemas,
)


def call(action: str, **args) -> ToolCall:
    return ToolCall(id="t1", action=action, args=args)


def problems(action: str, **args) -> str:
    with pytest.raises(InvalidCall) as info:
        parse_call(call(action, **args))
    return "; ".join(info.value.problems)


def test_provision_parses_and_normalises_email():
    parsed = parse_call(call("manage_user", operation="provision", email=" Maya.Chen@Acme.com ",
                             account="Acme Main", permission_profile="DocuSign Sender", groups=["Sales"]))
    assert isinstance(parsed, ManageUser)
    assert parsed.email == "maya.chen@acme.com"
    assert parsed.groups == ["Sales"]
    assert parsed.target_email() == "maya.chen@acme.com"


@pytest.mark.parametrize("email", ["maya.chen", "maya@", "@acme.com", "maya chen@acme.com", "a@b"])
def test_malformed_email_is_named(email):
    assert f"{email!r} is not a valid email address" in problems("manage_user", operation="provision",
                                                                  email=email)


def test_unknown_action_lists_the_real_ones():
    text = problems("delete_everything")
    for name in ACTION_NAMES:
        assert name in text


def test_unknown_field_is_refused():
    assert "is_admin: unknown field" in problems("manage_user", operation="provision",
                                                 email="a@acme.com", is_admin=True)


def test_oversized_and_control_characters_are_refused():
    assert "first_name" in problems("manage_user", operation="provision", email="a@acme.com",
                                    first_name="x" * 51)
    assert "printable text" in problems("manage_user", operation="provision", email="a@acme.com",
                                        first_name="Eve\x00")
    assert "account" in problems("manage_account_membership", operation="set_groups",
                                 email="a@acme.com", account=["not", "text"], groups=["Sales"])


@pytest.mark.parametrize(
    ("action", "args", "expected"),
    [
        ("manage_user", {"operation": "close", "email": "a@acme.com"}, "exactly one of"),
        ("manage_user", {"operation": "close", "email": "a@acme.com", "account": "EMEA",
                         "all_accounts": True}, "exactly one of"),
        ("manage_user", {"operation": "provision", "email": "a@acme.com", "all_accounts": True},
         "for operation 'close' only"),
        ("manage_user", {"operation": "reactivate", "email": "a@acme.com"}, "reactivate needs 'account'"),
        ("manage_user", {"operation": "update", "email": "a@acme.com"}, "at least one of"),
        ("list_account", {"operation": "groups"}, "groups needs 'account'"),
        ("list_account", {"operation": "user_memberships"}, "needs 'email'"),
        ("manage_account_membership", {"operation": "change_permission_profile", "email": "a@acme.com",
                                       "account": "EMEA"}, "needs 'permission_profile'"),
        ("list_users", {"page_size": 500}, "page_size"),
    ],
)
def test_operation_specific_requirements(action, args, expected):
    assert expected in problems(action, **args)


def test_operation_names_and_defaults():
    assert parse_call(call("list_users")).operation_name() == "list"
    membership = parse_call(call("manage_account_membership", operation="add_groups", email="j@acme.com",
                                 account="EMEA", groups=["Sales"]))
    assert isinstance(membership, ManageAccountMembership)
    assert membership.operation_name() == "add_groups"
    assert isinstance(parse_call(call("list_account", operation="organization")), ListAccount)


def test_tool_schemas_are_anthropic_tools():
    tools = {t["name"]: t for t in tool_schemas()}
    assert set(tools) == set(ACTION_NAMES)
    for tool in tools.values():
        assert tool["description"]
        assert tool["input_schema"]["type"] == "object"
        assert tool["input_schema"].get("additionalProperties") is False
    assert "operation" in tools["manage_user"]["input_schema"]["required"]
