"""``dsadmin mcp``: serve the MCP channel over stdio for one person's local client.

Identity is the channel's, fixed when the server starts: ``--as`` (or ``people.default_actor``) and only
against the sandbox, where identities are the fixture's and nothing real can change. Against a real
organization a self-asserted email would let anyone with a shell act as an admin, so it is refused.
Only typer is imported at module level, so ``dsadmin --help`` stays fast.
"""

from __future__ import annotations

import typer

SANDBOX_ONLY = (
    "`dsadmin mcp` takes its identity from --as, which is accepted only against the sandbox (the embedded "
    "default); this configuration talks to a real DocuSign organization. Run `dsadmin mcp` with the "
    "embedded default, or sign in through the organization's identity provider once the service is set up."
)


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp)


def mcp(
    as_: str | None = typer.Option(
        None, "--as", help="Who you are (an email), sandbox only; default: people.default_actor."
    ),
) -> None:
    """Serve the four guarded actions to an MCP client (Claude Desktop, Claude Code) over stdio."""
    import anyio

    from agent.commands import _actor, _check_as, _fail, _runtime
    from agent.config import ConfigError, load_config

    _check_as(as_)
    try:
        sandbox = load_config().uses_sandbox
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    if not sandbox:  # refused before anything is opened or signed
        raise _fail(SANDBOX_ONLY, 2)
    with _runtime() as rt:
        actor = _actor(rt, as_)
        anyio.run(_serve_stdio, rt, actor)


async def _serve_stdio(rt, actor) -> None:
    from mcp.server.stdio import stdio_server

    from agent.channels.mcp.server import McpChannel, build_server

    channel = McpChannel(rt, actor)
    server = build_server(channel)
    try:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
    finally:
        channel.close()
