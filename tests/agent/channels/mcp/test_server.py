"""The MCP channel in-process: the SDK's own client against the server on a real stack (acme sandbox).

Both protocol eras are driven: ``mode="legacy"`` (the initialize handshake, where the server elicits
over the back-channel during the call) and the default (2026-07-28, where the server answers
``input_required`` and the client retries with the person's answer). Every assertion that matters
is on the sandbox's final state and on what the client was told.
"""

from __future__ import annotations

import json

import anyio
import mcp_types as types
import pytest
from mcp import Client

from agent.channels.mcp.server import (
    MY_REQUESTS_URI,
    ORGANIZATION_URI,
    WAITING_URI,
    McpChannel,
    build_server,
)
from tests.agent.agent_stack import membership, stack, user
from tools.actions import tool_schemas

ERAS = ["legacy", "auto"]


def _answering(action: str, confirm: bool = True, seen: list | None = None):
    async def callback(ctx, params):
        if seen is not None:
            seen.append(params.message)
        return types.ElicitResult(action=action, content={"confirm": confirm} if action == "accept" else None)

    return callback


def _session(tmp_path, email: str, *, setup: dict | None = None, hours_later: float = 0):
    sandbox, rt = stack(tmp_path, setup, hours_later=hours_later)
    return sandbox, rt, McpChannel.wired(rt, rt.actor(email))


def _run(channel: McpChannel, body, *, mode: str = "auto", elicitation=None):
    async def main():
        kwargs = {"elicitation_callback": elicitation} if elicitation is not None else {}
        async with Client(build_server(channel), mode=mode, **kwargs) as client:
            return await body(client)

    try:
        return anyio.run(main)
    finally:
        channel.close()


def test_the_tools_are_the_four_actions_with_the_claude_backends_schemas(tmp_path):
    _, _, channel = _session(tmp_path, "admin@acme.com")

    async def body(client):
        return (await client.list_tools()).tools

    tools = _run(channel, body)
    expected = {spec["name"]: spec for spec in tool_schemas()}
    assert {t.name for t in tools} == set(expected)
    for tool in tools:
        assert tool.input_schema == expected[tool.name]["input_schema"]
        assert tool.description == expected[tool.name]["description"]
    read_only = {t.name for t in tools if t.annotations.read_only_hint}
    assert read_only == {"list_users", "list_account"}


@pytest.mark.parametrize("mode", ERAS)
def test_a_read_comes_back_as_structured_content(tmp_path, mode):
    sandbox, _, channel = _session(tmp_path, "admin@acme.com")

    async def body(client):
        return await client.call_tool("list_users", {"status": "pending"})

    result = _run(channel, body, mode=mode)
    assert result.is_error is False
    assert result.structured_content["outcome"] == "done"
    listed = {row["email"] for row in result.structured_content["data"]["users"]}
    pending = {u["email"] for u in sandbox.dump()["users"]
               if any(m["status"].startswith("activation") for m in u["memberships"].values())}
    assert listed == pending and pending


def test_a_write_the_policy_denies_is_a_tool_error_and_changes_nothing(tmp_path):
    sandbox, _, channel = _session(tmp_path, "sam.lee@acme.com")
    before = sandbox.dump()

    async def body(client):
        return await client.call_tool("manage_account_membership", {
            "operation": "change_permission_profile", "email": "john.doe@acme.com", "account": "EMEA",
            "permission_profile": "Account Administrator"})

    result = _run(channel, body)
    assert result.is_error is True
    assert result.structured_content["outcome"] == "denied"
    assert "Not allowed" in result.content[0].text
    assert sandbox.dump() == before


def test_an_invalid_call_is_a_tool_error_naming_the_field(tmp_path):
    sandbox, _, channel = _session(tmp_path, "admin@acme.com")
    before = sandbox.dump()

    async def body(client):
        return await client.call_tool("manage_user", {"operation": "close", "email": "john.doe@acme.com"})

    result = _run(channel, body)
    assert result.is_error is True and result.structured_content["outcome"] == "error"
    assert "account" in result.structured_content["fix"]
    assert sandbox.dump() == before


@pytest.mark.parametrize("mode", ERAS)
def test_a_purge_is_confirmed_through_elicitation_then_approved(tmp_path, mode):
    sandbox, rt, channel = _session(tmp_path, "admin@acme.com")
    assert user(sandbox.dump(), "tom.baker@acme.com") is not None
    seen: list[str] = []

    async def body(client):
        return await client.call_tool("manage_user", {"operation": "purge", "email": "tom.baker@acme.com"})

    result = _run(channel, body, mode=mode, elicitation=_answering("accept", seen=seen))
    assert len(seen) == 1 and "purge tom.baker@acme.com" in seen[0]  # the gate's words, not a model's
    assert result.structured_content["outcome"] == "pending_approval"
    approval_id = result.structured_content["approval_id"]
    assert "token" not in json.dumps(result.structured_content)
    assert not user(sandbox.dump(), "tom.baker@acme.com").get("redacted")  # nothing ran yet

    redacted_before = sum(1 for u in sandbox.dump()["users"] if u.get("redacted"))
    done = rt.gate.approve(rt.actor("approver@acme.com"), approval_id)
    assert done.kind == "ok", done
    after = sandbox.dump()
    assert user(after, "tom.baker@acme.com") is None  # the email itself is redacted away
    assert sum(1 for u in after["users"] if u.get("redacted")) == redacted_before + 1


