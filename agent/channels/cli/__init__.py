"""The ``dsadmin`` command line: the root app (``main``) and one module per command group.

The CLI is a channel like the service, Slack and MCP: it sits above the agent, and nothing in the
agent, tools, policies or audit imports it. Each module imports only typer at module level and
loads what a command uses inside the command, so ``dsadmin --help`` starts fast (checked by
``tests/agent/channels/cli/test_start.py``; measured by ``evals/bench/bench_start.py``).
"""
