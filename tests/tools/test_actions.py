"""The action schemas refuse what a model should not be able to send, naming each field."""

from __future__ import annotations

import pytest

from policies import catalogue
from tools.actions import (
    ACTION_MODELS,
    ACTION_NAMES,
    EMAIL_RE,
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


# -- the models agree with the catalogue, field by field -------------------------------------------

SAMPLE = {"email": "a@acme.com", "text": "EMEA", "name": "Ann", "texts": ["Sales"], "boolean": True,
          "integer": 10, "cursor": "c1", "choice": None, "since": "24h", "file": "new_hires.csv"}


def _schema_of(spec_kind: str, prop: dict) -> dict:
    """The non-null branch of an optional property."""
    branches = [b for b in prop.get("anyOf", [prop]) if b.get("type") != "null"]
    assert len(branches) == 1, (spec_kind, prop)
    return branches[0]


@pytest.mark.parametrize("act", catalogue.ACTIONS, ids=lambda a: a.name)
def test_each_model_agrees_with_the_catalogue_field_by_field(act):
    model = ACTION_MODELS[act.name]
    assert list(model.model_fields) == list(act.field_names)
    schema = model.model_json_schema()
    props = schema["properties"]
    assert set(schema.get("required", ())) == {n for n in act.field_names if act.always_required(n)}
    operation = props.get("operation")
    if act.takes_operation:
        assert operation["enum"] == list(act.operation_names)
        assert operation["description"] == act.operation_description()
    else:
        assert operation is None and model(**{}).operation_name() == act.operations[0].name
    for spec in act.fields:
        prop, info = props[spec.name], model.model_fields[spec.name]
        assert prop["description"] == spec.description, spec.name
        if not act.always_required(spec.name):
            assert info.default == spec.default, spec.name
        shape = _schema_of(spec.kind, prop)
        expected = {
            "email": {"type": "string", "pattern": EMAIL_RE.pattern, "maxLength": 100},
            "text": {"type": "string", "minLength": 1, "maxLength": 100},
            "name": {"type": "string", "minLength": 1, "maxLength": 50},
            "cursor": {"type": "string", "maxLength": 200},
            "texts": {"type": "array", "maxItems": 20},
            "boolean": {"type": "boolean"},
            "integer": {"type": "integer", "minimum": spec.minimum, "maximum": spec.maximum},
            "choice": {"type": "string", "enum": list(spec.choices)},
            "since": {"type": "string", "maxLength": 40},
            "file": {"type": "string", "minLength": 1, "maxLength": 200},
        }[spec.kind]
        assert {k: shape.get(k) for k in expected} == expected, spec.name


def _minimal(act: catalogue.Action, op: catalogue.Operation) -> dict:
    args: dict = {"operation": op.name} if act.takes_operation else {}
    for name in op.required + op.exactly_one_of[:1] + op.at_least_one_of[:1]:
        spec = act.spec(name)
        args[name] = SAMPLE[spec.kind] if spec.kind != "choice" else spec.choices[0]
    return args


@pytest.mark.parametrize(("act", "op"), list(catalogue.operations()),
                         ids=[f"{a.name}.{o.name}" for a, o in catalogue.operations()])
def test_each_operation_accepts_its_fields_and_refuses_the_others(act, op):
    args = _minimal(act, op)
    parsed = parse_call(call(act.name, **args))
    assert parsed.operation_name() == op.name
    for name in op.required:
        text = problems(act.name, **{k: v for k, v in args.items() if k != name})
        assert f"{op.name} needs '{name}'" in text or f"{name}: Field required" in text
    for spec in act.fields:
        value = SAMPLE[spec.kind] if spec.kind != "choice" else spec.choices[0]
        if spec.name in op.accepted and spec.name not in op.exactly_one_of:
            parse_call(call(act.name, **{**args, spec.name: value}))
        elif spec.name not in op.accepted:
            assert f"does not take '{spec.name}'" in problems(act.name, **{**args, spec.name: value})


def test_tool_schemas_follow_the_catalogue():
    tools = tool_schemas()
    assert [t["name"] for t in tools] == list(catalogue.ACTION_NAMES)
    assert [t["description"] for t in tools] == [a.description for a in catalogue.ACTIONS]
