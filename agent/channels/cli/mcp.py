"""``dsadmin mcp``: serve the MCP channel over stdio for one person's local client.

Identity is the channel's, fixed when the server starts, exactly as for every other command: the
person signed in with ``dsadmin login`` (or mapped in ``people.os_users``); ``--as`` only against the
sandbox, where identities are the fixture's and nothing real can change. Against a real organization
a self-asserted email would let anyone with a shell act as an admin, so it is refused.
Only typer is imported at module level, so ``dsadmin --help`` stays fast.
"""

import typer


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp)


def mcp(
    as_: str | None = typer.Option(
        None, "--as", help="Who you are (an email), sandbox only; else whoever `dsadmin login` signed in."
    ),
) -> None:
    """Serve the five guarded actions to an MCP client (Claude Desktop, Claude Code) over stdio."""
    import anyio

    from agent.channels.cli.ask import _actor, _check_as, _fail, _runtime
    from agent.channels.identity import IdentityError, cli_email
    from agent.config import ConfigError, load_config

    _check_as(as_)
    try:
        email = cli_email(load_config(), as_)  # refused before anything is opened or signed
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    except IdentityError as exc:
        raise _fail(str(exc), 2) from None
    with _runtime() as rt:
        actor = _actor(rt, email)
        anyio.run(_serve_stdio, rt, actor)


async def _serve_stdio(rt, actor) -> None:
    from mcp.server.stdio import stdio_server

    from agent.channels.mcp.server import McpChannel, build_server

    channel = McpChannel.wired(rt, actor)
    server = build_server(channel)
    try:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
    finally:
        channel.close()