@pytest.mark.parametrize("answer", [("decline", True), ("cancel", True), ("accept", False)])
def test_a_declined_confirmation_changes_nothing(tmp_path, answer):
    sandbox, rt, channel = _session(tmp_path, "admin@acme.com")
    before = sandbox.dump()

    async def body(client):
        return await client.call_tool("manage_user", {"operation": "purge", "email": "tom.baker@acme.com"})

    result = _run(channel, body, elicitation=_answering(*answer))
    assert result.structured_content["outcome"] == "done"
    assert "nothing was changed" in result.content[0].text
    assert sandbox.dump() == before
    assert rt.approvals.list("pending") == []


def test_a_client_without_elicitation_gets_the_token_and_how_to_confirm(tmp_path):
    sandbox, rt, channel = _session(tmp_path, "admin@acme.com")
    before = sandbox.dump()

    async def body(client):
        return await client.call_tool("manage_user", {"operation": "purge", "email": "tom.baker@acme.com"})

    result = _run(channel, body)  # no elicitation callback: the client declares no elicitation
    assert result.structured_content["outcome"] == "needs_confirmation"
    note = result.structured_content["how_to_confirm"]
    assert "dsadmin confirm " in note and "--as admin@acme.com" in note
    token = note.split("dsadmin confirm ")[1].split()[0]
    assert sandbox.dump() == before
    # the token works for the person it was issued to, through the channel's confirm path
    assert rt.gate.confirm(rt.actor("admin@acme.com"), token).kind == "pending_approval"


def test_an_employees_seat_request_comes_back_pending_with_its_id(tmp_path):
    sandbox, rt, channel = _session(tmp_path, "maya.chen@acme.com")

    async def body(client):
        result = await client.call_tool("manage_user", {
            "operation": "provision", "email": "maya.chen@acme.com", "permission_profile": "DocuSign Sender"})
        mine = await client.read_resource(MY_REQUESTS_URI)
        return result, json.loads(mine.contents[0].text)

    result, mine = _run(channel, body)
    assert result.structured_content["outcome"] == "pending_approval"
    approval_id = result.structured_content["approval_id"]
    assert [r["id"] for r in mine] == [approval_id]
    assert user(sandbox.dump(), "maya.chen@acme.com") is None
    assert rt.gate.approve(rt.actor("approver@acme.com"), approval_id).kind == "ok"
    seat = membership(sandbox.dump(), "maya.chen@acme.com", "Acme Main")
    assert seat["permission_profile"] == "DocuSign Sender"


def test_whats_waiting_lists_an_approvers_requests_and_how_to_decide_them_outside_a_model(tmp_path):
    """An approver reads what waits for their decision (the request itself, not a pointer); the
    requester reads that they are not an approver and their own request. Reading decides nothing."""
    sandbox, rt, _ = _session(tmp_path, "maya.chen@acme.com")
    asked = rt.gate.submit(rt.actor("maya.chen@acme.com"), _call("manage_user", {
        "operation": "provision", "email": "maya.chen@acme.com", "permission_profile": "DocuSign Sender"}))
    before = sandbox.dump()

    def read(email):
        async def body(client):
            return json.loads((await client.read_resource(WAITING_URI)).contents[0].text)
        return _run(McpChannel.wired(rt, rt.actor(email)), body)

    approver = read("approver@acme.com")
    assert [r["id"] for r in approver["requests"]] == [asked.approval_id]
    assert approver["requests"][0]["requester"] == "maya.chen@acme.com"
    assert "/inbox" in approver["answer"] and "dsadmin approvals approve" in approver["answer"]
    requester = read("maya.chen@acme.com")
    assert requester["answer"].startswith("You are not an approver")
    assert [r["id"] for r in requester["requests"]] == [asked.approval_id]
    assert sandbox.dump() == before and rt.approvals.get(asked.approval_id).status == "pending"


def _call(action, args):
    from tools.actions import ToolCall

    return ToolCall(id="call_waiting", action=action, args=args)


def test_the_organization_resource_lists_accounts_profiles_and_groups(tmp_path):
    sandbox, _, channel = _session(tmp_path, "sam.lee@acme.com")

    async def body(client):
        listed = await client.list_resources()
        read = await client.read_resource(ORGANIZATION_URI)
        return listed, json.loads(read.contents[0].text)

    listed, org = _run(channel, body)
    assert {str(r.uri) for r in listed.resources} == {ORGANIZATION_URI, MY_REQUESTS_URI, WAITING_URI}
    accounts = {a["name"]: a for a in org["accounts"]}
    assert set(accounts) == {a["name"] for a in sandbox.dump()["accounts"]}
    assert "Paralegal" in accounts["Acme Legal"]["permission_profiles"]
    assert "Sales" in accounts["Acme Main"]["groups"]


def test_a_forged_retry_state_is_refused_and_changes_nothing(tmp_path):
    sandbox, _, channel = _session(tmp_path, "admin@acme.com")
    before = sandbox.dump()

    async def body(client):
        params = types.CallToolRequestParams(
            name="manage_user", arguments={"operation": "purge", "email": "tom.baker@acme.com"},
            request_state="not-a-token",
            input_responses={
                "dsadmin_confirmation": types.ElicitResult(action="accept", content={"confirm": True})},
        )
        return await channel.call_tool(None, params)

    result = _run(channel, body)
    assert result.is_error is True and result.structured_content["outcome"] == "error"
    assert sandbox.dump() == before
