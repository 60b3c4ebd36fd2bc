"""Every request the operations send is an operation of DocuSign's spec, with a body its schema accepts."""

from __future__ import annotations

import re

import jsonschema

ADMIN = "admin@acme.com"


def operation_of(spec: dict, method: str, path: str) -> dict:
    relative = path.removeprefix(spec.get("basePath", "/Management"))
    for template, operations in spec["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, relative) and method.lower() in operations:
            return operations[method.lower()]
    raise AssertionError(f"{method} {path} is not an operation of DocuSign's Admin API spec")


def test_every_operation_sends_spec_shaped_requests(world, spec, strict_definitions):
    world.sandbox.merge({"users": [{"email": "maya.chen@acme.com", "memberships": {
        "Acme Main": {"permission_profile": "DocuSign Sender"}, "Contractors": {}}}]})
    calls = [
        ("manage_user", dict(operation="provision", email="new.person@acme.com", first_name="New",
                             last_name="Person", job_title="Analyst", account="EMEA",
                             permission_profile="DocuSign Viewer", groups=["Finance", "Sales"])),
        ("manage_user", dict(operation="provision", email="sam.lee@acme.com", account="Acme Legal",
                             permission_profile="Paralegal", groups=["Legal"])),
        ("manage_user", dict(operation="update", email="sam.lee@acme.com", first_name="Samuel",
                             job_title="Lead", account="Acme Main")),
        ("manage_user", dict(operation="close", email="maya.chen@acme.com", account="Contractors")),
        ("manage_user", dict(operation="reactivate", email="tom.baker@acme.com", account="Acme Main",
                             permission_profile="DocuSign Viewer", groups=["HR"])),
        ("manage_account_membership", dict(operation="change_permission_profile", email="john.doe@acme.com",
                                           account="EMEA", permission_profile="DocuSign Viewer")),
        ("manage_account_membership", dict(operation="set_groups", email="john.doe@acme.com", account="EMEA",
                                           groups=["Finance"])),
        ("manage_account_membership", dict(operation="add_to_account", email="john.doe@acme.com",
                                           account="Contractors", permission_profile="DocuSign Sender")),
        ("manage_account_membership", dict(operation="remove_from_account", email="chris.park@acme.com",
                                           account="EMEA")),
        ("list_users", dict(status="active", account="EMEA")),
        ("list_users", dict(name_contains="doe")),
        ("list_account", dict(operation="groups", account="EMEA")),
        ("list_account", dict(operation="organization")),
    ]
    for action, args in calls:
        result = world.submit(ADMIN, action, **args)
        assert result.kind == "ok", (action, args, result)
    world.sandbox.clock.advance(hours=25)
    asked = world.submit(ADMIN, "manage_user", operation="purge", email="lisa.wong@acme.com")
    pending = world.gate.confirm(world.actor(ADMIN), asked.token)
    assert world.gate.approve(world.actor("approver@acme.com"), pending.approval_id).kind == "ok"

    checked = set()
    for method, path, body in world.wire.sent:
        if path.startswith("/oauth"):
            continue
        operation = operation_of(spec, method, path)
        body_params = [p for p in operation.get("parameters", []) if p.get("in") == "body"]
        if body is None:
            assert not body_params or not body_params[0].get("required"), f"{method} {path} needs a body"
            continue
        assert body_params, f"{method} {path} takes no body in the spec, but one was sent"
        schema = {**body_params[0]["schema"], "definitions": strict_definitions}
        jsonschema.Draft4Validator(schema).validate(body)
        checked.add(operation["operationId"])
    assert checked == {
        "OrganizationUser_Users_AddV2", "OrganizationUser_OrganizationUsers_PostAccountUsersV2",
        "User_Users_UpdateV2", "User_Users_CloseMembershipsV2", "OrganizationUser_Users_ActivateMembershipV2",
        "DataRedaction_RedactIndividualUserData",
    }
