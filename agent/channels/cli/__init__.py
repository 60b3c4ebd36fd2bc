"""The ``dsadmin`` command line: the root app (``main``) and one module per command group.

The CLI is a channel like the service, Slack and MCP: it sits above the agent, and nothing in the
agent, tools, policies or audit imports it. Each module imports only typer at module level and
loads what a command uses inside the command, so ``dsadmin --help`` starts fast (checked by
``tests/agent/channels/cli/test_start.py``; measured by ``evals/bench/bench_start.py``).

These modules do not use ``from __future__ import annotations``: typer reads every command's
annotations at start-up, and string annotations cost a compile and an eval each (about 300).
"""


def entry() -> None:
    """The console script (``dsadmin``). The app is imported in here, not at the script's top, so a
    Ctrl-C while Python is still loading it (the first half second) ends with exit 130 like any other
    interrupt, not a KeyboardInterrupt traceback."""
    import sys

    try:
        from agent.channels.cli.main import main
    except KeyboardInterrupt:
        print("interrupted; nothing was done", file=sys.stderr)
        raise SystemExit(130) from None
    main()
