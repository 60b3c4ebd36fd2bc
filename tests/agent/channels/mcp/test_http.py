"""The MCP channel over Streamable HTTP at /mcp in a running ``dsadmin serve`` (uvicorn on loopback).

The SDK's own client, with the bearer tokens the service accepts (the sandbox identity provider's);
refusals without or with a bad token carry the resource metadata MCP clients look for.
"""

from __future__ import annotations

import anyio
import httpx2
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.agent.agent_stack import membership, user


def _client(service, email: str, **kwargs):
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {service.token(email)}"}, timeout=60)
    return Client(streamable_http_client(f"{service.base}/mcp", http_client=http), **kwargs), http


def _run(service, email: str, body, **kwargs):
    async def main():
        client, http = _client(service, email, **kwargs)
        try:
            async with client:
                return await body(client)
        finally:
            await http.aclose()

    return anyio.run(main)


def test_without_a_token_the_answer_is_401_with_the_resource_metadata(service):
    refused = service.call("POST", "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert refused.status_code == 401
    challenge = refused.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and "resource_metadata=" in challenge
    url = challenge.split('resource_metadata="')[1].rstrip('"')
    metadata = service.http.get(url).json()
    assert metadata["resource"] == f"{service.base}/mcp"
    assert metadata["authorization_servers"] == [f"{service.base}/idp"]


@pytest.mark.parametrize("token", ["not-a-token", "dsa_unknown0000000000000000000000",
                                   "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFkbWluQGFjbWUuY29tIn0.c2ln"])
def test_a_bad_or_foreign_token_is_401_and_nothing_runs(service, token):
    before = service.state()
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "manage_user", "arguments": {
                "operation": "close", "email": "john.doe@acme.com", "all_accounts": True}}}
    refused = service.call("POST", "/mcp", json=body, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert service.state() == before


def test_an_admin_reads_and_a_purge_is_confirmed_by_elicitation_then_approved(service):
    asked: list[str] = []

    async def elicit(ctx, params):
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"confirm": True})

    async def body(client):
        names = {t.name for t in (await client.list_tools()).tools}
        read = await client.call_tool("list_users", {"status": "pending"})
        purge = await client.call_tool("manage_user", {"operation": "purge", "email": "tom.baker@acme.com"})
        return names, read, purge

    names, read, purge = _run(service, "admin@acme.com", body, elicitation_callback=elicit)
    assert names == {"list_users", "manage_user", "list_account", "manage_account_membership", "bulk_users"}
    assert read.is_error is False and read.structured_content["outcome"] == "done"
    assert len(asked) == 1 and "tom.baker@acme.com" in asked[0]
    assert purge.structured_content["outcome"] == "pending_approval"
    assert user(service.state(), "tom.baker@acme.com") is not None
    approval_id = purge.structured_content["approval_id"]
    approved = service.call("POST", f"/api/v1/approvals/{approval_id}/approve", "approver@acme.com", json={})
    assert approved.status_code == 200, approved.text
    assert user(service.state(), "tom.baker@acme.com") is None


def test_an_employees_seat_request_is_pending_and_theirs_alone(service):
    async def body(client):
        return await client.call_tool("manage_user", {
            "operation": "provision", "email": "sam.lee@acme.com", "account": "EMEA",
            "permission_profile": "DocuSign Viewer"})

    assert membership(service.state(), "sam.lee@acme.com", "EMEA") is None
    result = _run(service, "sam.lee@acme.com", body)
    assert result.structured_content["outcome"] == "pending_approval"
    assert membership(service.state(), "sam.lee@acme.com", "EMEA") is None

    async def other(client):
        return await client.call_tool("manage_user", {
            "operation": "provision", "email": "someone.else@acme.com",
            "permission_profile": "DocuSign Sender"})

    refused = _run(service, "sam.lee@acme.com", other)
    assert refused.is_error is True and refused.structured_content["outcome"] == "denied"


def test_a_client_without_elicitation_gets_the_token_and_how_to_confirm(service):
    before = service.state()

    async def body(client):
        return await client.call_tool("manage_user", {"operation": "purge", "email": "tom.baker@acme.com"})

    result = _run(service, "admin@acme.com", body)
    assert result.structured_content["outcome"] == "needs_confirmation"
    assert "dsadmin confirm " in result.structured_content["how_to_confirm"]
    assert service.state() == before
