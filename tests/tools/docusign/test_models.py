"""The client's models are DocuSign's definitions: same names, same fields, same id types."""

from __future__ import annotations

import inspect
import typing
from datetime import datetime

import pytest
from pydantic import BaseModel, ValidationError

from tools.docusign import models

MODELS = [
    cls
    for name, cls in vars(models).items()
    if inspect.isclass(cls)
    and issubclass(cls, BaseModel)
    and not name.startswith("_")
    and cls.__module__ == models.__name__
]


def _leaf(annotation) -> type:
    """int for `int | None`, the element type for `list[X] | None`."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if (
        typing.get_origin(annotation) in (typing.Union, getattr(__import__("types"), "UnionType", None))
        and args
    ):
        return _leaf(args[0])
    if typing.get_origin(annotation) is list:
        return _leaf(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    return annotation


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_model_matches_the_spec_definition(spec, model):
    definition = spec["definitions"].get(model.__name__)
    assert definition is not None, f"{model.__name__} is not a definition in DocuSign's spec"
    props = definition.get("properties", {})
    for name, info in model.model_fields.items():
        assert name in props, f"{model.__name__}.{name} is not in the spec"
        prop = props[name]
        leaf = _leaf(info.annotation)
        schema = prop.get("items", prop) if prop.get("type") == "array" else prop
        if schema.get("type") == "integer":
            assert leaf is int, f"{model.__name__}.{name} is {schema.get('format')} in the spec"
        elif schema.get("type") == "string" and schema.get("format") != "date-time":
            assert leaf is str, f"{model.__name__}.{name} is a string in the spec"
        elif schema.get("format") == "date-time":
            assert leaf is datetime
        elif "$ref" in schema:
            assert leaf.__name__ == schema["$ref"].split("/")[-1]
    required = set(definition.get("required", []))
    if issubclass(model, models._Request):
        declared_required = {n for n, f in model.model_fields.items() if f.is_required()}
        # never looser than the spec; stricter where an empty value is meaningless (a redaction's user_id)
        assert required <= declared_required, f"{model.__name__} makes optional what the spec requires"


def test_responses_parse_docusign_shapes():
    user = models.UserDrilldownResponse.model_validate(
        {
            "id": "2d8f4c66-0000-4000-8000-000000000003",
            "created_on": "2024-03-01T10:20:30.1234567Z",  # seven fractional digits, as DocuSign writes them
            "memberships": [
                {
                    "account_id": "1c7e3b55-0000-4000-8000-000000000002",
                    "permission_profile": {"id": "1234567890123", "name": "DocuSign Sender"},
                    "groups": [{"id": 17, "name": "Sales"}],
                }
            ],
            "something_new": "ignored",
        }
    )
    assert user.created_on == datetime.fromisoformat("2024-03-01T10:20:30.123456+00:00")
    assert user.memberships[0].permission_profile.id == 1234567890123
    assert user.memberships[0].groups[0].id == 17


def test_requests_send_only_what_was_set_and_refuse_unknown_fields():
    body = models.NewUserRequest(
        email="a@x.com",
        accounts=[{"id": "1c7e3b55-0000-4000-8000-000000000002", "permission_profile": {"id": 5}}],
    )
    assert body.to_body() == {
        "email": "a@x.com",
        "accounts": [{"id": "1c7e3b55-0000-4000-8000-000000000002", "permission_profile": {"id": 5}}],
    }
    with pytest.raises(ValidationError, match="extra"):
        models.NewUserRequest(email="a@x.com", accounts=[], role="admin")
    with pytest.raises(ValidationError):
        models.UpdateUserRequest(id="2d8f4c66-0000-4000-8000-000000000003")  # site_id is required by the spec
